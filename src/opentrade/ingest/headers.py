"""Match a file's headers to a spec's columns, reading units stated in the header (营业收入(万元), revenue_cny_10k)."""

from __future__ import annotations

import re
from dataclasses import dataclass

import polars as pl

from opentrade.errors import InputFileError
from opentrade.ingest.readers import RawTable, normalise_header
from opentrade.ingest.schemas import EntitySpec

# Unit words (after NFKC and lower-casing) → multiplier into the stored unit (yuan, m²).
MONEY_UNITS = {"元": 1.0, "人民币元": 1.0, "yuan": 1.0, "cny": 1.0, "千元": 1e3, "cny_k": 1e3, "cny_1k": 1e3,
               "万元": 1e4, "cny_10k": 1e4, "10k_cny": 1e4, "百万元": 1e6, "cny_m": 1e6, "cny_1m": 1e6,
               "cny_million": 1e6, "亿元": 1e8, "cny_100m": 1e8}
AREA_UNITS = {"平方米": 1.0, "m2": 1.0, "m²": 1.0, "sqm": 1.0, "万平方米": 1e4, "10k_m2": 1e4}
UNITS = {"money": MONEY_UNITS, "area": AREA_UNITS}
_BRACKETED = re.compile(r"^(.*?)[(\[]([^)\]]+)[)\]]$")


@dataclass(frozen=True)
class MappedColumn:
    field: str
    source: str  # internal column name in RawTable.frame (c0, c1 …)
    header: str  # as the file spells it, for messages
    multiplier: float


def split_unit(header: str, unit_kind: str | None) -> tuple[str, float | None]:
    """'营业收入(万元)' → ('营业收入', 1e4); 'revenue_cny_10k' → ('revenue', 1e4); no unit → (name, None)."""
    norm = normalise_header(header)
    units = UNITS.get(unit_kind or "", {})
    match = _BRACKETED.match(norm)
    if match and match.group(2).strip() in units:
        return match.group(1).strip("_ "), units[match.group(2).strip()]
    for word in sorted(units, key=len, reverse=True):
        if norm.endswith("_" + word):
            return norm[: -len(word) - 1], units[word]
    return (match.group(1).strip("_ ") if match else norm), None


def map_headers(raw: RawTable, spec: EntitySpec) -> tuple[list[MappedColumn], list[str]]:
    """Returns the mapped columns and notes (ignored columns). Raises InputFileError for missing or doubled ones."""
    lookup: dict[str, str] = {}
    for col in spec.columns:
        for name in (col.field, *col.aliases):
            lookup[normalise_header(name)] = col.field
    mapped: dict[str, MappedColumn] = {}
    notes: list[str] = []
    for i, header in enumerate(raw.headers):
        if not header.strip():
            if not raw.frame.select(pl.col(f"c{i}").is_not_null().any()).collect().item():
                continue  # a trailing empty column is harmless
            raise InputFileError(raw.path, f"column {i + 1} has data but no header")
        fields = [spec.column(f) for f in set(lookup.values())]
        field_name, multiplier = None, None
        for col in fields:
            base, mult = split_unit(header, col.unit)
            if lookup.get(base) == col.field:
                field_name, multiplier = col.field, mult
                break
        if field_name is None:
            notes.append(f"column {header!r} is not used for {spec.kind} and was ignored")
            continue
        if field_name in mapped:
            raise InputFileError(
                raw.path, f"both {mapped[field_name].header!r} and {header!r} mean {field_name!r}", column=header
            )
        mapped[field_name] = MappedColumn(field_name, f"c{i}", header, multiplier or 1.0)
    missing = [c for c in spec.columns if c.required and c.field not in mapped]
    if missing:
        wanted = "; ".join(f"{c.field} ({' / '.join(c.aliases[:2])})" for c in missing)
        raise InputFileError(raw.path, f"required column(s) missing for {spec.kind}: {wanted}")
    return list(mapped.values()), notes
