"""Monte-Carlo, tiers, top-k weight ranges, potential, and the backtest's metrics — pure functions."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import spearmanr

from opentrade.analytics.backtest import (
    paired_bootstrap,
    precision_at_k,
    rho_rows,
    series_breaks,
    within_groups_rho,
)
from opentrade.analytics.potential import potential
from opentrade.analytics.ranking import ranks_from_scores
from opentrade.analytics.uncertainty import Perturbations, simulate, tiers, top_k_weight_ranges


def _pert(n: int, f: int, *, imputed: np.ndarray | None = None, sigma: float = 0.0) -> Perturbations:
    groups = np.array(["a"] * (n // 2) + ["b"] * (n - n // 2))
    imp = np.zeros((n, f), dtype=bool) if imputed is None else imputed
    pool = np.random.default_rng(9).random((n, f))
    return Perturbations(imp, groups, pool, ~imp, groups, np.full((n, f), sigma))


@settings(max_examples=25, deadline=None)
@given(st.integers(6, 25), st.integers(2, 6), st.integers(0, 10_000), st.floats(0.6, 0.99))
def test_tiers_are_consistent_with_the_monte_carlo(n: int, f: int, seed: int, confidence: float) -> None:
    rng = np.random.default_rng(seed)
    points = rng.random((n, f))
    weights = rng.random(f) + 0.05
    mc = simulate(points, weights, _pert(n, f, sigma=0.05), draws=300, concentration=20, top_k=3, rng=rng)
    order = np.argsort(-(points @ (weights / weights.sum())), kind="stable")
    tier = tiers(mc, order, confidence=confidence)
    assert tier[order[0]] == 1
    assert np.all(np.diff(tier[order]) >= 0)  # tiers follow the strict ranking
    for t in np.unique(tier):
        members = order[tier[order] == t]
        leader = members[0]
        # inside a tier the leader does not beat anyone at the confidence level …
        assert all((mc.scores[:, leader] > mc.scores[:, j]).mean() < confidence for j in members[1:])
        # … and the first market of the next tier is beaten by it at least that often
        nxt = order[tier[order] == t + 1]
        if nxt.size:
            assert (mc.scores[:, leader] > mc.scores[:, nxt[0]]).mean() >= confidence


def test_monte_carlo_draws_imputed_values_from_the_regional_distribution() -> None:
    n, f = 10, 2
    points = np.full((n, f), 0.5)
    imputed = np.zeros((n, f), dtype=bool)
    imputed[0, 0] = True
    pert = _pert(n, f, imputed=imputed)
    pert.pool_points[:, 0] = np.r_[[0.5], np.linspace(0.0, 1.0, 4), np.full(5, 9.0)]  # region a: rows 0–4
    mc = simulate(points, np.array([1.0, 0.0]), pert, draws=2000, concentration=1e6, top_k=1,
                  rng=np.random.default_rng(0))
    # market 0's only factor is drawn from region a's observed points (rows 1–4), never from region b's
    assert set(np.round(mc.scores[:, 0] / 100, 6)) <= set(np.round(np.linspace(0.0, 1.0, 4), 6))
    assert mc.scores[:, 1:].std() == 0  # nothing else varies (weights fixed, nothing stale)


def test_stale_noise_widens_only_the_stale_market() -> None:
    n, f = 6, 2
    points = np.tile([0.5, 0.5], (n, 1))
    pert = _pert(n, f)
    pert.stale_sigma[2, 1] = 0.2
    mc = simulate(points, np.array([0.5, 0.5]), pert, draws=1000, concentration=1e6, top_k=1,
                  rng=np.random.default_rng(1))
    spread = mc.scores.std(axis=0)
    assert spread[2] > 5 and np.all(np.delete(spread, 2) < 1e-6)


def test_top_k_weight_ranges_bracket_the_nominal_weight() -> None:
    # market 0 leads on factor 0 only; it stays in the top 2 while factor 0 keeps enough weight
    points = np.array([[1.0, 0.0], [0.0, 1.0], [0.6, 0.6], [0.4, 0.2], [0.1, 0.3]])
    w = np.array([0.5, 0.5])
    ranges = {r.factor: r for r in top_k_weight_ranges(points, w, [0], ["a", "b"], k=2)[0]}
    assert ranges["a"].low <= 0.5 <= ranges["a"].high
    assert ranges["a"].high == 1.0 and ranges["a"].low > 0.2
    for t in (ranges["a"].low, ranges["a"].high):
        s = points @ np.array([t, 1 - t])
        assert ranks_from_scores(s)[0] <= 2
    s = points @ np.array([ranges["a"].low - 0.02, 1 - ranges["a"].low + 0.02])
    assert ranks_from_scores(s)[0] > 2
    assert top_k_weight_ranges(points, w, [4], ["a", "b"], k=2) == {4: []}  # not in the top 2 at nominal weights


def test_potential_adds_up_and_redistributes_chinas_total() -> None:
    realised = np.array([100.0, 50.0, 10.0, np.nan])
    demand = np.array([1000.0, 1000.0, np.nan, 400.0])
    terms = np.array([[0.2, -0.1], [0.0, 0.0], [-0.3, 0.1], [0.1, 0.1]])
    gdp = np.array([1e4, 2e4, 5e3, 4e3])
    pot = potential(realised, demand, terms, gdp=gdp, groups=np.array(["x", "x", "x", "y"]),
                    universe=np.ones(4, dtype=bool))
    assert pot.demand_imputed.tolist() == [False, False, True, False]
    assert pot.demand[2] == pytest.approx(5e3 * 0.075)  # GDP × the region's median demand / GDP
    np.testing.assert_allclose(np.exp(pot.ln_terms.sum(axis=1)), pot.potential)
    cal = [0, 1]  # observed realised and demand
    assert pot.potential[cal].sum() == pytest.approx(realised[cal].sum())
    np.testing.assert_allclose(pot.unrealised[:3], pot.potential[:3] - realised[:3])
    assert np.isnan(pot.unrealised[3])  # no realised exports known: no unrealised potential


def test_rho_rows_matches_scipy_with_ties_and_gaps() -> None:
    rng = np.random.default_rng(4)
    a = rng.integers(0, 6, (50, 30)).astype(float)
    b = rng.normal(size=(50, 30))
    a[3, :5] = np.nan
    got = rho_rows(a, b)
    for i in (0, 3, 17):
        keep = np.isfinite(a[i])
        assert got[i] == pytest.approx(spearmanr(a[i, keep], b[i, keep]).statistic)
    assert np.isnan(rho_rows(np.ones(10), np.arange(10.0))[0])


def test_paired_bootstrap_tells_a_real_predictor_from_noise() -> None:
    rng = np.random.default_rng(2)
    outcomes, good, noise = [], [], []
    for _ in range(4):
        y = rng.normal(size=60)
        outcomes.append(y), good.append(y + rng.normal(0, 0.5, 60)), noise.append(rng.normal(size=60))
    p = paired_bootstrap({"model": good, "noise": noise}, outcomes, resamples=500)
    assert p.rho["model"] > 0.7 and abs(p.rho["noise"]) < 0.3
    assert p.delta_interval["noise"][0] > 0  # the model beats noise, and the interval says so
    assert len(p.per_origin["model"]) == 4


def test_precision_within_groups_and_breaks() -> None:
    y = np.arange(20.0)
    assert precision_at_k(y, y, k=5) == 1.0 and precision_at_k(-y, y, k=5) == 0.0
    groups = np.array(["a"] * 10 + ["b"] * 10)
    # a predictor that only separates the groups has no within-group skill
    assert within_groups_rho((groups == "b").astype(float) + 0 * y, y, groups) != within_groups_rho(y, y, groups)
    assert within_groups_rho(y, y, groups) == pytest.approx(1.0)
    values = np.array([[1, 1.1, 1.2, 4.0, 4.2], [1, 1.1, 1.2, 1.3, 1.4], [2, 2.2, 2.4, 2.6, 2.8]])
    found, revisions = series_breaks(values, [2015, 2016, 2017, 2018, 2019], ["BRN", "MEX", "ARG"], ratio=2.5)
    assert [(b.iso3, b.year) for b in found] == [("BRN", 2018)]
    assert revisions == []
    _, revisions = series_breaks(values * np.array([1, 1, 1, 2, 2]), [2015, 2016, 2017, 2018, 2019],
                                 ["BRN", "MEX", "ARG"])
    assert revisions and revisions[0][0] == 2018  # every partner jumps: a year-wide revision
