"""Market scoring as pure array functions: impute, normalise, weight, decompose, rank, perturb.

score(m) = 100 · Σ_f w_f · x̃_mf, with x̃ the factor normalised to [0, 1] (min–max over the comparison universe,
after the factor's transform and direction) and Σ w_f = 1; so the contributions 100 · w_f · x̃_mf add up to the
score exactly. Missing values are imputed by a stated rule and flagged; they are never read as zero.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

TRANSFORMS = {
    "identity": lambda x: x,
    "log": lambda x: np.log(np.where(x > 0, x, np.nan)),
    "log1p": lambda x: np.log1p(np.where(x >= 0, x, np.nan)),
    "abs_log1p": lambda x: np.log1p(np.abs(x)),  # distance from zero, e.g. inflation: both signs hurt
}


@dataclass(frozen=True)
class Factor:
    id: str
    group: str  # demand | ease | supply | channel
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


def impute(raw: np.ndarray, groups: np.ndarray) -> Imputed:
    """Fill a missing value with the median of the market's group (e.g. World Bank region) for that factor,
    else the median of all markets; a factor with no data at all stays missing (NaN) and scores 0 for everyone
    — which ranks nobody, and is reported as a gap."""
    values = raw.astype(float).copy()
    mask = np.isnan(values)
    rule = np.full(values.shape, "", dtype=object)
    overall = np.nanmedian(np.where(np.isnan(raw), np.nan, raw), axis=0) if raw.size else np.array([])
    for g in np.unique(groups):
        rows = groups == g
        with np.errstate(all="ignore"):
            block = raw[rows]
            med = np.array([np.nanmedian(col) if np.isfinite(col).any() else np.nan for col in block.T])
        for j in range(values.shape[1]):
            fill_rows = rows & mask[:, j]
            if np.isfinite(med[j]):
                values[fill_rows, j] = med[j]
                rule[fill_rows, j] = f"median of {g}"
            elif np.isfinite(overall[j]):
                values[fill_rows, j] = overall[j]
                rule[fill_rows, j] = "median of all markets"
    return Imputed(values, mask, rule)


def normalise(values: np.ndarray, factors: list[Factor]) -> np.ndarray:
    """Transform, orient (higher = better) and min–max scale each factor to [0, 1]; a constant factor → 0.5.
    Factors on a fixed 0–1 scale are kept as they are, so "no partner anywhere" stays 0 points, not 0.5."""
    out = np.zeros_like(values, dtype=float)
    for j, f in enumerate(factors):
        if f.scale == "fixed":
            out[:, j] = np.clip(np.nan_to_num(values[:, j].astype(float), nan=0.0), 0.0, 1.0)
            continue
        x = TRANSFORMS[f.transform](values[:, j].astype(float))
        if not f.higher_is_better:
            x = -x
        finite = np.isfinite(x)
        if not finite.any():
            continue
        lo, hi = np.min(x[finite]), np.max(x[finite])
        col = np.full(x.shape, 0.0)
        col[finite] = 0.5 if hi == lo else (x[finite] - lo) / (hi - lo)
        out[:, j] = col
    return out


def check_weights(weights: np.ndarray) -> np.ndarray:
    w = np.asarray(weights, dtype=float)
    if w.ndim != 1 or not np.all(np.isfinite(w)) or np.any(w < 0) or w.sum() <= 0:
        raise ValueError("weights must be finite, non-negative and not all zero")
    return w / w.sum()


def contributions(norm: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """markets × factors: the points each factor adds to each market's score (rows sum to the score)."""
    return 100.0 * norm * check_weights(weights)[None, :]


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
    """Monte-Carlo rank stability: weights ~ Dirichlet(concentration · w), the configured weights as the mean."""
    w = check_weights(weights)
    alpha = np.maximum(concentration * w, 1e-6)
    rng = np.random.default_rng(seed)
    sample = rng.dirichlet(alpha, size=draws)  # draws × factors
    sample[:, w == 0] = 0.0  # a factor switched off stays off
    sample /= sample.sum(axis=1, keepdims=True)
    scores = sample @ norm.T  # draws × markets
    ranks = ranks_from_scores(scores)
    return Stability(
        p_top=(ranks <= top_k).mean(axis=0),
        median_rank=np.median(ranks, axis=0),
        low=np.percentile(ranks, 5, axis=0),
        high=np.percentile(ranks, 95, axis=0),
        draws=draws, concentration=concentration, top_k=top_k,
    )


def spearman(a: np.ndarray, b: np.ndarray) -> float:
    """Spearman's ρ with average ranks for ties (pairs with a missing value are dropped)."""
    from scipy.stats import spearmanr

    keep = np.isfinite(a) & np.isfinite(b)
    if keep.sum() < 3:
        return float("nan")
    return float(spearmanr(a[keep], b[keep]).statistic)


def bootstrap_spearman(a: np.ndarray, b: np.ndarray, *, resamples: int = 2000, seed: int = 0,
                       level: float = 0.9) -> tuple[float, float]:
    """Percentile bootstrap interval for ρ, resampling markets with replacement."""
    keep = np.isfinite(a) & np.isfinite(b)
    a, b = a[keep], b[keep]
    rng = np.random.default_rng(seed)
    stats = []
    for _ in range(resamples):
        idx = rng.integers(0, len(a), len(a))
        if np.unique(a[idx]).size > 1 and np.unique(b[idx]).size > 1:
            stats.append(spearman(a[idx], b[idx]))
    tail = (1 - level) / 2 * 100
    return float(np.percentile(stats, tail)), float(np.percentile(stats, 100 - tail))
