"""Backtest metrics as pure array functions: Spearman's ρ (vectorised over resamples), paired bootstrap of Δρ over
several origins, precision@k, within-group ρ, and series-break detection.

A predictor is scored with data up to an origin T only; the outcome is what happened from T to T + h. With several
origins the statistic is the mean over origins, and the bootstrap resamples *markets* (the same draw for every
origin and every predictor), so the interval of Δρ = ρ(model) − ρ(baseline) is paired and accounts for markets
recurring across origins.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.stats import rankdata


def rho_rows(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Spearman's ρ of each row pair (average ranks for ties), over the positions where both are finite; NaN where
    fewer than 3 pairs remain or a row is constant."""
    a, b = np.atleast_2d(np.asarray(a, dtype=float)), np.atleast_2d(np.asarray(b, dtype=float))
    ok = np.isfinite(a) & np.isfinite(b)
    ra = rankdata(np.where(ok, a, np.nan), axis=1, nan_policy="omit")
    rb = rankdata(np.where(ok, b, np.nan), axis=1, nan_policy="omit")
    with np.errstate(invalid="ignore", divide="ignore"):
        ra -= np.nanmean(ra, axis=1, keepdims=True)
        rb -= np.nanmean(rb, axis=1, keepdims=True)
        den = np.sqrt(np.nansum(ra * ra, axis=1) * np.nansum(rb * rb, axis=1))
        rho = np.nansum(ra * rb, axis=1) / den
    return np.where((ok.sum(axis=1) >= 3) & (den > 0), rho, np.nan)


def precision_at_k(predictor: np.ndarray, outcome: np.ndarray, *, k: int = 5, relevant_share: float = 0.25) -> float:
    """Share of the predictor's top ``k`` that lands in the outcome's top ``relevant_share`` (a random ranking
    scores ``relevant_share`` on average)."""
    keep = np.isfinite(predictor) & np.isfinite(outcome)
    p, o = predictor[keep], outcome[keep]
    if len(p) < k:
        return float("nan")
    top = np.argsort(-p, kind="stable")[:k]
    n_relevant = max(1, int(round(relevant_share * len(o))))
    relevant = set(np.argsort(-o, kind="stable")[:n_relevant].tolist())
    return len(relevant.intersection(top.tolist())) / k


def within_groups_rho(predictor: np.ndarray, outcome: np.ndarray, groups: np.ndarray) -> float:
    """ρ computed inside each group (e.g. ASEAN, LAC) and averaged, weighted by the group's size: skill beyond
    telling the groups apart."""
    total, weight = 0.0, 0
    for g in np.unique(groups):
        rows = (groups == g) & np.isfinite(predictor) & np.isfinite(outcome)
        if rows.sum() >= 4:
            r = rho_rows(predictor[rows], outcome[rows])[0]
            if np.isfinite(r):
                total += r * rows.sum()
                weight += int(rows.sum())
    return total / weight if weight else float("nan")


@dataclass
class Paired:
    """Mean ρ over origins of the model and of each baseline, with paired bootstrap intervals of Δρ."""

    rho: dict[str, float]  # predictor → mean ρ over origins
    rho_interval: dict[str, tuple[float, float]]
    delta: dict[str, float]  # baseline → mean ρ(model) − ρ(baseline)
    delta_interval: dict[str, tuple[float, float]]
    per_origin: dict[str, list[float]]  # predictor → ρ at each origin


def paired_bootstrap(predictors: dict[str, list[np.ndarray]], outcomes: list[np.ndarray], *, model: str = "model",
                     resamples: int = 2000, level: float = 0.9, seed: int = 0) -> Paired:
    """``predictors[name][i]`` and ``outcomes[i]`` are aligned over the same markets at origin i (NaN = not
    available: the market is left out of that origin's ρ). Markets are resampled with replacement, the same
    indices for every origin and predictor."""
    n = len(outcomes[0])
    rng = np.random.default_rng(seed)
    idx = rng.integers(0, n, (resamples, n))
    tail = (1 - level) / 2 * 100
    per_origin: dict[str, list[float]] = {}
    boot: dict[str, np.ndarray] = {}
    for name, series in predictors.items():
        point, draws = [], []
        for pred, out in zip(series, outcomes, strict=True):
            point.append(float(rho_rows(pred, out)[0]))
            draws.append(rho_rows(pred[idx], out[idx]))  # gaps drop out of each resample's ρ
        per_origin[name] = point
        with np.errstate(all="ignore"):
            boot[name] = np.nanmean(np.vstack(draws), axis=0)
    rho = {k: float(np.nanmean(v)) for k, v in per_origin.items()}
    rho_interval = {k: _pct(boot[k], tail) for k in predictors}
    delta = {k: rho[model] - rho[k] for k in predictors if k != model}
    delta_interval = {k: _pct(boot[model] - boot[k], tail) for k in predictors if k != model}
    return Paired(rho, rho_interval, delta, delta_interval, per_origin)


def _pct(x: np.ndarray, tail: float) -> tuple[float, float]:
    x = x[np.isfinite(x)]
    if not x.size:
        return (float("nan"), float("nan"))
    return float(np.percentile(x, tail)), float(np.percentile(x, 100 - tail))


@dataclass(frozen=True)
class SeriesBreak:
    iso3: str
    year: int  # the year of the jump (value of year / value of year − 1)
    ratio: float  # the partner's year-on-year ratio
    relative: float  # that ratio over the median ratio of all partners that year


def series_breaks(values: np.ndarray, years: list[int], iso3: list[str], *, ratio: float = 3.0
                  ) -> tuple[list[SeriesBreak], list[tuple[int, float]]]:
    """Partner-specific jumps (a year-on-year ratio ``ratio`` times above or below that year's median ratio) and
    year-wide revisions (the median ratio itself beyond ×1.5 or ÷1.5), from a partners × years matrix."""
    with np.errstate(all="ignore"):
        r = values[:, 1:] / values[:, :-1]
    r = np.where(np.isfinite(r) & (r > 0), r, np.nan)
    median = np.array([np.nanmedian(col) if np.isfinite(col).any() else np.nan for col in r.T])
    breaks = []
    for i in range(r.shape[0]):
        for j in range(r.shape[1]):
            rel = r[i, j] / median[j]
            if np.isfinite(rel) and (rel >= ratio or rel <= 1 / ratio):
                breaks.append(SeriesBreak(iso3[i], years[j + 1], float(r[i, j]), float(rel)))
    revisions = [(years[j + 1], float(m)) for j, m in enumerate(median) if np.isfinite(m) and (m >= 1.5 or m <= 1 / 1.5)]
    return breaks, revisions
