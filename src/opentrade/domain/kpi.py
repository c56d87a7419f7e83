"""KPI values with provenance: what a figure is, how it was derived, and from what."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field
from typing import Literal

ProvenanceKind = Literal["records", "statistic", "estimate"]


@dataclass(frozen=True)
class Provenance:
    kind: ProvenanceKind
    definition: str  # the filter / formula, in words a statistician can check
    record_count: int | None = None  # records the figure was computed from
    synthetic_records: int = 0  # of those, generated demo records
    source: str | None = None  # for a statistic: who published it, and where
    statistic_as_of: dt.date | None = None
    details: dict[str, object] = field(default_factory=dict)
    definition_zh: str | None = None  # the same definition in Chinese, for the cockpit and the fact sheet

    @property
    def rests_on_synthetic(self) -> bool:
        return self.synthetic_records > 0

    def short(self) -> str:
        if self.kind == "statistic":
            return f"statistic: {self.source}"
        text = f"{self.record_count:,} records" if self.record_count is not None else self.kind
        if self.rests_on_synthetic:
            text += f" ({self.synthetic_records:,} synthetic)"
        return text


@dataclass(frozen=True)
class KpiDefinition:
    id: str
    name_en: str
    name_zh: str
    unit: str  # enterprises | fraction | m2 | persons | count | fraction_per_year
    seed_value: str  # the figure as the seed report states it, for comparison


@dataclass(frozen=True)
class KpiResult:
    definition: KpiDefinition
    value: float | int | list[float | None] | None
    as_of: dt.date
    provenance: Provenance
    qualifier: str | None = None  # e.g. "more than" when the statistic says 10,000+

    @property
    def id(self) -> str:
        return self.definition.id

    @property
    def name_en(self) -> str:
        return self.definition.name_en

    @property
    def name_zh(self) -> str:
        return self.definition.name_zh

    def display_value(self) -> str:
        v = self.value
        if v is None:
            return "missing"
        if isinstance(v, list):
            return ", ".join("missing" if x is None else f"{x:+.1%}" for x in v)
        if self.definition.unit.startswith("fraction"):
            return f"{v:.1%}"
        return f"{v:,.0f}" if float(v).is_integer() else f"{v:,.2f}"

    def to_json(self) -> dict[str, object]:
        prov = asdict(self.provenance)
        prov["statistic_as_of"] = prov["statistic_as_of"].isoformat() if prov["statistic_as_of"] else None
        prov["rests_on_synthetic"] = self.provenance.rests_on_synthetic
        return {
            "id": self.id,
            "name_en": self.name_en,
            "name_zh": self.name_zh,
            "value": self.value,
            "unit": self.definition.unit,
            "qualifier": self.qualifier,
            "as_of": self.as_of.isoformat(),
            "seed_value": self.definition.seed_value,
            "provenance": prov,
        }


def growth_rates(totals: dict[int, float], years: list[int]) -> list[float | None]:
    """Year-on-year growth for each year in ``years``; missing when either year lacks a positive total."""
    out: list[float | None] = []
    for y in years:
        prev, cur = totals.get(y - 1), totals.get(y)
        out.append(None if not prev or cur is None else cur / prev - 1)
    return out


def share(part: float | None, whole: float | None) -> float | None:
    """A fraction; missing (not zero) when the whole is missing or zero."""
    if part is None or not whole:
        return None
    return part / whole
