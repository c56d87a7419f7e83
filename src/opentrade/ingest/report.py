"""The row-by-row report of a rejected (or dry-run) import: printed, and written next to the input file."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from opentrade.ingest.cells import escape_cell

ISSUE_SCHEMA = pl.Schema({"row": pl.Int64, "column": pl.String, "value": pl.String, "rule": pl.String})


@dataclass
class RejectReport:
    path: str
    kind: str
    rows_total: int
    issues: pl.DataFrame = field(default_factory=lambda: pl.DataFrame(schema=ISSUE_SCHEMA))
    rejects_path: str | None = None

    @property
    def rows_rejected(self) -> int:
        return self.issues.get_column("row").n_unique() if self.issues.height else 0

    @property
    def ok(self) -> bool:
        return self.issues.height == 0

    def summary(self) -> str:
        if self.ok:
            return f"{self.path}: {self.rows_total:,} rows valid"
        return (
            f"{self.path}: {self.rows_rejected:,} of {self.rows_total:,} rows break a rule "
            f"({self.issues.height:,} issues); nothing was written"
        )

    def lines(self, limit: int | None = None) -> list[str]:
        """One sentence per issue: file, row, column, value, rule."""
        rows = self.issues.head(limit) if limit else self.issues
        return [
            f"{self.path}, row {r['row']}, column {r['column']!r}, value {r['value']!r}: {r['rule']}"
            for r in rows.iter_rows(named=True)
        ]

    def write(self, target: Path | None = None) -> Path:
        """``<input>.rejects.csv`` (UTF-8 with BOM for Excel), cells escaped against formula injection."""
        target = target or Path(f"{self.path}.rejects.csv")
        out = self.issues.with_columns(
            pl.lit(self.path).alias("file"),
            pl.col("value").map_elements(escape_cell, return_dtype=pl.String),
        ).select("file", "row", "column", "value", "rule")
        with target.open("wb") as fh:
            fh.write(b"\xef\xbb\xbf")
            out.write_csv(fh)
        self.rejects_path = str(target)
        return target
