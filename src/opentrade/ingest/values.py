"""Vectorised value parsers: each turns a column of text into typed values plus, per row, the rule it broke.

A parser gets a polars expression over already-normalised text (NFKC, stripped, empty → null) and returns
``(value, error)`` expressions; ``error`` is null where the cell is fine, else a short sentence naming the rule.
Rules are kept in one place so that the CLI, the API and the demo loader validate alike.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Protocol

import polars as pl
from polars._typing import PolarsDataType
from stdnum.cn import uscc as stdnum_uscc

Parsed = tuple[pl.Expr, pl.Expr]


class Parser(Protocol):
    def parse(self, col: pl.Expr) -> Parsed: ...
EXCEL_EPOCH = dt.date(1899, 12, 30)  # Excel's day 0 in the 1900 date system (after its 1900 leap-year bug)


def _err(cond: pl.Expr, message: str) -> pl.Expr:
    return pl.when(cond).then(pl.lit(message)).otherwise(pl.lit(None, dtype=pl.String))


def _per_batch(col: pl.Expr, fast: Callable[[pl.Series], pl.Series], slow: Callable[[pl.Series], pl.Series],
               dtype: PolarsDataType) -> pl.Expr:
    """``fast`` on every cell, ``slow`` only on the cells where ``fast`` gives null (one batch at a time).

    For parsers whose common spelling has a cheap exact reading (a plain number, an ISO date, a code as listed):
    ``fast`` must give, wherever it gives a value, the value ``slow`` would give. As one opaque function per batch
    the general path is not evaluated for a batch that does not need it (polars would evaluate a ``when/then``
    branch in full), and the result is computed once however often the parser's error rules refer to it.
    """

    def run(cells: pl.Series) -> pl.Series:
        value = fast(cells)
        retry = value.is_null() & cells.is_not_null()
        if not retry.any():
            return value
        return value.scatter(retry.arg_true(), slow(cells.filter(retry)))

    return col.map_batches(run, return_dtype=dtype, is_elementwise=True)


@dataclass(frozen=True)
class Text:
    max_len: int = 200

    def parse(self, col: pl.Expr) -> Parsed:
        return col, _err(col.str.len_chars() > self.max_len, f"text longer than {self.max_len} characters")


USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # GB 32100-2015: 31 characters, no I, O, S, V, Z
USCC_WEIGHTS = [pow(3, i, 31) for i in range(17)]


@functools.cache
def _uscc_arrays():
    import numpy as np

    index = np.full(256, -1, dtype=np.int64)  # byte → position in the alphabet, -1 outside it
    for i, ch in enumerate(USCC_ALPHABET):
        index[ord(ch)] = i
    return index, np.array(USCC_WEIGHTS, dtype=np.int64)


def uscc_check_ok(codes: pl.Series) -> pl.Series:
    """True where an 18-byte code ends in its GB 32100-2015 check character, False elsewhere (nulls included).

    Same algorithm as python-stdnum's ``stdnum.cn.uscc.calc_check_digit`` (a property test holds them equal on
    random codes and on every single-character mutation), on the codes' bytes with numpy, one batch at a time:
    per-row Python calls, or 17 per-character polars expressions, would cost seconds per million codes.
    """
    import numpy as np

    index, weights = _uscc_arrays()
    full = (codes.str.len_bytes() == 18).fill_null(False)
    ok = np.zeros(codes.len(), dtype=bool)
    if full.any():
        chars = np.frombuffer(codes.filter(full).str.join("").item().encode(), dtype=np.uint8).reshape(-1, 18)
        expected = (31 - (index[chars[:, :17]] @ weights) % 31) % 31
        ok[full.to_numpy()] = expected == index[chars[:, 17]]
    return pl.Series(codes.name, ok)


@dataclass(frozen=True)
class USCC:
    """Unified social credit code, GB 32100-2015: shape and check character."""

    def parse(self, col: pl.Expr) -> Parsed:
        code = col.str.to_uppercase().str.replace_all(r"[\s-]", "")
        shape_ok = code.str.contains(r"^[0-9]{8}[0-9A-HJ-NP-RTUWXY]{10}$")
        check_ok = code.map_batches(uscc_check_ok, return_dtype=pl.Boolean, is_elementwise=True)
        error = pl.coalesce(
            _err(~shape_ok, "USCC must be 18 characters: 8 digits, then 0-9 or A-Z without I, O, S, V, Z (GB 32100-2015)"),
            _err(shape_ok & ~check_ok, "USCC check character is wrong (GB 32100-2015)"),
        )
        return code, error


@dataclass(frozen=True)
class USCCReference:
    """A USCC that must name a firm already in the registry. Only normalised here: the importer looks it up, and
    checks the shape and check character of the codes it does not find (a registered code is valid already),
    which spares the check on millions of yearly rows."""

    def parse(self, col: pl.Expr) -> Parsed:
        return col.str.to_uppercase().str.replace_all("-", "", literal=True), pl.lit(None, dtype=pl.String)


def is_valid_uscc(code: str) -> bool:
    """One code, by python-stdnum (the reference implementation the vectorised check is tested against)."""
    return stdnum_uscc.is_valid(code)


@dataclass(frozen=True)
class Choice:
    """A value from a closed list; ``aliases`` maps spellings (zh/en/codes, case-folded) to the stored value."""

    aliases: Mapping[str, str]
    label: str

    def parse(self, col: pl.Expr) -> Parsed:
        value = col.str.to_lowercase().replace_strict(dict(self.aliases), default=None, return_dtype=pl.String)
        allowed = ", ".join(sorted(set(self.aliases.values())))
        return value, _err(col.is_not_null() & value.is_null(), f"not a known {self.label} (allowed: {allowed})")


@dataclass(frozen=True)
class Code:
    """A code that must exist in a reference table (GB/T 4754, ISO 3166 …), after a per-table normalisation."""

    known: Mapping[str, str]  # accepted spelling (upper-cased) → stored code
    label: str
    strip_regex: str | None = None
    rewrite: tuple[str, str] | None = None  # (regex, replacement) applied after upper-casing, before stripping

    def _key(self, cells: pl.Series) -> pl.Series:
        key = cells.str.to_uppercase()
        if self.rewrite:
            key = key.str.replace(*self.rewrite)
        if self.strip_regex:
            key = key.str.replace_all(self.strip_regex, "")
        return key

    def parse(self, col: pl.Expr) -> Parsed:
        known = dict(self.known)

        def lookup(cells: pl.Series) -> pl.Series:
            return cells.replace_strict(known, default=None, return_dtype=pl.String)

        # A cell spelt exactly as a listed spelling is looked up as it stands, when the normalisation leaves every
        # listed spelling unchanged (so it would leave that cell unchanged too).
        spellings = pl.Series(list(known), dtype=pl.String)
        if spellings.len() and self._key(spellings).equals(spellings):
            value = _per_batch(col, lookup, lambda cells: lookup(self._key(cells)), pl.String)
        else:
            value = col.map_batches(lambda cells: lookup(self._key(cells)), return_dtype=pl.String,
                                    is_elementwise=True)
        return value, _err(col.is_not_null() & value.is_null(), f"not a known {self.label}")


TRUE_WORDS = ["是", "有", "y", "yes", "true", "1", "√", "✓"]
FALSE_WORDS = ["否", "无", "n", "no", "false", "0", "×"]


@dataclass(frozen=True)
class Flag:
    """是/否, yes/no, true/false, 1/0; an empty cell means no."""

    def parse(self, col: pl.Expr) -> Parsed:
        low = col.str.to_lowercase()
        value = (
            pl.when(low.is_in(TRUE_WORDS)).then(True).when(low.is_in(FALSE_WORDS) | low.is_null()).then(False)
        )
        return value.fill_null(False), _err(
            ~(low.is_in(TRUE_WORDS) | low.is_in(FALSE_WORDS) | low.is_null()), "expected 是/否 or yes/no"
        )


def _plain_number(cells: pl.Series) -> pl.Series:
    return cells.cast(pl.Float64, strict=False)


def _separated_number(cells: pl.Series) -> pl.Series:
    return cells.str.replace_all(",", "", literal=True).str.strip_suffix("元").cast(pl.Float64, strict=False)


def _decimal(col: pl.Expr) -> pl.Expr:
    # Thousands separators and a trailing 元 are tolerated; anything else must be a plain number. Literal (not
    # regex) operations: this runs on every money cell of every yearly row. A cell that reads as a number as it
    # stands has no separator and no 元 (neither is part of a number), so cleaning it would change nothing.
    return _per_batch(col, _plain_number, _separated_number, pl.Float64)


@dataclass(frozen=True)
class Amount:
    """A non-negative number; ``multiplier`` converts the header's unit (万元 → 10,000) into the stored unit."""

    multiplier: float = 1.0
    allow_negative: bool = False

    def parse(self, col: pl.Expr) -> Parsed:
        number = _decimal(col)
        bad_number = col.is_not_null() & (number.is_null() | number.is_nan() | number.is_infinite())
        error = pl.coalesce(
            _err(bad_number, "not a number"),
            _err(~bad_number & (number < 0), "must not be negative") if not self.allow_negative else pl.lit(None),
        )
        return number * self.multiplier, error


@dataclass(frozen=True)
class Integer:
    low: int = 0
    high: int = 2**53

    def parse(self, col: pl.Expr) -> Parsed:
        number = _decimal(col)
        whole = number.is_not_null() & (number == number.floor())
        bad = col.is_not_null() & ~whole
        error = pl.coalesce(
            _err(bad, "not a whole number"),
            _err(~bad & ((number < self.low) | (number > self.high)), f"must be between {self.low} and {self.high}"),
        )
        return number.cast(pl.Int64, strict=False), error


@dataclass(frozen=True)
class Coordinate:
    low: float
    high: float

    def parse(self, col: pl.Expr) -> Parsed:
        number = _decimal(col)
        bad = col.is_not_null() & number.is_null()
        error = pl.coalesce(
            _err(bad, "not a number"),
            _err(~bad & ((number < self.low) | (number > self.high)), f"must be between {self.low} and {self.high}"),
        )
        return number, error


DATE_PATTERN = r"^([0-9]{4})[-/.年]?([0-9]{1,2})[-/.月]?([0-9]{1,2})日?(?:[ T][0-9]{1,2}:[0-9]{2}(?::[0-9]{2})?)?$"


@dataclass(frozen=True)
class Date:
    """ISO and common Chinese spellings (2019/3/5, 2019年3月5日, 20190305), and Excel serial day numbers."""

    earliest: dt.date = dt.date(1800, 1, 1)
    latest: dt.date = dt.date(2100, 12, 31)

    def parse(self, col: pl.Expr) -> Parsed:
        value = _per_batch(col, _iso_date, _any_date, pl.Date)
        error = pl.coalesce(
            _err(col.is_not_null() & value.is_null(), "not a date (use YYYY-MM-DD, 2019年3月5日 or an Excel date)"),
            _err(
                value.is_not_null() & ((value < self.earliest) | (value > self.latest)),
                f"date outside {self.earliest}…{self.latest}",
            ),
        )
        return value, error


def _iso_date(cells: pl.Series) -> pl.Series:
    """YYYY-MM-DD, the usual spelling, read as it stands (the general reading builds the same text from such a cell
    and parses it alike); null for other spellings."""
    canonical = cells.str.contains(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")
    iso = cells.str.strptime(pl.Date, "%Y-%m-%d", strict=False, exact=True)
    return pl.select(pl.when(canonical).then(iso)).to_series()


def _any_date(cells: pl.Series) -> pl.Series:
    return pl.select(_general_date(pl.lit(cells))).to_series()


def _general_date(col: pl.Expr) -> pl.Expr:
    parts = col.str.extract_groups(DATE_PATTERN)
    iso = pl.concat_str(
        [parts.struct.field("1"), parts.struct.field("2").str.zfill(2), parts.struct.field("3").str.zfill(2)],
        separator="-",
    )
    from_text = iso.str.strptime(pl.Date, "%Y-%m-%d", strict=False, exact=True)
    serial = col.str.contains(r"^[0-9]{1,5}(\.0+)?$")
    serial_days = pl.when(serial).then(col.cast(pl.Float64, strict=False).cast(pl.Int64, strict=False))
    from_serial = (pl.lit(EXCEL_EPOCH) + pl.duration(days=serial_days)).cast(pl.Date)
    return pl.coalesce(from_text, pl.when(serial).then(from_serial))


DATETIME_PATTERN = (r"^([0-9]{4})[-/.年]([0-9]{1,2})[-/.月]([0-9]{1,2})日?"
                    r"(?:[ T]([0-9]{1,2})[:时]([0-9]{2})(?:[:分]([0-9]{2}))?秒?)?$")


@dataclass(frozen=True)
class DateTime:
    """A date with an optional time of day (2024-06-14 09:30, 2024/6/14 9:30, 2024年6月14日), or an Excel serial
    (days since 1899-12-30, the fraction being the time of day). Local time, as the office wrote it."""

    def parse(self, col: pl.Expr) -> Parsed:
        parts = col.str.extract_groups(DATETIME_PATTERN)
        field = parts.struct.field
        text = pl.concat_str(
            [field("1"), pl.lit("-"), field("2").str.zfill(2), pl.lit("-"), field("3").str.zfill(2), pl.lit(" "),
             field("4").fill_null("0").str.zfill(2), pl.lit(":"), field("5").fill_null("00"), pl.lit(":"),
             field("6").fill_null("00")])
        from_text = text.str.strptime(pl.Datetime("us"), "%Y-%m-%d %H:%M:%S", strict=False, exact=True)
        serial = col.str.contains(r"^[0-9]{1,5}(\.[0-9]+)?$")
        micros = (col.cast(pl.Float64, strict=False) * 86_400_000_000).round().cast(pl.Int64, strict=False)
        from_serial = pl.lit(dt.datetime(1899, 12, 30)).cast(pl.Datetime("us")) + pl.duration(microseconds=micros)
        value = pl.coalesce(from_text, pl.when(serial).then(from_serial))
        return value, _err(col.is_not_null() & value.is_null(),
                           "not a date and time (use YYYY-MM-DD HH:MM, 2024年6月14日 9:30 or an Excel date)")


@dataclass(frozen=True)
class CodeList:
    """Several codes in one cell, separated by ; , 、 / or ；, each looked up in ``known`` (upper-cased spelling →
    stored code); stored joined by ';'. An empty cell is the empty list."""

    known: Mapping[str, str]
    label: str

    def parse(self, col: pl.Expr) -> Parsed:
        parts = col.str.to_uppercase().str.replace_all(r"\s*[;,，、/；]\s*", ";").str.split(";")
        mapped = parts.list.eval(pl.element().replace_strict(dict(self.known), default=None, return_dtype=pl.String))
        bad = col.is_not_null() & mapped.list.eval(pl.element().is_null()).list.any()
        value = pl.when(col.is_null()).then(pl.lit("")).otherwise(mapped.list.join(";"))
        return value, _err(bad, f"contains an unknown {self.label} (separate several by ;)")
