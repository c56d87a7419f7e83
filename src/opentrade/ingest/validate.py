"""Validate a raw table against an entity spec, all rows at once (polars), collecting every issue."""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

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

    def header_of(self, field: str) -> str:
        return next((m.header for m in self.mapped if m.field == field), field)


def _clean(expr: pl.Expr, *, fold: bool) -> pl.Expr:
    # NFKC turns full-width digits/letters into ASCII; free text keeps its own punctuation.
    if fold:
        expr = expr.str.normalize("NFKC")
    expr = expr.str.strip_chars()
    return pl.when(expr.str.len_bytes() == 0).then(None).otherwise(expr)


def validate(raw: RawTable, spec: EntitySpec) -> Validated:
    mapped, notes = map_headers(raw, spec)
    frame = raw.frame.with_row_index(ROW, offset=raw.first_row_number).with_columns(pl.col(ROW).cast(pl.Int64))
    cleaned = frame.lazy().select(
        ROW,
        *[
            _clean(pl.col(m.source), fold=not isinstance(spec.column(m.field).parser(1.0), Text)).alias(m.source)
            for m in mapped
        ],
    ).collect()
    exprs: list[pl.Expr] = []
    for m in mapped:
        col = spec.column(m.field)
        value, error = col.parser(m.multiplier).parse(pl.col(m.source))
        if col.required:
            error = pl.coalesce(
                pl.when(pl.col(m.source).is_null()).then(pl.lit("a value is required")), error
            )
        exprs += [value.alias(m.field), error.alias(f"{m.field}__err")]
    # Lazy, so polars shares common sub-expressions (a USCC is normalised once, not once per character).
    typed = cleaned.lazy().select(ROW, *[pl.col(m.source) for m in mapped], *exprs).collect()
    # Fields the file does not have are null (or False for flags), so later steps see every column.
    for col in spec.columns:
        if col.field not in typed.columns:
            default = col.parser(1.0).parse(pl.lit(None, dtype=pl.String))[0]
            typed = typed.with_columns(default.alias(col.field), pl.lit(None, dtype=pl.String).alias(f"{col.field}__err"))

    typed = _check_keys(typed, spec)
    for check in spec.checks:
        err = f"{check.column}__err"
        typed = typed.with_columns(
            pl.coalesce(pl.col(err), pl.when(check.bad().fill_null(False)).then(pl.lit(check.message))).alias(err)
        )
    issues = collect_issues(typed, mapped, spec)
    out = typed.select(ROW, *[c.field for c in spec.columns])
    return Validated(out, issues, mapped, notes)


def _check_keys(typed: pl.DataFrame, spec: EntitySpec) -> pl.DataFrame:
    """A natural key seen twice in one file: the later rows are errors that name the first row."""
    key = list(spec.key)
    first = pl.col(ROW).min().over(key)
    dup = pl.all_horizontal([pl.col(k).is_not_null() for k in key]) & (pl.col(ROW) != first)
    err = f"{key[-1]}__err"
    message = pl.format("duplicate key ({}): same as row {}", pl.lit(", ".join(key)), first)
    return typed.with_columns(pl.coalesce(pl.col(err), pl.when(dup).then(message)).alias(err))


def collect_issues(typed: pl.DataFrame, mapped: list[MappedColumn], spec: EntitySpec) -> pl.DataFrame:
    source = {m.field: m for m in mapped}
    parts = []
    for col in spec.columns:
        err = f"{col.field}__err"
        bad = typed.filter(pl.col(err).is_not_null())
        if bad.height == 0:
            continue
        m = source.get(col.field)
        parts.append(
            bad.select(
                pl.col(ROW).alias("row"),
                pl.lit(m.header if m else col.field).alias("column"),
                (pl.col(m.source) if m else pl.lit(None, dtype=pl.String)).alias("value"),
                pl.col(err).alias("rule"),
            )
        )
    if not parts:
        return pl.DataFrame(schema=ISSUE_SCHEMA)
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
