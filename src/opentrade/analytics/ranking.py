"""Market scoring as pure array functions: impute, normalise, penalise stale values, weight, decompose, rank.

score(m) = 100 · Σ_f w_f · p_mf, with p the factor's points in [0, 1] and Σ w_f = 1, so the contributions
100 · w_f · p_mf add up to the score exactly. Points come from the value by the factor's transform and direction
and one of four scalings over the comparison universe (:data:`METHODS`); the scaling's anchors are computed from
observed values only, so imputed values never stretch a factor. A stale value's points are cut by a stated
discount. Missing values are imputed by a stated rule and flagged; they are never read as zero.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

TRANSFORMS = {
    "identity": lambda x: x,
    "log": lambda x: np.log(np.where(x > 0, x, np.nan)),
    "log1p": lambda x: np.log1p(np.where(x >= 0, x, np.nan)),
    "abs_log1p": lambda x: np.log1p(np.abs(x)),  # distance from zero, e.g. inflation: both signs hurt
}
INVERSE: dict[str, Callable[[float], float]] = {"identity": lambda t: t, "log": np.exp, "log1p": np.expm1,
                                               "abs_log1p": np.expm1}
METHODS = ("minmax", "winsor", "robust", "rank")


@dataclass(frozen=True)
class Factor:
    id: str
    group: str  # demand | ease | channel
    label_en: str
    label_zh: str
    transform: str = "identity"
    higher_is_better: bool = True
    scale: str = "minmax"  # or "fixed": the value is already a 0–1 score (an agreement, a channel) and is kept


@dataclass
class Imputed:
    values: np.ndarray  # markets × factors, no NaN where a rule could fill
    mask: np.ndarray  # True where the value was imputed
    rule: np.ndarray  # object array of rule text ("" where observed)
    group: np.ndarray  # object array: the group whose median filled the value ("" where observed or overall)


def impute(raw: np.ndarray, groups: np.ndarray) -> Imputed:
    """Fill a missing value with the median of the market's group (e.g. World Bank region) for that factor,
    else the median of all markets; a factor with no data at all stays missing (NaN) and scores 0 for everyone
    — which ranks nobody, and is reported as a gap."""
    values = raw.astype(float).copy()
    mask = np.isnan(values)
    rule = np.full(values.shape, "", dtype=object)
    group = np.full(values.shape, "", dtype=object)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN columns: their median is NaN, as wanted
        overall = np.nanmedian(raw, axis=0) if raw.size else np.zeros(raw.shape[1])
        for g in np.unique(groups):
            rows = groups == g
            med = np.nanmedian(raw[rows], axis=0)
            for j in np.flatnonzero(mask[rows].any(axis=0)):
                fill_rows = rows & mask[:, j]
                if np.isfinite(med[j]):
                    values[fill_rows, j] = med[j]
                    rule[fill_rows, j] = f"median of {g}"
                    group[fill_rows, j] = g
                elif np.isfinite(overall[j]):
                    values[fill_rows, j] = overall[j]
                    rule[fill_rows, j] = "median of all markets"
    return Imputed(values, mask, rule, group)


@dataclass(frozen=True)
class Scaling:
    """How one factor's value becomes points (0–1): transform, orientation, then the scaling's anchors, which are in
    transformed and oriented units (higher = better)."""

    method: str  # minmax | winsor | robust | rank | fixed | empty
    transform: str = "identity"
    higher_is_better: bool = True
    lo: float = 0.0  # 0 points at or below (minmax, winsor; robust: centre − clip · spread)
    hi: float = 1.0  # 1 point at or above
    reference: np.ndarray | None = None  # rank: the sorted oriented reference values

    def oriented(self, values: np.ndarray) -> np.ndarray:
        t = TRANSFORMS[self.transform](np.asarray(values, dtype=float))
        return t if self.higher_is_better else -t

    def points(self, values: np.ndarray) -> np.ndarray:
        values = np.asarray(values, dtype=float)
        if self.method == "fixed":
            return np.clip(np.nan_to_num(values, nan=0.0), 0.0, 1.0)
        if self.method == "empty":
            return np.zeros(values.shape)
        t = self.oriented(values)
        out = np.zeros(t.shape)
        finite = np.isfinite(t)
        if self.method == "rank":
            ref = self.reference if self.reference is not None else np.array([])
            if ref.size:
                below = np.searchsorted(ref, t[finite], side="left")
                upto = np.searchsorted(ref, t[finite], side="right")
                out[finite] = (below + upto) / (2.0 * ref.size)
            return out
        if self.hi == self.lo:
            out[finite] = 0.5
            return out
        out[finite] = np.clip((t[finite] - self.lo) / (self.hi - self.lo), 0.0, 1.0)
        return out

    def raw_anchor(self, oriented: float) -> float:
        """The value (in the factor's own unit) that sits at an oriented anchor."""
        t = oriented if self.higher_is_better else -oriented
        with np.errstate(all="ignore"):
            return float(INVERSE[self.transform](t))

    def describe(self) -> dict:
        """For the cockpit: how value becomes points, as a code and parameters in the factor's own unit."""
        direction = "higher" if self.higher_is_better else "lower"
        if self.method == "fixed":
            return {"code": "points.fixed", "method": "fixed", "direction": "higher", "params": {}}
        if self.method == "empty":
            return {"code": "points.no_data", "method": "empty", "direction": direction, "params": {}}
        if self.method == "rank":
            return {"code": "points.rank", "method": "rank", "direction": direction,
                    "params": {"economies": int(0 if self.reference is None else self.reference.size)}}
        return {"code": "points.linear", "method": self.method, "direction": direction, "transform": self.transform,
                "params": {"zero_at": self.raw_anchor(self.lo), "full_at": self.raw_anchor(self.hi)}}


def fit_scaling(values: np.ndarray, factor: Factor, *, method: str = "minmax", winsor_pct: float = 5.0,
                robust_clip: float = 2.0) -> Scaling:
    """The scaling of one factor from its observed values over the comparison universe."""
    if factor.scale == "fixed":
        return Scaling("fixed")
    if method not in METHODS:
        raise ValueError(f"unknown normalisation {method!r}; choose one of {', '.join(METHODS)}")
    base = Scaling(method, factor.transform, factor.higher_is_better)
    t = base.oriented(values)
    t = t[np.isfinite(t)]
    if not t.size:
        return Scaling("empty", factor.transform, factor.higher_is_better)
    if method == "minmax":
        lo, hi = float(t.min()), float(t.max())
    elif method == "winsor":
        lo, hi = (float(v) for v in np.percentile(t, [winsor_pct, 100 - winsor_pct]))
    elif method == "robust":
        q1, med, q3 = np.percentile(t, [25, 50, 75])
        spread = float(q3 - q1) or float(t.std()) or 1.0
        lo, hi = float(med - robust_clip * spread), float(med + robust_clip * spread)
    else:
        return Scaling("rank", factor.transform, factor.higher_is_better, reference=np.sort(t))
    return Scaling(method, factor.transform, factor.higher_is_better, lo, hi)


def normalise(values: np.ndarray, factors: list[Factor], *, method: str = "minmax", reference: np.ndarray | None = None,
              observed: np.ndarray | None = None, winsor_pct: float = 5.0, robust_clip: float = 2.0
              ) -> tuple[np.ndarray, list[Scaling]]:
    """Points (markets × factors, in [0, 1]) and each factor's scaling. Anchors come from the rows in ``reference``
    (default all) whose value is ``observed`` (default: finite)."""
    rows = np.ones(values.shape[0], dtype=bool) if reference is None else reference
    seen = np.isfinite(values) if observed is None else observed
    out = np.zeros(values.shape, dtype=float)
    scalings = []
    for j, f in enumerate(factors):
        s = fit_scaling(values[rows & seen[:, j], j], f, method=method, winsor_pct=winsor_pct,
                        robust_clip=robust_clip)
        out[:, j] = s.points(values[:, j])
        scalings.append(s)
    return out, scalings


def stale_discount(age: np.ndarray, *, max_age: int, per_year: float, max_penalty: float) -> np.ndarray:
    """Multiplier of a value's points: 1 up to ``max_age`` years behind its series, then ``per_year`` less per year,
    never below 1 − ``max_penalty``. NaN age (no year) → 1."""
    over = np.nan_to_num(np.asarray(age, dtype=float) - max_age, nan=0.0)
    return 1.0 - np.minimum(max_penalty, per_year * np.clip(over, 0.0, None))


def check_weights(weights: np.ndarray) -> np.ndarray:
    w = np.asarray(weights, dtype=float)
    if w.ndim != 1 or not np.all(np.isfinite(w)) or np.any(w < 0) or w.sum() <= 0:
        raise ValueError("weights must be finite, non-negative and not all zero")
    return w / w.sum()


def contributions(norm: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """markets × factors: the points each factor adds to each market's score (rows sum to the score)."""
    return 100.0 * norm * check_weights(weights)[None, :]


def effective_weights(points: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Each factor's share of the variance of the score over the given markets: w_f cov(p_f, S) / var(S). They sum
    to 1; a factor on which the markets barely differ gets ~0, whatever its nominal weight."""
    w = check_weights(weights)
    score = points @ w
    var = float(np.var(score))
    if var <= 0 or points.shape[0] < 2:
        return np.zeros_like(w)
    centred = points - points.mean(axis=0)
    cov = centred.T @ (score - score.mean()) / points.shape[0]
    return w * cov / var


def ranks_from_scores(scores: np.ndarray) -> np.ndarray:
    """Rank 1 = best, along the last axis. Ties keep input order (markets come sorted by ISO code), so ranks
    are deterministic."""
    order = np.argsort(-scores, axis=-1, kind="stable")
    ranks = np.empty_like(order)
    np.put_along_axis(ranks, order, np.arange(1, scores.shape[-1] + 1) * np.ones_like(order), axis=-1)
    return ranks


@dataclass
class Stability:
    p_top: np.ndarray  # probability of ranking within the top k
    median_rank: np.ndarray
    low: np.ndarray  # 5th percentile rank
    high: np.ndarray  # 95th percentile rank
    draws: int
    concentration: float
    top_k: int


def rank_stability(
    norm: np.ndarray, weights: np.ndarray, *, draws: int = 1000, concentration: float = 50.0, top_k: int = 5,
    seed: int = 0,
) -> Stability:
    """Monte-Carlo rank stability over weights alone: weights ~ Dirichlet(concentration · w), the configured weights
    as the mean. (The full Monte-Carlo, over imputation and staleness too, is in analytics.uncertainty.)"""
    sample = dirichlet_weights(weights, draws=draws, concentration=concentration, rng=np.random.default_rng(seed))
    ranks = ranks_from_scores(sample @ norm.T)
    return Stability(
        p_top=(ranks <= top_k).mean(axis=0),
        median_rank=np.median(ranks, axis=0),
        low=np.percentile(ranks, 5, axis=0),
        high=np.percentile(ranks, 95, axis=0),
        draws=draws, concentration=concentration, top_k=top_k,
    )


def dirichlet_weights(weights: np.ndarray, *, draws: int, concentration: float, rng: np.random.Generator
                      ) -> np.ndarray:
    """draws × factors, each row a weight vector around ``weights``; a factor switched off stays off."""
    w = check_weights(weights)
    sample = rng.dirichlet(np.maximum(concentration * w, 1e-6), size=draws)
    sample[:, w == 0] = 0.0
    return sample / sample.sum(axis=1, keepdims=True)


def spearman(a: np.ndarray, b: np.ndarray) -> float:
    """Spearman's ρ with average ranks for ties (pairs with a missing value are dropped)."""
    from scipy.stats import spearmanr

    keep = np.isfinite(a) & np.isfinite(b)
    if keep.sum() < 3 or np.unique(a[keep]).size < 2 or np.unique(b[keep]).size < 2:
        return float("nan")
    return float(spearmanr(a[keep], b[keep]).statistic)


def bootstrap_spearman(a: np.ndarray, b: np.ndarray, *, resamples: int = 2000, seed: int = 0,
                       level: float = 0.9) -> tuple[float, float]:
    """Percentile bootstrap interval for ρ, resampling markets with replacement."""
    from opentrade.analytics.backtest import rho_rows

    keep = np.isfinite(a) & np.isfinite(b)
    a, b = a[keep], b[keep]
    rng = np.random.default_rng(seed)
    idx = rng.integers(0, len(a), (resamples, len(a)))
    stats = rho_rows(a[idx], b[idx])
    stats = stats[np.isfinite(stats)]
    tail = (1 - level) / 2 * 100
    return float(np.percentile(stats, tail)), float(np.percentile(stats, 100 - tail))
