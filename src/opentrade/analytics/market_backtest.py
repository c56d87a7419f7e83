"""Rolling-origin backtest of the market model against four baselines, per segment.

For every origin T the reference is cut at the end of T (:meth:`Reference.as_of`): the gravity model is refitted,
the inputs rebuilt and the markets scored with data up to T only (channels off: partners are not dated). The
outcome is segment-specific: the compound growth of China's exports of the segment's EBOPS categories to the
market from T to T + h (BaTIS). Baselines, all as of T: a region dummy (ASEAN = 1), GDP, the market's imports of
the segment's service group, and persistence (the same growth over T − h → T). Reported per segment: mean ρ over
origins with paired bootstrap intervals of Δρ, precision@5, within-region ρ; partner-specific series breaks in the
outcome window are flagged and ρ is recomputed without them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import polars as pl

from opentrade.analytics.backtest import (
    Paired,
    paired_bootstrap,
    precision_at_k,
    rho_rows,
    series_breaks,
    within_groups_rho,
)
from opentrade.analytics.market_inputs import Inputs, batis_series, bucket_imports, build_inputs
from opentrade.analytics.ranking import METHODS
from opentrade.analytics.scoring import score_segment

if TYPE_CHECKING:
    from opentrade.refdata.market_model import ModelConfig
    from opentrade.refdata.reference import Reference

PREDICTORS = ("model", "region", "gdp", "imports", "persistence")
#: growth: compound growth (% a year) of China's exports T → T + h (the issue's outcome); gain: the change in US$
#: (how much new business), which a score that includes market size is really about
OUTCOMES = ("growth", "gain")


@dataclass
class OriginData:
    """One origin, one segment: the predictors (as of T) and the outcomes (T → T + h) over the backtest markets."""

    origin: int
    predictors: dict[str, np.ndarray]  # "persistence" is the growth one; "persistence_gain" the gain one
    outcomes: dict[str, np.ndarray]
    model_by_method: dict[str, np.ndarray]
    breaks: list[str]  # iso3 with a partner-specific series break in [T − h, T + h]

    def predictor(self, name: str, outcome: str) -> np.ndarray:
        return self.predictors["persistence_gain"] if (name, outcome) == ("persistence", "gain") else self.predictors[name]


@dataclass
class OutcomeResult:
    paired: Paired
    precision_at_5: dict[str, float]
    within_region: dict[str, float]
    rho_without_breaks: float
    by_method: dict[str, float]  # mean ρ of the model under each normalisation


@dataclass
class SegmentBacktest:
    segment: str
    markets: list[str]
    origins: list[OriginData]
    outcomes: dict[str, OutcomeResult]
    breaks: list[str]
    revisions: dict[int, float] = field(default_factory=dict)  # year → median ratio across partners (this series)


@dataclass
class BacktestRun:
    origins: list[int]
    horizon: int
    regions: list[str]
    method: str
    segments: dict[str, SegmentBacktest]
    revisions: list[tuple[int, float]]  # year-wide jumps in China's reporting, any segment (median ratio)
    notes: list[str] = field(default_factory=list)

    def method_ranking(self) -> dict[str, dict[str, float]]:
        """Mean ρ of the model over segments and origins, per outcome and normalisation (how the method is chosen)."""
        return {o: {m: float(np.nanmean([s.outcomes[o].by_method[m] for s in self.segments.values()]))
                    for m in METHODS} for o in OUTCOMES}


def _align(frame: pl.DataFrame, iso3: list[str], column: str = "value") -> np.ndarray:
    lookup = dict(zip(frame["iso3"].to_list(), frame[column].to_list(), strict=True))
    return np.array([np.nan if lookup.get(i) is None else float(lookup[i]) for i in iso3])


def _growth(series: pl.DataFrame, iso3: list[str], start: int, end: int) -> np.ndarray:
    a = _align(series.filter(pl.col("year") == start), iso3)
    b = _align(series.filter(pl.col("year") == end), iso3)
    with np.errstate(all="ignore"):
        return np.where((a > 0) & (b > 0), ((b / a) ** (1 / (end - start)) - 1) * 100, np.nan)


def _gain(series: pl.DataFrame, iso3: list[str], start: int, end: int) -> np.ndarray:
    return _align(series.filter(pl.col("year") == end), iso3) - _align(series.filter(pl.col("year") == start), iso3)


def predictors_at(ref_t: Reference, inputs_t: Inputs, config: ModelConfig, segment: str, markets: list[str],
                  horizon: int) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """The model's score and the baselines at origin T, computed from ``ref_t`` (= ref.as_of(T)) only."""
    t = ref_t.up_to_year
    if t is None:
        raise ValueError("predictors_at needs a reference cut at the origin (Reference.as_of)")
    rows = np.array([inputs_t.iso3.index(i) for i in markets])
    weights = dict(config.segments[segment].weights)
    weights["channels"] = 0.0  # partners are not dated: they cannot be known as of T
    by_method = {m: score_segment(inputs_t, config, segment, weights, method=m).scores[rows] for m in METHODS}
    seg = config.segments[segment]
    groups = inputs_t.countries["focus_group"].to_numpy()[rows]
    gdp = _align(ref_t.latest("NY.GDP.MKTP.CD"), markets)
    imports = bucket_imports(ref_t, seg.imports_share).sort("year").group_by("iso3").last()
    series = batis_series(ref_t, seg.categories)
    predictors = {
        "model": by_method[config.normalisation.method],
        "region": (groups == "asean").astype(float),
        "gdp": gdp,
        "imports": _align(imports, markets),
        "persistence": _growth(series, markets, t - horizon, t),
        "persistence_gain": _gain(series, markets, t - horizon, t),
    }
    return predictors, by_method


def outcomes(ref: Reference, segment_categories: list[str], markets: list[str], origin: int, horizon: int
             ) -> dict[str, np.ndarray]:
    """What happened after ``origin``: growth (% a year) and gain (US$) of China's exports of the categories."""
    series = batis_series(ref, segment_categories)
    return {"growth": _growth(series, markets, origin, origin + horizon),
            "gain": _gain(series, markets, origin, origin + horizon)}


def _breaks(ref: Reference, categories: list[str], markets: list[str], first: int, last: int, ratio: float
            ) -> tuple[list[str], list[tuple[int, float]]]:
    series = batis_series(ref, categories).filter(pl.col("year").is_between(first, last))
    years = list(range(first, last + 1))
    wide = np.array([[np.nan] * len(years)] * len(markets))
    index = {m: i for i, m in enumerate(markets)}
    for iso3, year, value in series.iter_rows():
        if iso3 in index:
            wide[index[iso3], year - first] = value
    found, revisions = series_breaks(wide, years, markets, ratio=ratio)
    return sorted({b.iso3 for b in found}), revisions


def run_backtest(ref: Reference, config: ModelConfig, *, markets: list[str], segments: list[str] | None = None,
                 origins: list[int] | None = None, horizon: int | None = None, resamples: int | None = None,
                 seed: int = 1) -> BacktestRun:
    bt = config.backtest
    origins = list(origins or bt.origins)
    horizon = horizon or bt.horizon
    last = int(ref.batis.select(pl.col("year").max()).item())
    if max(origins) + horizon > last:
        raise ValueError(f"origin {max(origins)} + horizon {horizon} goes past the last BaTIS year {last}")
    segments = segments or list(config.segments)
    cut = {t: ref.as_of(t) for t in origins}
    inputs = {t: build_inputs(cut[t], config, partners=[]) for t in origins}
    results: dict[str, SegmentBacktest] = {}
    revisions: dict[int, float] = {}
    groups = np.array([inputs[origins[0]].countries["focus_group"][inputs[origins[0]].iso3.index(m)] for m in markets])
    for sid in segments:
        cats = config.segments[sid].categories
        per_origin, seg_revisions = [], {}
        for t in origins:
            predictors, by_method = predictors_at(cut[t], inputs[t], config, sid, markets, horizon)
            flagged, rev = _breaks(ref, cats, markets, t - horizon, t + horizon, bt.break_ratio)
            seg_revisions.update({y: round(m, 2) for y, m in rev})
            per_origin.append(OriginData(t, predictors, outcomes(ref, cats, markets, t, horizon), by_method, flagged))
        for y, m in seg_revisions.items():  # across segments keep the largest jump of each year
            if abs(np.log(m)) > abs(np.log(revisions.get(y, 1.0))):
                revisions[y] = m
        results[sid] = SegmentBacktest(
            sid, markets, per_origin,
            {o: _evaluate(per_origin, o, markets, groups, resamples or bt.resamples, seed) for o in OUTCOMES},
            sorted({b for o in per_origin for b in o.breaks}), dict(sorted(seg_revisions.items())))
    notes = ["channels weight set to 0 in the backtest: partners are not dated, so they cannot be known as of T",
             "the gravity model is refitted at every origin on the years up to T only"]
    return BacktestRun(origins, horizon, list(bt.regions), config.normalisation.method, results,
                       sorted(revisions.items()), notes)


def _evaluate(per_origin: list[OriginData], outcome: str, markets: list[str], groups: np.ndarray, resamples: int,
              seed: int) -> OutcomeResult:
    ys = [o.outcomes[outcome] for o in per_origin]
    paired = paired_bootstrap({p: [o.predictor(p, outcome) for o in per_origin] for p in PREDICTORS}, ys,
                              resamples=resamples, seed=seed)
    with np.errstate(all="ignore"):
        precision = {p: float(np.nanmean([precision_at_k(o.predictor(p, outcome), y) for o, y in zip(per_origin, ys,
                                                                                                     strict=True)]))
                     for p in PREDICTORS}
        within = {p: float(np.nanmean([within_groups_rho(o.predictor(p, outcome), y, groups)
                                       for o, y in zip(per_origin, ys, strict=True)]))
                  if p != "region" else float("nan") for p in PREDICTORS}
        clean = [rho_rows(o.predictors["model"][~np.isin(np.array(markets), o.breaks)],
                          y[~np.isin(np.array(markets), o.breaks)])[0] for o, y in zip(per_origin, ys, strict=True)]
        by_method = {m: float(np.nanmean([rho_rows(o.model_by_method[m], y)[0] for o, y in zip(per_origin, ys,
                                                                                                strict=True)]))
                     for m in METHODS}
    return OutcomeResult(paired, precision, within, float(np.nanmean(clean)), by_method)
