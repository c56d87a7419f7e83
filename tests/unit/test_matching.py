"""Firm → market matching: the vectorised top-n equals the plain loop, and the model behaves as documented."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from opentrade.analytics.matching import (
    Matches,
    MatchParams,
    shortlist_firms,
    top_matches,
    top_matches_loop,
)
from opentrade.errors import ConfigError

# a few round values make exact ties (and, multiplied, ties by rounding) common; other values stay well above
# the subnormal range, where a product of positive factors can round to 0 (and then is not recommended)
FITS = st.one_of(st.sampled_from([0.0, 0.0, 0.1, 0.3, 0.41, 0.5, 1.0]), st.floats(1e-6, 1))
SCORES = st.one_of(st.sampled_from([math.nan, 0.0, 0.2, 0.5, 0.73, 0.7299999999999999, 1.0]), st.floats(1e-6, 1))
STRENGTHS = st.one_of(st.sampled_from([0.0, 0.2, 1.0]), st.floats(1e-6, 2))


@st.composite
def problems(draw: st.DrawFn, max_firms: int = 8) -> dict:
    f, g = draw(st.integers(0, max_firms)), draw(st.integers(1, 4))
    m, k = draw(st.integers(1, 6)), draw(st.integers(1, 3))
    return dict(
        fit=draw(arrays(np.float64, (f, g), elements=FITS)),
        market_score=draw(arrays(np.float64, (g, m), elements=SCORES)),
        channels=draw(arrays(np.float64, (m, k), elements=STRENGTHS)),
        foreign_revenue_share=draw(arrays(np.float64, f, elements=st.sampled_from([math.nan, 0.0, 0.3, 1.0]))),
        origin_market=draw(arrays(np.int64, f, elements=st.integers(-1, m - 1))),
        size=draw(arrays(np.float64, f, elements=st.sampled_from([math.nan, -1.0, 0.0, 2.5, 9.0]))),
        params=MatchParams(origin_boost=draw(st.sampled_from([1.2, 1.0, 0.5, 3.0])),
                           export_weight=draw(st.sampled_from([0.0, 0.25]))),
    )


def same(a: Matches, b: Matches) -> bool:
    return (np.array_equal(a.market, b.market) and np.array_equal(a.segment, b.segment)
            and np.array_equal(a.total, b.total, equal_nan=True) and np.array_equal(a.channel, b.channel))


def full_list(p: dict) -> dict[tuple[int, int, int], float]:
    """(firm, segment, market) → total for every triple recommended, from the complete top-(G·M) lists."""
    g, m = p["market_score"].shape
    r = top_matches(**p, n=g * m)
    return {(f, int(r.segment[f, j]), int(r.market[f, j])): float(r.total[f, j])
            for f, j in zip(*np.nonzero(r.market >= 0), strict=True)}


@settings(max_examples=300, deadline=None)
@given(problems(), st.integers(1, 5), st.integers(1, 5))
def test_identical_to_the_plain_loop(p: dict, n: int, chunk: int) -> None:
    assert same(top_matches(**p, n=n, chunk=chunk), top_matches_loop(**p, n=n))


@pytest.mark.parametrize("n", [1, 2, 3])
def test_ties_made_by_rounding_follow_the_tie_rule(n: int) -> None:
    # 0.41 × 0.73 == 0.41 × 0.7299999999999999: market 1 has the higher score, but the totals are equal, so
    # market 0 (the lower index) comes first — as in the loop
    below = math.nextafter(0.73, 0)
    assert 0.41 * 0.73 == 0.41 * below
    args = (np.array([[0.41]]), np.array([[below, 0.73, 0.5]]), np.ones((3, 1)))
    r = top_matches(*args, n=n)
    assert r.market[0].tolist() == [0, 1, 2][:n]
    assert same(r, top_matches_loop(*args, n=n))


def test_ties_go_to_the_lower_segment_then_the_lower_market() -> None:
    fit = np.array([[1.0, 1.0]])
    ms = np.array([[0.5, 0.5, 0.2], [0.5, 0.9, 0.5]])
    r = top_matches(fit, ms, np.ones((3, 1)), n=4)
    assert list(zip(r.segment[0].tolist(), r.market[0].tolist(), strict=True)) == [(1, 1), (0, 0), (0, 1), (1, 0)]


@settings(max_examples=150, deadline=None)
@given(problems())
def test_an_unranked_market_is_never_recommended(p: dict) -> None:
    p["market_score"][:, 0] = np.nan
    g, m = p["market_score"].shape
    r = top_matches(**p, n=g * m)
    assert not (r.market == 0).any()
    ok = r.market >= 0
    assert np.isfinite(p["market_score"][r.segment[ok], r.market[ok]]).all()
    assert (r.total[ok] > 0).all() and np.isnan(r.total[~ok]).all()


@settings(max_examples=200, deadline=None)
@given(problems())
def test_factors_multiply_to_the_total(p: dict) -> None:
    r = top_matches(**p)
    ok = r.market >= 0
    product = r.fit * r.market_score * r.channel_strength * r.origin_boost * r.export_boost * r.size_boost
    np.testing.assert_allclose(product[ok], r.total[ok], rtol=1e-12)
    # in the documented evaluation order, exactly
    exact = (r.fit * (r.market_score * r.channel_strength)) * ((r.origin_boost * r.export_boost) * r.size_boost)
    assert np.array_equal(exact[ok], r.total[ok])
    assert np.isnan(product[~ok]).all() and (r.channel[~ok] == -1).all()
    # the factors come from the inputs at the recommended indices
    f = np.nonzero(ok)[0]
    assert np.array_equal(r.fit[ok], p["fit"][f, r.segment[ok]])
    assert np.array_equal(r.channel_strength[ok], p["channels"].max(axis=1)[r.market[ok]])
    assert np.array_equal(r.channel[ok], p["channels"].argmax(axis=1)[r.market[ok]])
    for fi, j in list(zip(*np.nonzero(ok), strict=True))[:5]:
        x = r.factors(int(fi), int(j))
        assert x["total"] == r.total[fi, j] and x["origin_boost"] == r.origin_boost[fi, j]


def test_a_partner_platform_raises_the_market_and_becomes_the_channel() -> None:
    segments, markets = ["ICT", "Finance"], ["BRA", "IDN", "VNM"]
    kinds = ["partner platform", "organisation", "friendly city", "direct"]
    fit = np.array([[0.9, 0.0]])
    ms = np.array([[0.71, 0.5, 0.6], [0.8, 0.8, 0.8]])
    channels = np.zeros((3, 4))
    channels[:, 3] = 0.2
    channels[1, 1] = 0.8  # an organisation in Indonesia
    before = top_matches(fit, ms, channels)
    assert before.market[0].tolist() == [1, 0, 2] and before.channel[0, 1] == 3
    channels[0, 0] = 1.0  # a partner platform for Brazil
    after = top_matches(fit, ms, channels)
    assert after.market[0].tolist() == [0, 1, 2] and after.channel[0, 0] == 0
    assert after.reason(0, 0, segments=segments, markets=markets, channels=kinds) == (
        "fit 0.90 for ICT × market score 0.71 (BRA) × channel: partner platform 1.00 = 0.639")


@settings(max_examples=150, deadline=None)
@given(problems(), st.data())
def test_more_channel_strength_never_moves_a_market_down(p: dict, data: st.DataObject) -> None:
    n_mkt, n_kind = p["channels"].shape
    m, k = data.draw(st.integers(0, n_mkt - 1)), data.draw(st.integers(0, n_kind - 1))
    n = p["market_score"].size
    before = top_matches(**p, n=n)
    p["channels"][m, k] += data.draw(st.sampled_from([0.1, 0.5, 2.0]))
    after = top_matches(**p, n=n)

    def others_above(r: Matches) -> dict[tuple[int, int], int]:
        """(firm, segment) of each triple in market m → how many triples of other markets rank above it (the
        only fair count: m's own triples all rise, and rounding may tie two of them differently)."""
        return {(f, int(r.segment[f, j])): int((r.market[f, :j] != m).sum())
                for f, j in zip(*np.nonzero(r.market == m), strict=True)}

    was, now = others_above(before), others_above(after)
    assert set(was) <= set(now)
    for key, above in now.items():
        assert above <= was.get(key, n)
        assert p["fit"][key] > 0 and not math.isnan(p["market_score"][key[1], m])
    for f, j in zip(*np.nonzero(after.market == m), strict=True):
        assert after.channel[f, j] == p["channels"][m].argmax()


@settings(max_examples=150, deadline=None)
@given(problems())
def test_the_origin_boost_applies_only_in_the_origin_market(p: dict) -> None:
    with_origin = full_list(p)
    origin = p["origin_market"].copy()
    without = full_list({**p, "origin_market": None})
    boost = p["params"].origin_boost
    assert set(with_origin) == set(without)
    for (f, g, m), total in with_origin.items():
        if m == origin[f]:
            assert total == pytest.approx(without[f, g, m] * boost, rel=1e-12)
        else:
            assert total == without[f, g, m]
    r = top_matches(**p)
    ok = r.market >= 0
    assert np.array_equal(r.origin_boost[ok] != 1.0, (r.market == origin[:, None])[ok] & (boost != 1.0))


def test_origin_boost_can_lift_the_investors_home_market() -> None:
    fit, ms, channels = np.array([[1.0], [1.0]]), np.array([[0.8, 0.7]]), np.ones((2, 1))
    r = top_matches(fit, ms, channels, n=1, origin_market=np.array([1, -1]))
    assert r.market[:, 0].tolist() == [1, 0]
    assert r.origin_boost[:, 0].tolist() == [1.2, 1.0]
    assert r.total[0, 0] == pytest.approx(0.84)


def test_firm_signals_scale_the_total() -> None:
    fit, ms, channels = np.ones((3, 1)), np.array([[0.5]]), np.ones((1, 1))
    r = top_matches(fit, ms, channels, foreign_revenue_share=np.array([1.0, np.nan, 0.0]),
                    size=np.array([np.nan, math.log(1000), 100.0]))
    assert r.export_boost[:, 0].tolist() == [1.25, 1.0, 1.0]
    assert r.size_boost[:, 0].tolist() == [1.0, 1.1, 1.1]
    np.testing.assert_allclose(r.total[:, 0], [0.625, 0.55, 0.55])


@settings(max_examples=150, deadline=None)
@given(problems(), st.data())
def test_shortlist_agrees_with_the_per_firm_scores(p: dict, data: st.DataObject) -> None:
    n_firms, n_seg = p["fit"].shape
    m = data.draw(st.integers(0, p["channels"].shape[0] - 1))
    segs = data.draw(st.none() | st.lists(st.integers(0, n_seg - 1), max_size=n_seg))
    eligible = data.draw(st.none() | arrays(bool, n_firms))
    s = shortlist_firms(**p, market=m, segments=segs, eligible=eligible)
    allowed = set(range(n_seg)) if segs is None else set(segs)
    per_firm = full_list(p)
    best: dict[int, tuple[float, int]] = {}  # firm → (total, segment): the highest total, lowest segment on a tie
    for (f, g, mk), total in per_firm.items():
        if mk == m and g in allowed and (eligible is None or eligible[f]):
            if f not in best or total > best[f][0] or (total == best[f][0] and g < best[f][1]):
                best[f] = (total, g)
    expected = sorted(best, key=lambda f: (-best[f][0], f))
    assert s.firm.tolist() == expected
    assert [(float(t), int(g)) for t, g in zip(s.total, s.segment, strict=True)] == [best[f] for f in expected]
    np.testing.assert_allclose(s.fit * s.market_score * s.channel_strength * s.origin_boost * s.export_boost
                               * s.size_boost, s.total, rtol=1e-12)
    assert s.channel == int(p["channels"][m].argmax())
    limited = shortlist_firms(**p, market=m, segments=segs, eligible=eligible, limit=2)
    assert limited.firm.tolist() == expected[:2]


def test_shortlist_takes_firm_indices_and_explains() -> None:
    fit = np.array([[0.5, 0.0], [0.0, 1.0], [1.0, 1.0]])
    ms = np.array([[0.6, 0.9], [0.5, 0.1]])
    channels = np.array([[1.0, 0.2], [0.0, 0.2]])
    s = shortlist_firms(fit, ms, channels, 0, eligible=np.array([0, 2]))
    assert s.firm.tolist() == [2, 0] and s.segment.tolist() == [0, 0]
    assert s.reason(0, segments=["ICT", "Finance"], markets=["MYS", "MEX"], channels=["platform", "direct"]) == (
        "fit 1.00 for ICT × market score 0.60 (MYS) × channel: platform 1.00 = 0.600")
    assert shortlist_firms(fit, ms, channels, 0, segments=1).firm.tolist() == [1, 2]
    assert len(shortlist_firms(fit, ms, channels, 0, segments=[])) == 0


def test_empty_inputs() -> None:
    r = top_matches(np.zeros((0, 3)), np.full((3, 2), 0.5), np.ones((2, 1)))
    assert r.market.shape == (0, 3) and len(r) == 0 and r.fit.shape == (0, 3)
    r = top_matches(np.ones((2, 1)), np.zeros((1, 0)), np.zeros((0, 1)), n=2)
    assert (r.market == -1).all() and np.isnan(r.total).all() and r.count.tolist() == [0, 0]
    r = top_matches(np.ones((2, 0)), np.zeros((0, 4)), np.ones((4, 1)))
    assert (r.market == -1).all()
    assert r.reason(0, 0, segments=[], markets=[], channels=[]) == "no recommendation"
    assert len(shortlist_firms(np.zeros((0, 1)), np.ones((1, 1)), np.ones((1, 1)), 0)) == 0


@pytest.mark.parametrize("change", [
    dict(fit=np.array([[1.5]])), dict(fit=np.array([[np.nan]])), dict(fit=np.ones(1)),
    dict(market_score=np.array([[2.0]])), dict(market_score=np.ones((2, 1))),
    dict(channels=np.array([[-1.0]])), dict(channels=np.array([[np.inf]])), dict(channels=np.zeros((1, 0))),
    dict(origin_market=np.array([1])), dict(origin_market=np.array([0.0])),
    dict(foreign_revenue_share=np.array([1.5])), dict(size=np.array([np.inf])), dict(size=np.ones(2)),
    dict(n=0), dict(chunk=0),
])
def test_bad_inputs_raise_config_error(change: dict) -> None:
    args = dict(fit=np.ones((1, 1)), market_score=np.ones((1, 1)), channels=np.ones((1, 1)))
    with pytest.raises(ConfigError):
        top_matches(**{**args, **change})


@pytest.mark.parametrize("bad", [dict(origin_boost=0.0), dict(export_weight=-1.0), dict(size_range=(2.0, 1.0)),
                                 dict(size_weight=math.nan)])
def test_bad_params_raise_config_error(bad: dict) -> None:
    with pytest.raises(ConfigError):
        MatchParams(**bad)


@pytest.mark.parametrize("bad", [dict(market=3), dict(market=-1), dict(segments=[5]), dict(eligible=[True]),
                                 dict(eligible=np.array([7])), dict(eligible=np.array([0.5])), dict(limit=-1)])
def test_bad_shortlist_requests_raise_config_error(bad: dict) -> None:
    args = dict(fit=np.ones((2, 2)), market_score=np.ones((2, 3)), channels=np.ones((3, 1)), market=0)
    with pytest.raises(ConfigError):
        shortlist_firms(**{**args, **bad})


def test_identical_to_the_loop_on_a_larger_random_registry() -> None:
    rng = np.random.default_rng(3)
    n_firms, n_seg, n_mkt = 3000, 7, 40
    fit = np.zeros((n_firms, n_seg))
    rows = np.arange(n_firms)
    fit[rows, rng.integers(0, n_seg, n_firms)] = rng.choice([0.5, 0.8, 1.0], n_firms)
    second = rng.random(n_firms) < 0.4
    fit[rows[second], rng.integers(0, n_seg, second.sum())] = 0.5
    ms = np.round(rng.random((n_seg, n_mkt)), 2)
    ms[rng.random((n_seg, n_mkt)) < 0.15] = np.nan
    channels = np.column_stack([np.where(rng.random(n_mkt) < 0.3, 1.0, 0.0), np.full(n_mkt, 0.2)])
    signals = dict(foreign_revenue_share=np.where(rng.random(n_firms) < 0.5, np.nan, rng.random(n_firms)),
                   origin_market=np.where(rng.random(n_firms) < 0.15, rng.integers(0, n_mkt, n_firms), -1),
                   size=rng.normal(3, 2, n_firms))
    assert same(top_matches(fit, ms, channels, chunk=1000, **signals),
                top_matches_loop(fit, ms, channels, **signals))


def test_results_do_not_change_when_the_inputs_do() -> None:
    fit, ms, channels = np.array([[0.5, 1.0]]), np.array([[0.8], [0.6]]), np.array([[1.0, 0.2]])
    origin = np.array([0])
    r = top_matches(fit, ms, channels, origin_market=origin, n=2)
    fit[:], ms[:], channels[:], origin[:] = 0.0, 0.0, 0.0, -1
    assert r.fit.tolist() == [[1.0, 0.5]] and r.market_score.tolist() == [[0.6, 0.8]]
    assert r.channel_strength.tolist() == [[1.0, 1.0]] and r.origin_boost.tolist() == [[1.2, 1.2]]
