"""Uncertainty of a ranking: Monte-Carlo over weights, imputation, staleness and the estimated elasticities; tiers of
markets that cannot be told apart; the range of each weight under which a market stays in the top k.

In every draw: the weights come from a Dirichlet around the configured ones; each imputed value is replaced by the
points of a random *observed* economy of the same region (the regional distribution, not its median); each stale
value gets noise that grows with its age beyond the staleness limit; and the ease coefficients are drawn from their
estimated sampling distribution. Scores are recomputed for every draw.

Tiers follow the strict ranking: a new tier starts at the first market that the current tier's leader outscores in
at least ``confidence`` of the draws; markets inside a tier are not distinguishable at that confidence.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from opentrade.analytics.ranking import dirichlet_weights


@dataclass
class Perturbations:
    """What varies between draws, for the n ranked markets (rows) and the factors (columns)."""

    imputed: np.ndarray  # n × f bool: value imputed → drawn from the region's observed points
    groups: np.ndarray  # n: the region of each ranked market
    pool_points: np.ndarray  # N × f: points of every economy of the universe
    pool_observed: np.ndarray  # N × f bool: the value was observed (not imputed)
    pool_groups: np.ndarray  # N: their regions
    stale_sigma: np.ndarray  # n × f: sd of the noise on a stale value's points (0 where fresh)
    ease_column: int | None = None
    ease_points: np.ndarray | None = None  # draws × n: points of ease under drawn coefficients


@dataclass
class MonteCarlo:
    scores: np.ndarray  # draws × n
    ranks: np.ndarray  # draws × n
    top_k: int
    draws: int

    @property
    def p_top(self) -> np.ndarray:
        return (self.ranks <= self.top_k).mean(axis=0)

    def rank_quantiles(self, q: tuple[float, ...] = (5, 50, 95)) -> np.ndarray:
        return np.percentile(self.ranks, q, axis=0)

    def score_quantiles(self, q: tuple[float, ...] = (5, 50, 95)) -> np.ndarray:
        return np.percentile(self.scores, q, axis=0)

    def beats(self, i: int, j: int) -> float:
        """Share of draws in which market i outscores market j."""
        return float((self.scores[:, i] > self.scores[:, j]).mean())


def simulate(points: np.ndarray, weights: np.ndarray, pert: Perturbations, *, draws: int, concentration: float,
             top_k: int, rng: np.random.Generator) -> MonteCarlo:
    """Scores (0–100) of the n markets under ``draws`` joint perturbations."""
    n, f = points.shape
    w = dirichlet_weights(weights, draws=draws, concentration=concentration, rng=rng)  # draws × f
    scores = w @ points.T
    for j in range(f):
        if pert.ease_column == j:
            continue
        for g in np.unique(pert.groups[pert.imputed[:, j]]):
            target = np.flatnonzero(pert.imputed[:, j] & (pert.groups == g))
            pool = pert.pool_points[pert.pool_observed[:, j] & (pert.pool_groups == g), j]
            if not pool.size:
                pool = pert.pool_points[pert.pool_observed[:, j], j]
            if not pool.size:
                continue
            drawn = pool[rng.integers(0, pool.size, (draws, target.size))]
            scores[:, target] += w[:, [j]] * (drawn - points[target, j])  # targets are distinct within a block
        stale = np.flatnonzero(pert.stale_sigma[:, j] > 0)
        if stale.size:
            noise = rng.normal(0.0, 1.0, (draws, stale.size)) * pert.stale_sigma[stale, j]
            scores[:, stale] += w[:, [j]] * (np.clip(points[stale, j] + noise, 0.0, 1.0) - points[stale, j])
    if pert.ease_column is not None and pert.ease_points is not None:
        j = pert.ease_column
        scores += w[:, [j]] * (pert.ease_points - points[None, :, j])
    scores *= 100.0
    # ranks per draw (1 = best); a double argsort is ~4× faster than a stable one and scores are continuous here
    ranks = np.argsort(np.argsort(-scores, axis=1), axis=1) + 1
    return MonteCarlo(scores, ranks, top_k, draws)


def tiers(mc: MonteCarlo, order: np.ndarray, *, confidence: float = 0.9) -> np.ndarray:
    """Tier number (1 = best) of every market; ``order`` lists market indices by strict rank."""
    out = np.zeros(mc.scores.shape[1], dtype=int)
    tier, leader = 1, order[0] if len(order) else 0
    for pos, i in enumerate(order):
        if pos and mc.beats(leader, i) >= confidence:
            tier, leader = tier + 1, i
        out[i] = tier
    return out


@dataclass(frozen=True)
class WeightRange:
    factor: str
    nominal: float
    low: float  # the smallest weight (others re-scaled in proportion) at which the market is still in the top k
    high: float


def top_k_weight_ranges(points: np.ndarray, weights: np.ndarray, markets: list[int], factor_ids: list[str], *,
                        k: int = 5, steps: int = 201) -> dict[int, list[WeightRange]]:
    """For each of ``markets`` and each factor with a weight: the contiguous range of that factor's weight, around
    the nominal one, in which the market stays in the top k, the other weights scaled in proportion (one factor at a
    time). A market not in the top k at the nominal weights gets an empty list."""
    w = weights / weights.sum()
    grid = np.linspace(0.0, 1.0, steps)
    nominal = points @ w
    inside_now = {m: bool((nominal > nominal[m]).sum() < k) for m in markets}
    out: dict[int, list[WeightRange]] = {m: [] for m in markets}
    for j, fid in enumerate(factor_ids):
        if w[j] <= 0 or w[j] >= 1 or not any(inside_now.values()):
            continue
        rest = (nominal - points[:, j] * w[j]) / (1 - w[j])  # the other factors at their relative weights
        s = grid[:, None] * points[None, :, j] + (1 - grid[:, None]) * rest[None, :]
        at = int(np.argmin(np.abs(grid - w[j])))
        for m in markets:
            if not inside_now[m]:
                continue
            inside = (s > s[:, [m]]).sum(axis=1) < k
            inside[at] = True  # the nominal point itself (a tie at the grid step)
            lo = at
            while lo > 0 and inside[lo - 1]:
                lo -= 1
            hi = at
            while hi < steps - 1 and inside[hi + 1]:
                hi += 1
            out[m].append(WeightRange(fid, float(w[j]), float(grid[lo]), float(grid[hi])))
    return out
