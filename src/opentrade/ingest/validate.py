"""Validate a raw table against an entity spec, all rows at once (polars), collecting every issue."""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from opentrade.errors import InputFileError
from opentrade.ingest.headers import MappedColumn, map_headers
from opentrade.ingest.readers import RawTable
from opentrade.ingest.report import ISSUE_SCHEMA
from opentrade.ingest.schemas import EntitySpec
from opentrade.ingest.values import Text

ROW = "__row"


@dataclass
class Validated:
    """Typed values (one column per field, plus ``__row``) and the issues found, as a long table."""

    frame: pl.DataFrame
    issues: pl.DataFrame
    mapped: list[MappedColumn]
    notes: list[str]

    @property
    def rows(self) -> int:
        return self.frame.height

    def header_of(self, field: str) -> str:
        return next((m.header for m in self.mapped if m.field == field), field)


def _clean(expr: pl.Expr, *, fold: bool) -> pl.Expr:
    # NFKC turns full-width digits/letters into ASCII; free text keeps its own punctuation. Pure-ASCII cells
    # (most numbers and codes) skip the normalisation, which is the costly part on millions of cells.
    if fold:
        expr = pl.when(expr.str.len_bytes() == expr.str.len_chars()).then(expr).otherwise(expr.str.normalize("NFKC"))
    expr = expr.str.strip_chars()
    return pl.when(expr.str.len_bytes() == 0).then(None).otherwise(expr)


def validate(raw: RawTable, spec: EntitySpec, *, max_rows: int = 0) -> Validated:
    """``max_rows``: refuse a file with more data rows (0: no limit), before holding it in memory."""
    mapped, notes = map_headers(raw, spec)
    exprs: list[pl.Expr] = []
    for m in mapped:
        col = spec.column(m.field)
        value, error = col.parser(m.multiplier).parse(pl.col(m.source))
        if col.required:
            error = pl.coalesce(pl.when(pl.col(m.source).is_null()).then(pl.lit("a value is required")), error)
        exprs += [value.alias(m.field), error.alias(f"{m.field}__err")]
    # One lazy pipeline: polars shares common sub-expressions (a USCC is normalised once, not once per character)
    # and never holds a cleaned copy of every text column beside the typed one.
    # At most one row past the limit is read: a file that is too long is refused without being held in memory.
    limit = max_rows
    typed_lazy = (
        (raw.frame.lazy().head(limit + 1) if limit else raw.frame.lazy())
        .with_row_index(ROW, offset=raw.first_row_number)
        .with_columns(
            pl.col(ROW).cast(pl.Int64),
            *[_clean(pl.col(m.source), fold=not isinstance(spec.column(m.field).parser(1.0), Text)).alias(m.source)
              for m in mapped],
        )
        .select(ROW, *exprs)
    )
    try:
        frame = typed_lazy.collect(engine="streaming")
    except pl.exceptions.PolarsError as exc:  # a malformed line found while scanning
        raise InputFileError(raw.path, f"not a well-formed file: {str(exc).strip().splitlines()[0]}") from exc
    typed = frame
    if limit and typed.height > limit:
        raise _too_many_rows(raw, limit)
    # Fields the file does not have are null (or False for flags), so later steps see every column.
    for col in spec.columns:
        if col.field not in typed.columns:
            default = col.parser(1.0).parse(pl.lit(None, dtype=pl.String))[0]
            typed = typed.with_columns(default.alias(col.field),
                                       pl.lit(None, dtype=pl.String).alias(f"{col.field}__err"))

    typed = _check_keys(typed, spec)
    for check in spec.checks:
        err = f"{check.column}__err"
        typed = typed.with_columns(
            pl.coalesce(pl.col(err), pl.when(check.bad().fill_null(False)).then(pl.lit(check.message))).alias(err)
        )
    issues = collect_issues(typed, mapped, spec, raw)
    out = typed.select(ROW, *[c.field for c in spec.columns])
    return Validated(out, issues, mapped, notes)


def _too_many_rows(raw: RawTable, limit: int) -> InputFileError:
    try:  # counted only now, on the refusal path: one more pass over the file
        count = f"{raw.frame.lazy().select(pl.len()).collect().item():,}"
    except pl.exceptions.PolarsError:
        count = f"more than {limit:,}"
    return InputFileError(raw.path, f"the file has {count} data rows; the limit is {limit:,} rows per import "
                                    "(OPENTRADE_MAX_IMPORT_ROWS): split it")


def _check_keys(typed: pl.DataFrame, spec: EntitySpec) -> pl.DataFrame:
    """A natural key seen twice in one file: the later rows are errors that name the first row."""
    key = list(spec.key)
    # The common case, decided by counting distinct 64-bit hashes of the keys (equal keys, equal hashes); only when
    # two hashes agree are the keys themselves compared.
    if typed.select(pl.struct(key).hash().n_unique()).item() == typed.height:
        return typed
    if not typed.select(pl.struct(key).is_duplicated().any()).item():
        return typed
    first = pl.col(ROW).min().over(key)
    dup = pl.all_horizontal([pl.col(k).is_not_null() for k in key]) & (pl.col(ROW) != first)
    err = f"{key[-1]}__err"
    message = pl.format("duplicate key ({}): same as row {}", pl.lit(", ".join(key)), first)
    return typed.with_columns(pl.coalesce(pl.col(err), pl.when(dup).then(message)).alias(err))


def collect_issues(typed: pl.DataFrame, mapped: list[MappedColumn], spec: EntitySpec, raw: RawTable) -> pl.DataFrame:
    """Issues as a long table; each quotes the cell exactly as the file has it (read again for the bad rows only,
    so the valid path never keeps a copy of the text)."""
    source = {m.field: m for m in mapped}
    errors = [c.field for c in spec.columns if typed.get_column(f"{c.field}__err").null_count() < typed.height]
    if not errors:
        return pl.DataFrame(schema=ISSUE_SCHEMA)
    bad_rows = typed.filter(pl.any_horizontal(pl.col(f"{f}__err").is_not_null() for f in errors)).get_column(ROW)
    cells = (
        raw.frame.with_row_index(ROW, offset=raw.first_row_number)
        .with_columns(pl.col(ROW).cast(pl.Int64))
        .filter(pl.col(ROW).is_in(bad_rows.implode()))
        .select(ROW, *[pl.col(m.source) for m in mapped])
        .collect()
    )
    bad = typed.filter(pl.col(ROW).is_in(bad_rows.implode())).join(cells, on=ROW, how="left")
    parts = []
    for field in errors:
        m = source.get(field)
        rows = bad.filter(pl.col(f"{field}__err").is_not_null())
        parts.append(rows.select(
            pl.col(ROW).alias("row"), pl.lit(m.header if m else field).alias("column"),
            (pl.col(m.source) if m else pl.lit(None, dtype=pl.String)).alias("value"),
            pl.col(f"{field}__err").alias("rule"),
        ))
    return pl.concat(parts).cast(ISSUE_SCHEMA).sort("row", "column")


def add_issues(validated: Validated, rows: pl.Series, *, field: str, rule: str) -> None:
    """Issues found later (e.g. references to unknown records) join the same report."""
    if rows.len() == 0:
        return
    m = next((m for m in validated.mapped if m.field == field), None)
    bad = validated.frame.filter(pl.col(ROW).is_in(rows.implode()))
    new = bad.select(
        pl.col(ROW).alias("row"),
        pl.lit(m.header if m else field).alias("column"),
        pl.col(field).cast(pl.String).alias("value"),
        pl.lit(rule).alias("rule"),
    ).cast(ISSUE_SCHEMA)
    validated.issues = pl.concat([validated.issues, new]).sort("row", "column")
