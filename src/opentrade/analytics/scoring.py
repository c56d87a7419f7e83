"""One segment's scores for every economy, from its inputs and a weight vector: impute → points (normalisation
chosen in the model) → stale discount → contributions → score. Shared by the ranking, the explanation and the
backtest, so that all three compute a score the same way.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from opentrade.analytics.market_inputs import Inputs, SegmentInputs
from opentrade.analytics.ranking import Factor, Scaling, contributions, impute, normalise, stale_discount

if TYPE_CHECKING:
    from opentrade.refdata.market_model import ModelConfig

#: factors whose year is an observation year (a "since" year, as an agreement's, is not)
DATED_SOURCES = ("wdi", "wdi_share", "unctad_dds", "batis")


@dataclass
class Scored:
    segment: str
    inputs: Inputs
    seg: SegmentInputs
    factors: list[Factor]
    weights: np.ndarray  # normalised to sum 1
    used: np.ndarray  # values after imputation
    imputed: np.ndarray  # bool
    imputed_rule: np.ndarray  # object: rule text
    groups: np.ndarray  # region of each economy
    vintage: np.ndarray  # factors: the series' latest year (NaN where no year applies)
    age: np.ndarray  # markets × factors: years behind the series' latest year
    stale: np.ndarray  # bool
    discount: np.ndarray  # markets × factors, multiplier of points (1 = none)
    scalings: list[Scaling]
    points_before_discount: np.ndarray
    points: np.ndarray
    contrib: np.ndarray
    scores: np.ndarray
    universe: np.ndarray  # bool: economies the anchors are computed over (all but China)
    method: str


def factor_list(config: ModelConfig, ids: list[str]) -> list[Factor]:
    return [Factor(i, config.factors[i].group, config.factors[i].en, config.factors[i].zh,
                   config.factors[i].transform, config.factors[i].higher_is_better, config.factors[i].scale)
            for i in ids]


def weights_vector(weights: dict[str, float], ids: list[str]) -> np.ndarray:
    w = np.array([weights.get(i, 0.0) for i in ids], dtype=float)
    return w / w.sum()


def score_segment(inputs: Inputs, config: ModelConfig, segment: str, weights: dict[str, float], *,
                  method: str | None = None) -> Scored:
    seg = inputs.matrix(segment)
    factors = factor_list(config, inputs.factor_ids)
    groups = np.array(inputs.countries.get_column("wb_region").fill_null("unknown region").to_list())
    universe = np.array(inputs.iso3) != "CHN"
    imp = impute(seg.raw, groups)
    with np.errstate(all="ignore"):
        vintage = np.array([np.nanmax(col) if np.isfinite(col).any() else np.nan for col in seg.year.T])
    dated = np.array([config.factors[f].source in DATED_SOURCES for f in inputs.factor_ids])
    age = np.where(dated[None, :], vintage[None, :] - seg.year, np.nan)
    rule = config.staleness
    stale = np.nan_to_num(age, nan=0.0) > rule.max_age_years
    discount = stale_discount(age, max_age=rule.max_age_years, per_year=rule.penalty_per_year,
                              max_penalty=rule.max_penalty)
    norm = config.normalisation
    method = method or norm.method
    before, scalings = normalise(imp.values, factors, method=method, reference=universe, observed=~imp.mask,
                                 winsor_pct=norm.winsor_pct, robust_clip=norm.robust_clip)
    points = before * discount
    w = weights_vector(weights, inputs.factor_ids)
    contrib = contributions(points, w)
    return Scored(segment, inputs, seg, factors, w, imp.values, imp.mask, imp.rule, groups, vintage, age, stale,
                  discount, scalings, before, points, contrib, contrib.sum(axis=1), universe, method)
