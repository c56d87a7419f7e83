"""ITC-style export potential in US$, and the unrealised part, per market for one segment.

    potential_m = κ · demand_m · ease_m          (China level; the district's = district share × potential)
    unrealised_m = potential_m − realised_m      (realised = China's exports of the segment's categories, BaTIS)

demand_m is the market's imports of the segment's service group (US$), ease_m = exp(ln ease_m) the estimated
bilateral ease (1 for the average market), and κ = Σ realised / Σ demand · ease over the markets where both are
observed: China's average penetration, so that potential redistributes China's actual total according to demand
and ease (as ITC's supply × demand × ease does, with supply = China's share). The log decomposition
ln potential = ln κ + ln demand + Σ_j β_j (z_j − z̄_j) adds up exactly; each term is shown.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass
class Potential:
    kappa: float
    potential: np.ndarray  # US$, NaN where demand is unknown
    realised: np.ndarray  # US$, NaN where BaTIS has no row
    unrealised: np.ndarray
    demand: np.ndarray  # US$ used (observed or imputed)
    demand_imputed: np.ndarray  # bool
    ln_terms: np.ndarray  # markets × (2 + ease terms): ln κ, ln demand, then the ease terms; rows sum to ln potential
    calibration_markets: int


def potential(realised: np.ndarray, demand: np.ndarray, ease_terms: np.ndarray, *, gdp: np.ndarray,
              groups: np.ndarray, universe: np.ndarray) -> Potential:
    """``ease_terms`` (markets × terms, log points) sum to ln ease. Missing demand is imputed as GDP × the median
    demand/GDP ratio of the market's region (flagged); κ is calibrated on ``universe`` rows where realised exports
    and demand are both observed."""
    demand = np.asarray(demand, dtype=float).copy()
    imputed = ~np.isfinite(demand) | (demand <= 0)
    with np.errstate(all="ignore"):
        ratio = demand / gdp
    for g in np.unique(groups):
        rows = groups == g
        pool = ratio[rows & ~imputed & np.isfinite(ratio)]
        if not pool.size:
            pool = ratio[~imputed & np.isfinite(ratio)]
        fill = rows & imputed & np.isfinite(gdp)
        demand[fill] = np.median(pool) * gdp[fill] if pool.size else np.nan
    demand[~np.isfinite(demand) | (demand <= 0)] = np.nan
    ln_ease = np.nansum(ease_terms, axis=1)
    ln_ease[~np.isfinite(ease_terms).all(axis=1)] = np.nan
    with np.errstate(all="ignore"):
        base = demand * np.exp(ln_ease)
    cal = universe & ~imputed & np.isfinite(realised) & (realised > 0) & np.isfinite(base)
    kappa = float(np.sum(realised[cal]) / np.sum(base[cal])) if cal.any() else float("nan")
    pot = kappa * base
    with np.errstate(all="ignore"):
        ln_terms = np.column_stack([np.full(len(demand), np.log(kappa)), np.log(demand), ease_terms])
    return Potential(kappa, pot, np.asarray(realised, dtype=float), pot - realised, demand, imputed & np.isfinite(demand),
                     ln_terms, int(cal.sum()))
