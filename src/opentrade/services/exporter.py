"""Export registry tables for Excel users: UTF-8-with-BOM CSV or XLSX, formula-like cells escaped. Every
download of the CLI, the API and the cockpit is written here (:func:`write_frame`, :func:`download`).

Column names are the import field names, so an exported file imports back unchanged.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import polars as pl
from sqlalchemy import select

from opentrade.errors import InputFileError
from opentrade.ingest.cells import escape_cell
from opentrade.ingest.schemas import SPECS
from opentrade.store.db import Database
from opentrade.store.models import Base

XML_ILLEGAL = r"[\x00-\x08\x0B\x0C\x0E-\x1F]"  # the characters openpyxl refuses (as its ILLEGAL_CHARACTERS_RE)
CLASSIFICATION = ["de_category", "de_subcategory", "de_basis", "clusters"]


def table_frame(db: Database, kind: str) -> pl.DataFrame:
    spec = SPECS.get(kind)
    if spec is None or spec.kind in ("financials", "projects", "spaces"):
        exportable = [k for k, s in SPECS.items() if k not in ("financials", "projects", "spaces")]
        raise InputFileError(kind, f"cannot export {kind!r}; choose one of: {', '.join(exportable)}")
    table = Base.metadata.tables[spec.table]
    fields = [c.field for c in spec.columns if c.field in table.c]
    if kind == "enterprises":
        fields += CLASSIFICATION
    with db.engine.connect() as conn:
        rows = conn.execute(select(*[table.c[f] for f in fields]).order_by(*table.primary_key.columns)).all()
    return pl.DataFrame([tuple(r) for r in rows], schema=fields, orient="row", infer_schema_length=None)


def export_table(db: Database, kind: str, target: Path, *, fmt: str) -> int:
    frame = table_frame(db, kind)
    write_frame(frame, target, fmt=fmt)
    return frame.height


MEDIA = {"csv": "text/csv; charset=utf-8",
         "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


def rows_frame(rows: list[dict[str, Any]]) -> pl.DataFrame:
    """Rows as a frame for export; no rows: one empty text column (a file with a header line)."""
    if not rows:
        return pl.DataFrame({"empty": []}, schema={"empty": pl.String})
    return pl.DataFrame(rows, infer_schema_length=None)


def download(frame: pl.DataFrame, *, fmt: str, name: str) -> tuple[bytes, str, str]:
    """Every download of every edge: the file's bytes, its media type and its file name ``<name>.<fmt>``."""
    if fmt not in MEDIA:
        raise InputFileError(f"{name}.{fmt}", f"unknown export format {fmt!r} (csv or xlsx)")
    return frame_bytes(frame, fmt=fmt), MEDIA[fmt], f"{name}.{fmt}"


def frame_bytes(frame: pl.DataFrame, *, fmt: str) -> bytes:
    """:func:`write_frame` into memory, for downloads (openpyxl writes through a file)."""
    import tempfile

    with tempfile.TemporaryDirectory(prefix="opentrade-export-") as folder:
        target = Path(folder) / f"export.{fmt}"
        write_frame(frame, target, fmt=fmt)
        return target.read_bytes()


def write_frame(frame: pl.DataFrame, target: Path, *, fmt: str) -> None:
    escaped = frame.with_columns(
        pl.col(c).map_elements(escape_cell, return_dtype=pl.String) for c, t in frame.schema.items() if t == pl.String
    )
    if fmt == "csv":
        with target.open("wb") as fh:
            fh.write(b"\xef\xbb\xbf")  # Excel needs the BOM to read UTF-8 Chinese text
            escaped.write_csv(fh)
    elif fmt == "xlsx":
        from openpyxl import Workbook
        # XML 1.0 cannot hold most control characters; a record that carries one (pasted from elsewhere) still
        # exports, with U+FFFD in its place, instead of failing the whole file.
        escaped = escaped.with_columns(pl.col(c).str.replace_all(XML_ILLEGAL, "\ufffd")
                                       for c, t in escaped.schema.items() if t == pl.String)
        book = Workbook(write_only=True)
        sheet = book.create_sheet("data")
        sheet.append(escaped.columns)
        for row in escaped.iter_rows():
            sheet.append(list(row))
        book.save(target)
    else:
        raise InputFileError(str(target), f"unknown export format {fmt!r} (csv or xlsx)")
