"""A sheet laid out row by row, each row with its role: the source of both the file and its expected outcome.

A builder appends title lines, headers, data rows (with the refusals and probe values a statistician expects) and
non-data rows (totals, headings, footers); the writers turn the sheet into XLSX or CSV bytes, and ``expected``
turns the same rows into the expected-outcome record. Row numbers are 1-based, as Excel and a text editor show them.
A data row that must be refused carries, per refusal, the value a corrected file would hold: the *clean variant* of
a file (``<name>.clean.<ext>``) has those values in the same places, so that every other row keeps its number.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

MISSING_WORDS = ("—", "–", "-", "/", "无", "不详", "暂无", "面议", "N/A")


@dataclass(frozen=True)
class Styled:
    """An Excel cell value with its number format (a date shown as 2015/3/12, a number as 1,200.00 …)."""

    value: Any
    number_format: str


@dataclass(frozen=True)
class Refusal:
    code: str  # proposed stable issue code, e.g. uscc.check_char
    column: str  # the column (flattened header) whose value breaks the rule
    why: str  # the rule, in words
    fixed: Any = None  # the value a corrected file holds in that cell (the clean variant)


@dataclass
class Row:
    number: int
    cells: list[Any]
    role: str  # "header", "data" or "skip"
    reason: str = ""  # for skipped rows: title, unit_line, code_row, heading, subtotal, total, blank, footer …
    refusals: list[Refusal] = field(default_factory=list)
    probes: dict[str, dict[str, Any]] = field(default_factory=dict)
    notes: dict[str, str] = field(default_factory=dict)
    or_refuse: dict[str, str] = field(default_factory=dict)  # column → code that is an acceptable refusal instead
    records: int = 1  # records the row yields (a wide row yields one per filled period/country column)

    def fixed_cells(self, columns: list[str]) -> list[Any]:
        cells = list(self.cells)
        for refusal in self.refusals:
            cells[columns.index(refusal.column)] = refusal.fixed
        return cells


def plain(value: Any) -> Any:
    return value.value if isinstance(value, Styled) else value


def cell_text(value: Any) -> str | None:
    """The cell as a person reads it in the file (the expected records quote cells this way)."""
    value = plain(value)
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float):
        return repr(value)
    return str(value)


def cell_type(value: Any) -> str:
    value = plain(value)
    if isinstance(value, (dt.date, dt.datetime)):
        return "date"
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return "number"
    return "text"


class Sheet:
    """One worksheet (or the only table of a CSV). ``columns`` are the table's flattened header names."""

    def __init__(self, name: str, columns: list[str] | None = None) -> None:
        self.name = name
        self.columns = list(columns or [])
        self.rows: list[Row] = []
        self.merges: list[tuple[int, int, int, int]] = []  # first_row, first_col, last_row, last_col (1-based)
        self.merged_down: list[tuple[str, int, int]] = []  # data cells merged over several rows
        self.column_refusals: list[tuple[Refusal, str]] = []  # (refusal, header text in the clean variant)
        self.header_rows: list[int] = []

    @property
    def width(self) -> int:
        return max([len(self.columns)] + [len(r.cells) for r in self.rows])

    def _add(self, cells: list[Any], role: str, **kwargs: Any) -> Row:
        row = Row(len(self.rows) + 1, cells, role, **kwargs)
        self.rows.append(row)
        return row

    def line(self, text: str, reason: str, *, merge: bool = True) -> int:
        """A title, unit, export-time or footer line: text in the first cell, merged across the table's width."""
        row = self._add([text], "skip", reason=reason)
        if merge and len(self.columns) > 1:
            self.merges.append((row.number, 1, row.number, len(self.columns)))
        return row.number

    def blank(self) -> int:
        return self._add([], "skip", reason="blank").number

    def header(self, cells: list[Any]) -> int:
        row = self._add(list(cells), "header")
        self.header_rows.append(row.number)
        return row.number

    def skip(self, values: dict[str, Any] | list[Any], reason: str) -> int:
        """A non-data row laid out like data: a 合计 row, a code row 甲/乙/丙, a heading 一、…"""
        cells = self._cells(values) if isinstance(values, dict) else list(values)
        return self._add(cells, "skip", reason=reason).number

    def data(self, values: dict[str, Any], *, refuse: tuple[Refusal, ...] | list[Refusal] = (),
             probes: dict[str, dict[str, Any]] | None = None, notes: dict[str, str] | None = None,
             or_refuse: dict[str, str] | None = None, records: int = 1) -> int:
        for refusal in refuse:
            if refusal.column not in self.columns:
                raise KeyError(f"{self.name}: refusal on unknown column {refusal.column!r}")
        for column in list(probes or {}) + list(or_refuse or {}):
            if column not in self.columns:
                raise KeyError(f"{self.name}: probe on unknown column {column!r}")
        refused = {r.column for r in refuse}  # a refused cell has no stored value to probe
        probes = {c: e for c, e in (probes or {}).items() if c not in refused}
        return self._add(self._cells(values), "data", refusals=list(refuse), probes=probes,
                         notes=dict(notes or {}), or_refuse=dict(or_refuse or {}), records=records).number

    def _cells(self, values: dict[str, Any]) -> list[Any]:
        unknown = set(values) - set(self.columns)
        if unknown:
            raise KeyError(f"{self.name}: unknown columns {sorted(unknown)}")
        return [values.get(c) for c in self.columns]

    def merge_down(self, column: str, first: int, last: int) -> None:
        """Merge a data column over rows first..last (the value shows in the first row only, as Excel keeps it)."""
        col = self.columns.index(column) + 1
        self.merges.append((first, col, last, col))
        self.merged_down.append((column, first, last))

    def refuse_column(self, refusal: Refusal, clean_header: str) -> None:
        """The whole column must be refused (an unknown unit …); the clean variant's header is ``clean_header``."""
        self.column_refusals.append((refusal, clean_header))

    def hidden_by_merge(self, row: int, col: int) -> bool:
        """Whether a cell lies inside a merged range without being its top-left cell (Excel keeps it empty)."""
        return any(r0 <= row <= r1 and c0 <= col <= c1 and (row, col) != (r0, c0)
                   for r0, c0, r1, c1 in self.merges)

    def file_cells(self, row: Row, *, clean: bool) -> list[Any]:
        """The cells as written: the clean variant's corrections applied, merged-away cells emptied."""
        cells = row.fixed_cells(self.columns) if clean and row.role == "data" else list(row.cells)
        if clean and row.role == "header" and row.number == self.header_rows[-1]:
            for refusal, clean_header in self.column_refusals:
                cells[self.columns.index(refusal.column)] = clean_header
        return [None if self.hidden_by_merge(row.number, i + 1) else v for i, v in enumerate(cells)]


@dataclass
class Info:
    """An information sheet (填报说明) that holds no table: the importer must skip it and say so."""

    name: str
    paragraphs: list[str]
