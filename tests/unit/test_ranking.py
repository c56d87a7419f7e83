"""Pure scoring functions: bounds, monotonicity, decomposition, imputation, stability."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from opentrade.analytics.ranking import (
    METHODS,
    Factor,
    check_weights,
    contributions,
    effective_weights,
    fit_scaling,
    impute,
    normalise,
    rank_stability,
    ranks_from_scores,
    spearman,
    stale_discount,
)

FACTORS = [Factor("a", "demand", "A", "甲", "log"), Factor("b", "ease", "B", "乙", "identity", False),
           Factor("c", "demand", "C", "丙")]
values = arrays(np.float64, st.tuples(st.integers(2, 12), st.just(3)),
                elements=st.floats(0.01, 1e6, allow_nan=False, allow_infinity=False))
weights = arrays(np.float64, 3, elements=st.floats(0, 1)).filter(lambda w: w.sum() > 1e-3)


@settings(max_examples=100, deadline=None)
@given(values, weights, st.sampled_from(METHODS))
def test_scores_are_bounded_and_contributions_add_up(x: np.ndarray, w: np.ndarray, method: str) -> None:
    norm, _ = normalise(x, FACTORS, method=method)
    contrib = contributions(norm, w)
    scores = contrib.sum(axis=1)
    assert np.all((norm >= 0) & (norm <= 1))
    assert np.all((scores >= -1e-9) & (scores <= 100 + 1e-9))
    np.testing.assert_allclose(contrib.sum(axis=1), 100 * norm @ (w / w.sum()))


@settings(max_examples=100, deadline=None)
@given(values, weights, st.integers(0, 11), st.floats(1.01, 100), st.sampled_from(METHODS))
def test_better_value_never_lowers_the_score(x: np.ndarray, w: np.ndarray, row: int, factor: float,
                                             method: str) -> None:
    # with the anchors fixed (fitted on the other markets), a better value never earns fewer points
    row %= x.shape[0]
    others = np.arange(x.shape[0]) != row
    before = contributions(normalise(x, FACTORS, method=method, reference=others)[0], w).sum(axis=1)[row]
    better = x.copy()
    better[row, 0] *= factor  # higher is better
    better[row, 1] /= factor  # lower is better
    after = contributions(normalise(better, FACTORS, method=method, reference=others)[0], w).sum(axis=1)[row]
    assert after >= before - 1e-9


def test_imputation_uses_the_group_median_and_says_so() -> None:
    raw = np.array([[1.0, 5.0], [3.0, np.nan], [10.0, 7.0], [np.nan, 9.0]])
    groups = np.array(["asia", "asia", "asia", "america"])
    imp = impute(raw, groups)
    assert imp.values[1, 1] == 6.0 and imp.rule[1, 1] == "median of asia"
    assert imp.values[3, 0] == 3.0 and imp.rule[3, 0] == "median of all markets"  # the group has no value
    assert imp.mask.tolist() == np.isnan(raw).tolist()
    assert imp.rule[0, 0] == ""


@pytest.mark.parametrize("bad", [[-1, 1, 1], [0, 0, 0], [np.nan, 1, 1], [np.inf, 1, 1]])
def test_bad_weights_are_refused(bad: list[float]) -> None:
    with pytest.raises(ValueError):
        check_weights(np.array(bad, dtype=float))


def test_ranks_are_deterministic_with_ties_in_input_order() -> None:
    assert ranks_from_scores(np.array([2.0, 5.0, 2.0, 1.0])).tolist() == [2, 1, 3, 4]


def test_stability_is_certain_when_one_market_dominates() -> None:
    norm = np.array([[1.0, 1.0, 1.0], [0.5, 0.4, 0.6], [0.1, 0.2, 0.0]] + [[0.0, 0.0, 0.0]] * 5)
    stab = rank_stability(norm, np.array([0.5, 0.3, 0.2]), draws=500, top_k=2, seed=1)
    assert stab.p_top[0] == 1.0 and stab.median_rank[0] == 1 and stab.low[0] == stab.high[0] == 1
    assert stab.p_top[2] == 0.0
    again = rank_stability(norm, np.array([0.5, 0.3, 0.2]), draws=500, top_k=2, seed=1)
    assert np.array_equal(stab.median_rank, again.median_rank)


def test_spearman_matches_a_hand_example() -> None:
    assert spearman(np.array([1.0, 2.0, 3.0, 4.0]), np.array([10.0, 20.0, 30.0, 40.0])) == pytest.approx(1.0)
    assert spearman(np.array([1.0, 2.0, 3.0, 4.0]), np.array([4.0, 3.0, 2.0, 1.0])) == pytest.approx(-1.0)


def test_an_outlier_does_not_flatten_a_winsorised_factor() -> None:
    # the FDI example: one extreme economy squeezes every other into a sliver of min-max points
    x = np.concatenate([np.linspace(1, 10, 60), [1000.0]])[:, None]
    minmax, _ = normalise(x, [FACTORS[2]], method="minmax")
    winsor, _ = normalise(x, [FACTORS[2]], method="winsor")
    assert np.ptp(minmax[:60, 0]) < 0.01  # flattened
    assert np.ptp(winsor[:60, 0]) > 0.8
    # and the effective weight over the compared markets follows: the flattened factor barely moves their scores
    other = np.linspace(0, 1, 60)[:, None]
    w = np.array([0.5, 0.5])
    assert effective_weights(np.hstack([minmax[:60], other]), w)[0] < 0.05
    assert effective_weights(np.hstack([winsor[:60], other]), w)[0] > 0.3
    assert effective_weights(np.hstack([winsor[:60], other]), w).sum() == pytest.approx(1.0)


def test_points_rule_is_described_in_the_factor_unit() -> None:
    s = fit_scaling(np.array([10.0, 100.0, 1000.0]), FACTORS[0], method="minmax")  # log, higher is better
    d = s.describe()
    assert d["code"] == "points.linear" and d["direction"] == "higher"
    assert d["params"]["zero_at"] == pytest.approx(10.0) and d["params"]["full_at"] == pytest.approx(1000.0)
    lower = fit_scaling(np.array([1.0, 5.0, 9.0]), FACTORS[1], method="minmax")  # lower is better
    assert lower.describe()["params"] == {"zero_at": pytest.approx(9.0), "full_at": pytest.approx(1.0)}
    assert lower.points(np.array([9.0, 1.0, 5.0])).tolist() == pytest.approx([0.0, 1.0, 0.5])


def test_stale_discount_grows_with_age_and_is_capped() -> None:
    d = stale_discount(np.array([np.nan, 0, 3, 4, 6, 30]), max_age=3, per_year=0.1, max_penalty=0.5)
    assert d.tolist() == pytest.approx([1, 1, 1, 0.9, 0.7, 0.5])
