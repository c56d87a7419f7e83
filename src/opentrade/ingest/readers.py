"""Read a CSV or Excel file into a table of strings, whatever its encoding.

Every cell comes out as text (or null when empty) so that validation — not the reader — decides what a value means
and can quote it back to the user exactly. Spreadsheet row numbers are kept: the header is row 1, data starts at 2.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl

from opentrade.errors import InputFileError

EXCEL_SUFFIXES = {".xlsx", ".xlsm", ".xls", ".xlsb", ".ods"}
CSV_SUFFIXES = {".csv", ".txt", ".tsv"}
_CHUNK = 1 << 22


@dataclass
class RawTable:
    """A file's rows as strings, with the headers exactly as the file spells them.

    ``frame`` is lazy: a UTF-8 CSV is scanned in batches while it is validated, so a file of millions of rows is
    never held in memory as text beside its typed values."""

    path: str
    headers: list[str]
    frame: pl.LazyFrame  # columns c0..cN (strings), one row per data row
    encoding: str
    notes: list[str] = field(default_factory=list)

    first_row_number: int = 2  # spreadsheet row number of the first data row


def read_table(path: str | Path, *, max_bytes: int | None = None) -> RawTable:
    path = Path(path)
    if not path.exists():
        raise InputFileError(str(path), "file not found")
    size = path.stat().st_size
    if max_bytes is not None and size > max_bytes:
        raise InputFileError(str(path), f"file is {size:,} bytes; the limit is {max_bytes:,}")
    suffix = path.suffix.lower()
    if suffix in EXCEL_SUFFIXES:
        return _read_excel(path)
    if suffix in CSV_SUFFIXES or suffix == "":
        return _read_csv(path)
    raise InputFileError(str(path), f"unsupported file type {suffix!r}: use CSV (UTF-8/GBK/GB18030) or XLSX")


# --- CSV -------------------------------------------------------------------------------------------------------


def detect_encoding(path: Path) -> str:
    """UTF-8 (with or without BOM), UTF-16 (BOM, as Excel's "Unicode text" saves), else GB18030 (a superset of GBK)."""
    with path.open("rb") as fh:
        head = fh.read(4)
        if head.startswith(codecs.BOM_UTF8):
            return "utf-8-sig"
        if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            return "utf-16"
        fh.seek(0)
        if _is_utf8(fh):
            return "utf-8"
        decoder = codecs.getincrementaldecoder("gb18030")()
        fh.seek(0)
        try:
            while chunk := fh.read(_CHUNK):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
            return "gb18030"
        except UnicodeDecodeError:
            pass
    raise InputFileError(str(path), "cannot decode the file as UTF-8, UTF-16, GBK or GB18030")


def _is_utf8(fh) -> bool:
    """Whether the rest of a binary file is well-formed UTF-8 (the same rules as Python's codec: no surrogates, no
    overlong forms). Checked in chunks by polars (Rust's validator, several times faster than decoding in Python);
    a character split across two chunks is carried over to the next one."""
    carry = b""
    while chunk := fh.read(_CHUNK):
        chunk = carry + chunk
        end = _last_boundary(chunk)
        try:
            pl.Series([chunk[:end]], dtype=pl.Binary).cast(pl.String)
        except pl.exceptions.ComputeError:
            return False
        carry = chunk[end:]
    return not carry  # a character cut off by the end of the file


def _last_boundary(data: bytes) -> int:
    """Length of ``data`` without a multi-byte character that is incomplete at its end (its lead byte and the
    continuation bytes present). Malformed endings are left in, for the validator to reject."""
    lead = len(data) - 1
    while lead >= 0 and len(data) - lead <= 3 and data[lead] & 0xC0 == 0x80:
        lead -= 1
    if lead < 0:
        return len(data)
    byte = data[lead]
    width = 2 if byte >> 5 == 0b110 else 3 if byte >> 4 == 0b1110 else 4 if byte >> 3 == 0b11110 else 1
    return lead if len(data) - lead < width else len(data)


def _sniff_delimiter(first_line: str) -> str:
    counts = {d: first_line.count(d) for d in (",", "\t", ";", "|")}
    best = max(counts, key=counts.__getitem__)
    return best if counts[best] else ","


def _read_csv(path: Path) -> RawTable:
    encoding = detect_encoding(path)
    label = {"utf-8-sig": "UTF-8 (BOM)", "utf-8": "UTF-8", "utf-16": "UTF-16", "gb18030": "GB18030/GBK"}[encoding]
    try:
        return _read_csv_as(path, encoding, label)
    except UnicodeError as exc:  # a byte-order mark promised an encoding that the rest does not keep
        reason = exc.reason if isinstance(exc, UnicodeDecodeError) else str(exc)
        raise InputFileError(str(path), f"the file starts as {label} but is not valid {label}: {reason}") from None


def _read_csv_as(path: Path, encoding: str, label: str) -> RawTable:
    with path.open(encoding=encoding, newline="") as fh:
        first = fh.readline()
        if not first.strip():
            raise InputFileError(str(path), "the file is empty or its first line (the header) is blank")
        delimiter = _sniff_delimiter(first)
        fh.seek(0)
        headers = next(csv.reader(fh, delimiter=delimiter))
    options: dict[str, Any] = {"has_header": True, "infer_schema": False, "separator": delimiter,
                               "quote_char": '"'}
    try:
        if encoding in ("utf-8", "utf-8-sig"):
            frame = pl.scan_csv(path, encoding="utf8", **options)  # read in batches as it is validated
        else:  # polars reads UTF-8 only: transcode in memory (GBK files are office-sized)
            frame = pl.read_csv(io.BytesIO(path.read_bytes().decode(encoding).encode("utf-8")), **options).lazy()
        names = frame.collect_schema().names()
    except pl.exceptions.PolarsError as exc:
        raise InputFileError(str(path), f"not a well-formed CSV file: {_first_line(exc)}") from exc
    if len(names) != len(headers):
        raise InputFileError(str(path), f"the header has {len(headers)} fields but the reader found {len(names)}")
    frame = frame.rename(dict(zip(names, [f"c{i}" for i in range(len(names))], strict=True)))
    return RawTable(str(path), ["" if h is None else h for h in headers], frame, label)


def _first_line(exc: Exception) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__


# --- Excel -----------------------------------------------------------------------------------------------------


def _cell_text(value: object) -> str | None:
    """Excel cells to text without losing meaning: 2019.0 → '2019', dates → ISO, empty → None."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(sep=" ")
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, dt.timedelta):
        return str(value)
    return str(value)


def _read_excel(path: Path) -> RawTable:
    from python_calamine import CalamineWorkbook

    try:
        book = CalamineWorkbook.from_path(str(path))
        sheet_name = book.sheet_names[0]
        rows = book.get_sheet_by_name(sheet_name).to_python(skip_empty_area=False)
    except Exception as exc:  # calamine raises its own untyped errors for corrupt files
        raise InputFileError(str(path), f"not a readable Excel workbook: {_first_line(exc)}") from exc
    # Drop fully empty trailing rows (Excel often keeps formatted blank rows).
    while rows and all(v in (None, "") for v in rows[-1]):
        rows.pop()
    if not rows:
        raise InputFileError(str(path), "the first sheet is empty")
    width = max(len(r) for r in rows)
    headers = [(_cell_text(v) or "") for v in rows[0]] + [""] * (width - len(rows[0]))
    columns: dict[str, list[str | None]] = {f"c{i}": [] for i in range(width)}
    for row in rows[1:]:
        for i in range(width):
            columns[f"c{i}"].append(_cell_text(row[i]) if i < len(row) else None)
    frame = pl.DataFrame(columns, schema={k: pl.String for k in columns}).lazy()
    notes = [f"read sheet {sheet_name!r}"] + (
        [f"{len(book.sheet_names) - 1} other sheet(s) ignored"] if len(book.sheet_names) > 1 else []
    )
    return RawTable(str(path), headers, frame, "XLSX", notes)


def normalise_header(text: str) -> str:
    """NFKC folds full-width letters, digits and brackets; case and separators do not matter."""
    text = unicodedata.normalize("NFKC", text).strip().lower()
    for ch in (" ", "-", "\u3000", "\n", "\t"):
        text = text.replace(ch, "_" if ch in " -" else "")
    return text


def write_csv_rows(path: Path, header: list[str], rows: list[list[object]]) -> None:
    """UTF-8 with BOM so that Excel opens Chinese text correctly."""
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        writer.writerows(rows)
