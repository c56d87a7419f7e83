"""Expo meeting scheduler: every schedule is checked by an independent validator, optima against brute force,
the combinatorial colouring on its own, and every infeasibility reason against its message."""

from __future__ import annotations

import math
from collections import Counter

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from opentrade.analytics.scheduling import (
    ScheduleError,
    ScheduleResult,
    balanced_edge_colouring,
    greedy_schedule,
    schedule_meetings,
)
from opentrade.errors import OpentradeError

NAN = math.nan


# ---------------------------------------------------------------- independent oracles


def violations(r: ScheduleResult, scores, S, T, fa=None, ba=None, must=()) -> list[str]:
    """Everything wrong with a schedule, written without the module's code."""
    scores = np.asarray(scores, dtype=float)
    out = []
    meetings = r.meetings
    pairs = Counter((f, b) for f, b, _ in meetings)
    out += [f"pair {p} meets {n} times" for p, n in pairs.items() if n > 1]
    out += [f"firm {k[0]} double-booked in slot {k[1]}" for k, n in Counter((f, s) for f, _, s in meetings).items()
            if n > 1]
    out += [f"buyer {k[0]} double-booked in slot {k[1]}" for k, n in Counter((b, s) for _, b, s in meetings).items()
            if n > 1]
    out += [f"slot {s} has {n} > {T} meetings" for s, n in Counter(s for *_, s in meetings).items() if n > T]
    for f, b, s in meetings:
        if not 0 <= s < S:
            out.append(f"slot {s} out of range")
        elif not scores[f, b] > 0:
            out.append(f"unwanted pair ({f}, {b}) scheduled")
        elif fa is not None and not fa[f][s] or ba is not None and not ba[b][s]:
            out.append(f"({f}, {b}) in slot {s} where a side is unavailable")
    out += [f"must-meet {p} missing" for p in must if p not in pairs]
    total = sum(scores[f, b] for f, b, _ in meetings)
    if not math.isclose(total, r.total_score, rel_tol=1e-9, abs_tol=1e-9):
        out.append(f"total_score {r.total_score} but meetings add up to {total}")
    return out


def brute_force(scores, S, T, fa=None, ba=None, must=()) -> float | None:
    """Best total by exhaustive search over (skip | slot) per wanted pair; None when must-meets cannot fit."""
    scores = np.asarray(scores, dtype=float)
    pairs = [(f, b) for f in range(scores.shape[0]) for b in range(scores.shape[1]) if scores[f, b] > 0]
    must = set(must)
    if any(p not in pairs for p in must):
        return None
    firm_busy, buyer_busy, load = set(), set(), [0] * S
    best = None

    def go(i: int, total: float) -> None:
        nonlocal best
        if i == len(pairs):
            best = total if best is None else max(best, total)
            return
        f, b = pairs[i]
        for s in range(S):
            if (load[s] < T and (f, s) not in firm_busy and (b, s) not in buyer_busy
                    and (fa is None or fa[f][s]) and (ba is None or ba[b][s])):
                firm_busy.add((f, s))
                buyer_busy.add((b, s))
                load[s] += 1
                go(i + 1, total + scores[f, b])
                load[s] -= 1
                firm_busy.discard((f, s))
                buyer_busy.discard((b, s))
        if (f, b) not in must:
            go(i + 1, total)

    go(0, 0.0)
    return best


def assert_bounds_consistent(r: ScheduleResult) -> None:
    tol = 1e-6 * (1 + abs(r.total_score))
    assert r.lp_bound >= r.total_score - tol
    assert r.dual_bound >= r.total_score - tol
    expected_gap = max(0.0, (r.lp_bound - r.total_score) / r.lp_bound) if r.lp_bound > 0 else 0.0
    assert r.gap == pytest.approx(expected_gap, abs=1e-12)
    if r.status == "optimal":  # HiGHS stops within mip_rel_gap (1e-4) of its own dual bound
        assert r.total_score >= r.dual_bound * (1 - 1e-4) - tol


# ---------------------------------------------------------------- tiny instances against brute force

score_values = st.sampled_from([NAN, -1.0, 0.0, 1.0, 2.0, 3.0, 5.0, 8.0, 2.5])


@st.composite
def tiny(draw):
    F, B, S, T = draw(st.integers(1, 3)), draw(st.integers(1, 3)), draw(st.integers(0, 2)), draw(st.integers(0, 3))
    scores = np.array(draw(st.lists(score_values, min_size=F * B, max_size=F * B))).reshape(F, B)
    masked = draw(st.booleans())
    fa = np.array(draw(st.lists(st.booleans(), min_size=F * S, max_size=F * S)), dtype=bool).reshape(F, S)
    ba = np.array(draw(st.lists(st.booleans(), min_size=B * S, max_size=B * S)), dtype=bool).reshape(B, S)
    cells = [(f, b) for f in range(F) for b in range(B)]
    must = draw(st.lists(st.sampled_from(cells), max_size=3, unique=True))
    method = draw(st.sampled_from(["auto", "relax-and-assign", "time-indexed"] + ([] if masked else ["two-stage"])))
    return scores, S, T, (fa, ba) if masked else (None, None), must, method


@settings(max_examples=250, deadline=None)
@given(tiny())
def test_matches_brute_force_on_tiny_instances(case):
    scores, S, T, (fa, ba), must, method = case
    best = brute_force(scores, S, T, fa, ba, must)
    if best is None:
        with pytest.raises(ScheduleError):
            schedule_meetings(scores, S, T, firm_available=fa, buyer_available=ba, must_meet=must, method=method)
        return
    r = schedule_meetings(scores, S, T, firm_available=fa, buyer_available=ba, must_meet=must, method=method)
    assert violations(r, scores, S, T, fa, ba, must) == []
    assert r.status == "optimal"
    assert r.total_score == pytest.approx(best, abs=1e-9)
    assert_bounds_consistent(r)
    g = greedy_schedule(scores, S, T, firm_available=fa, buyer_available=ba, must_meet=must)
    assert violations(g, scores, S, T, fa, ba, [p for p in must if p not in g.unplaced_must_meet]) == []
    if g.status == "heuristic":
        assert r.total_score >= g.total_score - 1e-9


# ---------------------------------------------------------------- generated mid-size instances


def generated(seed: int, F=40, B=15, S=6, T=12, masks=False, n_must=4):
    rng = np.random.default_rng(seed)
    latent = rng.normal(size=(F, 3)) @ rng.normal(size=(3, B)) + rng.normal(scale=0.7, size=(F, B))
    scores = np.where(latent > np.quantile(latent, 0.7), np.round(latent * 10, 1), NAN)
    wanted = np.argwhere(scores > 0)
    must = [tuple(map(int, p)) for p in wanted[rng.choice(len(wanted), n_must, replace=False)]]
    fa = ba = None
    if masks:
        fa, ba = rng.random((F, S)) > 0.25, rng.random((B, S)) > 0.25
        for f, b in must:
            fa[f, 0] = ba[b, 0] = True
    return scores, S, T, fa, ba, must


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("masks", [False, True])
def test_generated_instances_valid_optimal_and_no_worse_than_greedy(seed, masks):
    scores, S, T, fa, ba, must = generated(seed, masks=masks)
    kw = dict(firm_available=fa, buyer_available=ba, must_meet=must)
    ours = schedule_meetings(scores, S, T, **kw)
    assert ours.method == ("relax-and-assign" if masks else "two-stage")
    exact = schedule_meetings(scores, S, T, method="time-indexed", mip_rel_gap=1e-9, **kw)
    greedy = greedy_schedule(scores, S, T, **kw)
    for r in (ours, exact):
        assert violations(r, scores, S, T, fa, ba, must) == []
        assert r.status == "optimal"
        assert_bounds_consistent(r)
    assert ours.total_score == pytest.approx(exact.total_score, rel=1e-4)
    assert violations(greedy, scores, S, T, fa, ba, must) == [] and greedy.status == "heuristic"
    assert ours.total_score >= greedy.total_score - 1e-9


def test_strictly_beats_greedy_where_greedy_is_myopic():
    # Greedy takes (0, 0) = 3 and blocks firm 0 and buyer 0 in the only slot; (0, 1) + (1, 0) = 4 is better.
    scores = [[3.0, 2.0], [2.0, NAN]]
    assert greedy_schedule(scores, 1, 2).total_score == 3
    r = schedule_meetings(scores, 1, 2)
    assert r.total_score == 4 and violations(r, scores, 1, 2) == []


@pytest.mark.parametrize("seed", range(3))
def test_strictly_beats_greedy_on_generated_crowded_instances(seed):
    # Every party can fill all its slots: greedy puts each meeting in the earliest common free slot, and late,
    # lower-scored pairs then find their two sides free in different slots; the optimiser plans slots jointly.
    rng = np.random.default_rng(seed)
    F, B, S, T = 12, 12, 4, 12
    scores = rng.uniform(1, 10, size=(F, B))
    scores[rng.random((F, B)) < 0.4] = NAN
    greedy, ours = greedy_schedule(scores, S, T), schedule_meetings(scores, S, T)
    assert violations(ours, scores, S, T) == [] and violations(greedy, scores, S, T) == []
    assert ours.total_score > greedy.total_score + 1e-6


def test_benchmark_sized_instance_two_stage_is_fast_and_valid():
    rng = np.random.default_rng(3)
    F, B, S, T = 300, 100, 20, 60
    scores = rng.normal(size=(F, 5)) @ rng.normal(size=(5, B)) + rng.normal(size=(F, B))
    scores = np.where(scores > np.quantile(scores, 0.7), scores, NAN)
    r = schedule_meetings(scores, S, T, must_meet=[(0, int(np.nanargmax(scores[0])))])
    assert r.method == "two-stage" and r.status == "optimal" and len(r) == S * T
    assert violations(r, scores, S, T, must=[(0, int(np.nanargmax(scores[0])))]) == []
    assert_bounds_consistent(r)
    assert r.solve_seconds < 15


# ---------------------------------------------------------------- relax-and-assign fallback


def test_relax_and_assign_falls_back_when_the_chosen_pairs_clash_in_time():
    # Firm 0 wants both buyers, each available only in slot 0: the pair-level caps allow both, slots do not.
    scores = [[5.0, 4.0], [NAN, NAN]]
    ba = np.array([[True, False], [True, False]])
    r = schedule_meetings(scores, 2, 2, buyer_available=ba)
    assert r.method == "time-indexed" and "could not all be given slots" in r.message
    assert r.total_score == 5 and violations(r, scores, 2, 2, ba=ba) == []
    assert_bounds_consistent(r)


def test_fractional_lp_bound_gives_a_positive_gap_reported_consistently():
    # Found by random search: slot-level conflicts form an odd cycle, so the time-indexed LP is fractional.
    # The caps-only stage 1 is fooled too (its pairs cannot all get slots), so auto falls back.
    scores = np.array([[8, 7, 7, 1, 2], [NAN, 5, NAN, 7, NAN], [NAN, 4, 2, NAN, 2], [6, 2, NAN, 7, 5]])
    fa = np.array([[1, 0, 1], [1, 1, 1], [0, 0, 0], [1, 1, 1]], dtype=bool)
    ba = np.array([[1, 0, 1], [0, 1, 1], [0, 1, 0], [1, 1, 1], [0, 0, 1]], dtype=bool)
    best = brute_force(scores, 3, 3, fa, ba)
    for method in ("auto", "time-indexed"):
        r = schedule_meetings(scores, 3, 3, firm_available=fa, buyer_available=ba, method=method)
        assert r.method == "time-indexed" and r.total_score == best
        assert violations(r, scores, 3, 3, fa, ba) == []
        assert r.lp_bound > r.total_score + 1e-6 and r.gap > 0
        assert_bounds_consistent(r)


# ---------------------------------------------------------------- edge colouring


@st.composite
def bipartite(draw):
    F, B = draw(st.integers(1, 8)), draw(st.integers(1, 8))
    edges = draw(st.lists(st.tuples(st.integers(0, F - 1), st.integers(0, B - 1)), max_size=40))
    degree = max([*Counter(f for f, _ in edges).values(), *Counter(b for _, b in edges).values(), 0])
    return edges, degree + draw(st.integers(0, 2))


@settings(max_examples=200, deadline=None)
@given(bipartite())
def test_edge_colouring_is_proper_and_balanced(case):
    edges, k = case
    firm = np.array([f for f, _ in edges], dtype=int)
    buyer = np.array([b for _, b in edges], dtype=int)
    colour = balanced_edge_colouring(firm, buyer, max(k, 1))
    assert len(colour) == len(edges)
    assert all(0 <= c < max(k, 1) for c in colour)
    assert len(set(zip(firm.tolist(), colour.tolist(), strict=True))) == len(edges)  # firm sees distinct colours
    assert len(set(zip(buyer.tolist(), colour.tolist(), strict=True))) == len(edges)
    sizes = np.bincount(colour, minlength=max(k, 1))
    assert sizes.max() - sizes.min() <= 1


def test_edge_colouring_large_dense_graph():
    rng = np.random.default_rng(0)
    adj = rng.random((120, 60)) < 0.25
    firm, buyer = np.nonzero(adj)
    k = int(max(adj.sum(1).max(), adj.sum(0).max()))
    colour = balanced_edge_colouring(firm, buyer, k)
    for v, c in ((firm, colour), (buyer, colour)):
        assert len(set(zip(v.tolist(), c.tolist(), strict=True))) == len(v)
    assert np.bincount(colour).max() == math.ceil(len(firm) / k)


def test_edge_colouring_rejects_too_few_colours():
    with pytest.raises(ValueError, match="degree"):
        balanced_edge_colouring(np.array([0, 0, 0]), np.array([0, 1, 2]), 2)


# ---------------------------------------------------------------- infeasibility: the message names the culprit


GRID = np.full((6, 10), 5.0)  # 6 firms × 10 buyers, all wanted


@pytest.mark.parametrize("kwargs, S, T, pattern", [
    (dict(must_meet=[(2, 0), (2, 1), (2, 2)]), 2, 9, "firm 2 has 3 must-meet buyers but only 2 slots"),
    (dict(must_meet=[(0, 7), (1, 7), (3, 7)]), 2, 9, "buyer 7 has 3 must-meet firms but only 2 slots"),
    (dict(must_meet=[(1, 1), (1, 2)], firm_available=np.eye(6, 3, dtype=bool)), 3, 9,
     "firm 1 has 2 must-meet buyers but is available in only 1 of 3 slots"),
    (dict(must_meet=[(3, 7)], firm_available=np.tile([True, False], (6, 1)),
          buyer_available=np.tile([False, True], (10, 1))), 2, 9, r"\(firm 3, buyer 7\) has no common available slot"),
    (dict(must_meet=[(f, b) for f in range(5) for b in range(1)] + [(0, 1)]), 5, 1,
     "must-meet pairs need 6 meetings but 5 slots × 1 tables hold 5"),
    (dict(must_meet=[(0, 0), (0, 1)], buyer_available=np.tile([True, False, False], (10, 1))), 3, 9,
     "firm 0's must-meet meetings with buyers 0, 1 cannot all fit"),
    (dict(must_meet=[(4, 9), (6, 0)]), 2, 2, r"\(firm 6, buyer 0\) is out of range"),
    (dict(must_meet=[(0, -1)]), 2, 2, r"\(firm 0, buyer -1\) is out of range"),
    (dict(must_meet=[(1, "x")]), 2, 2, "must-meet entry #0 must be a"),
])
def test_infeasible_requests_name_the_culprit(kwargs, S, T, pattern):
    for solver in (schedule_meetings, greedy_schedule):
        with pytest.raises(ScheduleError, match=pattern) as info:
            solver(GRID, S, T, **kwargs)
        assert isinstance(info.value, OpentradeError)


@pytest.mark.parametrize("bad", [NAN, 0.0, -2.0])
def test_unwanted_must_meet_pair_is_refused(bad):
    scores = GRID.copy()
    scores[4, 3] = bad
    with pytest.raises(ScheduleError, match=r"must-meet pair \(firm 4, buyer 3\) has score .* never scheduled"):
        schedule_meetings(scores, 2, 2, must_meet=[(4, 3)])


def test_solver_proved_infeasibility_is_reported_with_counts():
    # Both must-meet pairs can only happen in slot 0 (buyer 2, free only in slot 1, keeps the caps loose), and
    # slot 0 has one table: every cheap check passes, the MILP proves it impossible.
    scores = np.array([[5.0, NAN, NAN], [NAN, 5.0, NAN]])
    ba = np.array([[True, False], [True, False], [False, True]])
    for method in ("auto", "time-indexed"):
        with pytest.raises(ScheduleError, match=r"no schedule fits all 2 must-meet pairs \(involving 2 firms and "
                                                r"2 buyers\) into 2 slots × 1 tables"):
            schedule_meetings(scores, 2, 1, buyer_available=ba, must_meet=[(0, 0), (1, 1)], method=method)


@pytest.mark.parametrize("args, kwargs, pattern", [
    ((GRID, -1, 3), {}, "number of slots must be a non-negative integer, got -1"),
    ((GRID, 3, -2), {}, "number of tables must be a non-negative integer, got -2"),
    ((GRID, 2.5, 3), {}, "number of slots"),
    ((GRID, True, 3), {}, "number of slots"),
    ((GRID[0], 3, 3), {}, "2-D"),
    ((np.array([[1.0, np.inf]]), 3, 3), {}, r"\(firm 0, buyer 1\) has an infinite score"),
    ((GRID, 3, 3), dict(firm_available=np.ones((6, 2), bool)), r"firm_available must have shape \(6, 3\)"),
    ((GRID, 3, 3), dict(buyer_available=np.ones((3, 10), bool)), r"buyer_available must have shape \(10, 3\)"),
    ((GRID, 3, 3), dict(buyer_available=np.full((10, 3), 2)), "booleans"),
    ((GRID, 3, 3), dict(method="fastest"), "method must be one of"),
    ((GRID, 3, 3), dict(method="two-stage", firm_available=np.eye(6, 3, dtype=bool)), "exact only when"),
])
def test_bad_input_is_refused_clearly(args, kwargs, pattern):
    with pytest.raises(ScheduleError, match=pattern):
        schedule_meetings(*args, **kwargs)


# ---------------------------------------------------------------- smaller behaviours


def test_greedy_reports_must_meet_pairs_it_cannot_place():
    # Greedy puts the better must-meet (0, 0) in slot 0, where buyer 1 is needed; the optimiser swaps them.
    scores = [[5.0, 4.0]]
    ba = np.array([[True, True], [True, False]])
    g = greedy_schedule(scores, 2, 2, buyer_available=ba, must_meet=[(0, 0), (0, 1)])
    assert g.status == "incomplete" and g.unplaced_must_meet == [(0, 1)]
    r = schedule_meetings(scores, 2, 2, buyer_available=ba, must_meet=[(0, 0), (0, 1)])
    assert sorted(r.meetings) == [(0, 0, 1), (0, 1, 0)]


def test_time_limit_is_passed_on_and_a_stopped_solve_is_reported(monkeypatch):
    import opentrade.analytics.scheduling as mod

    seen: list[tuple[bool, float]] = []
    real = mod.milp

    def stopped(*args, **kwargs):  # as HiGHS answers when the time limit passes: status 1, incumbent or not
        seen.append((bool(kwargs["integrality"].any()), kwargs["options"]["time_limit"]))
        res = real(*args, **kwargs)
        res.status = 1
        if mode == "no incumbent":
            res.x = None
        return res

    monkeypatch.setattr(mod, "milp", stopped)
    scores, S, T, fa, ba, must = generated(0, masks=True)
    mode = "incumbent"
    r = schedule_meetings(scores, S, T, firm_available=fa, buyer_available=ba, must_meet=must, time_limit=7)
    assert r.status == "feasible" and violations(r, scores, S, T, fa, ba, must) == []
    assert seen and all(0 < limit <= (7 if integral else 10) for integral, limit in seen)  # the LP gets ≥ 10 s
    mode = "no incumbent"
    with pytest.raises(ScheduleError, match=r"stopped without finding a schedule .*raise time_limit \(now 7 s\)"):
        schedule_meetings(scores, S, T, firm_available=fa, buyer_available=ba, must_meet=must, time_limit=7)


@pytest.mark.parametrize("S, T", [(0, 3), (3, 0)])
def test_no_slots_or_tables_gives_an_empty_optimal_schedule(S, T):
    r = schedule_meetings(GRID, S, T)
    assert len(r) == 0 and r.total_score == 0 and r.status == "optimal"


def test_all_true_masks_use_the_exact_two_stage_method_and_duplicates_are_ignored():
    r = schedule_meetings(GRID, 3, 4, firm_available=np.ones((6, 3), bool), must_meet=[(1, 1), (1, 1)])
    assert r.method == "two-stage" and (1, 1) in {(f, b) for f, b, _ in r.meetings}
    assert len(r) == 12 and violations(r, GRID, 3, 4, must=[(1, 1)]) == []
