"""Statistical disclosure control for figures the public sees: the rules official statistics apply to tables of
business data, so that no published aggregate reveals one firm's figures.

A published money aggregate (a sum of firm-level values: revenue, tax, exports …) is a *cell*. A cell is

- **suppressed** when fewer than ``min_contributors`` firms contribute to it (the threshold rule), or when its
  ``dominance_n`` largest contributors make up more than ``dominance_k`` of its total (the (n, k) dominance rule —
  one or two firms would otherwise be readable from it, by themselves or by the runner-up);
- otherwise **published rounded** to a step per currency, so that differencing two snapshots around one firm's
  import tells that firm's figure only to within the step.

Ratios of money cells (shares, growth rates) are published only when every cell they are made of may be published,
rounded to ``ratio_decimals``. Counts of firms are not sensitive and are not touched here.

*Secondary* suppression: when a table publishes its total and exactly one of its parts is suppressed, that part
would follow by subtraction; :func:`secondary_suppression` then also suppresses the smallest other part.

Pure: no I/O, no settings — the edges build a :class:`DisclosureRule` from the settings and hand it in.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from enum import StrEnum


class Verdict(StrEnum):
    """Why a cell is shown or not; the values are stable codes (translated as ``disclosure.<value>``)."""

    PUBLISHED = "published"
    TOO_FEW = "suppressed_too_few"  # fewer contributors than the threshold
    DOMINATED = "suppressed_dominance"  # the largest one or two contributors dominate the cell
    COMPLEMENTARY = "suppressed_complementary"  # would follow from a published total and the other parts
    MISSING = "missing"  # no data at all (shown as missing, never as zero)


DEFAULT_MONEY_STEPS: Mapping[str, float] = {"CNY": 1_000_000.0, "USD": 100_000.0}


@dataclass(frozen=True)
class DisclosureRule:
    min_contributors: int = 3
    dominance_n: int = 2
    dominance_k: float = 0.85
    money_steps: Mapping[str, float] = field(default_factory=lambda: dict(DEFAULT_MONEY_STEPS))
    ratio_decimals: int = 3  # 0.1 percentage point for fractions

    def __post_init__(self) -> None:
        if self.min_contributors < 1 or self.dominance_n < 1:
            raise ValueError("min_contributors and dominance_n must be at least 1")
        if not 0 < self.dominance_k <= 1:
            raise ValueError("dominance_k must be in (0, 1]")

    def step(self, currency: str) -> float:
        try:
            return self.money_steps[currency]
        except KeyError:
            raise ValueError(f"no rounding step for currency {currency!r}") from None


@dataclass(frozen=True)
class CellStats:
    """What the rule needs to know of one cell: its total, how many firms contribute, and the largest parts."""

    total: float
    contributors: int
    largest: tuple[float, ...] = ()  # the largest contributions, descending (at least ``dominance_n`` of them)

    @classmethod
    def of(cls, values: Iterable[float | None], keep: int = 2) -> CellStats:
        """From the firm-level values of a cell (None: no value, not a contributor)."""
        present = [float(v) for v in values if v is not None and not math.isnan(v)]
        return cls(sum(present), len(present), tuple(heapq.nlargest(keep, (abs(v) for v in present))))


@dataclass(frozen=True)
class Protected:
    """A cell as the public may see it: ``value`` is None when suppressed or missing."""

    value: float | None
    verdict: Verdict
    rounded_to: float | None = None

    @property
    def published(self) -> bool:
        return self.verdict is Verdict.PUBLISHED


def verdict(rule: DisclosureRule, cell: CellStats) -> Verdict:
    if cell.contributors == 0:
        return Verdict.MISSING
    if cell.contributors < rule.min_contributors:
        return Verdict.TOO_FEW
    top = sum(cell.largest[: rule.dominance_n])
    if abs(cell.total) > 0 and top > rule.dominance_k * abs(cell.total):
        return Verdict.DOMINATED
    return Verdict.PUBLISHED


def protect_money(rule: DisclosureRule, cell: CellStats, currency: str = "CNY") -> Protected:
    """The cell's total rounded to the currency's step, or suppressed (value None) with the reason."""
    found = verdict(rule, cell)
    if found is not Verdict.PUBLISHED:
        return Protected(None, found)
    step = rule.step(currency)
    return Protected(round(cell.total / step) * step, found, step)


def protect_ratio(rule: DisclosureRule, value: float | None, parts: Sequence[CellStats]) -> Protected:
    """A ratio of money cells (a share, a growth rate): published only if every part may be, and rounded."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return Protected(None, Verdict.MISSING)
    for part in parts:
        found = verdict(rule, part)
        if found is not Verdict.PUBLISHED:
            return Protected(None, found)
    step = 10.0 ** -rule.ratio_decimals
    return Protected(round(value, rule.ratio_decimals), Verdict.PUBLISHED, step)


def secondary_suppression(cells: Mapping[str, Protected], totals: Mapping[str, float | None],
                          *, total_published: bool) -> dict[str, Protected]:
    """Parts of one table whose total is published: if exactly one part is suppressed, suppress the smallest
    published part too (by its true total in ``totals``), so neither follows by subtraction."""
    out = dict(cells)
    if not total_published:
        return out
    hidden = [k for k, c in out.items() if c.verdict in (Verdict.TOO_FEW, Verdict.DOMINATED, Verdict.COMPLEMENTARY)]
    if len(hidden) != 1:
        return out
    shown = [k for k, c in out.items() if c.published]
    if not shown:
        return out
    smallest = min(shown, key=lambda k: abs(totals.get(k) or 0.0))
    out[smallest] = replace(out[smallest], value=None, verdict=Verdict.COMPLEMENTARY, rounded_to=None)
    return out
