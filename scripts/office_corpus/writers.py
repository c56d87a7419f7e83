"""Sheets to bytes, deterministically: XLSX through openpyxl (then every zip entry and the document properties
pinned to one date), CSV as Excel and WPS save it (CRLF, every row padded to the used width, the code page of the
"CSV" / "CSV UTF-8" / "Unicode text" choices)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import unicodedata
import zipfile
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from .layout import Info, Sheet, Styled, cell_text, plain

PINNED = dt.datetime(2024, 5, 31, 9, 30, 0)  # every generated file claims to be saved at this moment
ZIP_TIME = PINNED.timetuple()[:6]


def _display_width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def xlsx_bytes(sheets: list[Sheet | Info], *, clean: bool = False, author: str = "杨浦区商务委员会") -> bytes:
    book = Workbook()
    book.remove(book.active)
    book.properties.creator = author
    book.properties.lastModifiedBy = author
    book.properties.created = PINNED
    for sheet in sheets:
        ws = book.create_sheet(sheet.name)
        if isinstance(sheet, Info):
            for paragraph in sheet.paragraphs:
                ws.append([paragraph])
            ws.column_dimensions["A"].width = 100
            continue
        widths: dict[int, int] = {}
        for row in sheet.rows:
            for col, value in enumerate(sheet.file_cells(row, clean=clean), start=1):
                if value is None:
                    continue
                cell = ws.cell(row=row.number, column=col, value=plain(value))
                if isinstance(value, Styled):
                    cell.number_format = value.number_format
                elif isinstance(plain(value), dt.date):
                    cell.number_format = "yyyy/m/d"
                if row.role == "header":
                    cell.font = Font(bold=True)
                    cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
                elif row.reason == "title":
                    cell.font = Font(bold=True, size=14)
                    cell.alignment = Alignment(horizontal="center")
                if row.role != "skip" or row.reason not in ("title", "footer", "unit_line", "export_info"):
                    widths[col] = max(widths.get(col, 6), min(40, _display_width(cell_text(value) or "") + 2))
        for r0, c0, r1, c1 in sheet.merges:
            ws.merge_cells(start_row=r0, start_column=c0, end_row=r1, end_column=c1)
        for col, width in sorted(widths.items()):
            ws.column_dimensions[get_column_letter(col)].width = width
    buffer = io.BytesIO()
    book.save(buffer)
    return pin_zip(buffer.getvalue())


_CORE_DATES = re.compile(rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*(</dcterms:)")


def pin_zip(data: bytes) -> bytes:
    """Rewrite a zip with fixed entry dates and fixed document dates, so the same content gives the same bytes."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            body = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                body = _CORE_DATES.sub(rb"\g<1>" + PINNED.strftime("%Y-%m-%dT%H:%M:%SZ").encode() + rb"\g<2>", body)
            entry = zipfile.ZipInfo(info.filename, date_time=ZIP_TIME)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o600 << 16
            dst.writestr(entry, body, compresslevel=6)
    return out.getvalue()


def csv_text(sheet: Sheet, *, clean: bool = False, delimiter: str = ",") -> str:
    """The sheet as Excel writes a CSV: every row padded to the used range, CRLF line ends, minimal quoting."""
    width = sheet.width
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    for row in sheet.rows:
        cells = [cell_text(v) or "" for v in sheet.file_cells(row, clean=clean)]
        writer.writerow(cells + [""] * (width - len(cells)))
    return buffer.getvalue()


def csv_bytes(sheet: Sheet, *, encoding: str, clean: bool = False, delimiter: str = ",", bom: bool = False) -> bytes:
    """``encoding`` as Python names it (cp936, gb18030, big5, utf-8, utf-16-le); ``bom`` prepends the byte-order
    mark Excel writes for "CSV UTF-8" and "Unicode text". Unencodable text is a bug in the builder: strict."""
    text = csv_text(sheet, clean=clean, delimiter=delimiter)
    body = encode_cp936(text) if encoding == "cp936" else text.encode(encoding, errors="strict")
    if bom:
        body = ("\ufeff".encode(encoding)) + body
    return body


def encode_cp936(text: str) -> bytes:
    """Windows code page 936 as Excel writes it: GBK plus the euro sign at byte 0x80 (Python's cp936 is plain GBK)."""
    return b"\x80".join(part.encode("gbk", errors="strict") for part in text.split("€"))


def write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
