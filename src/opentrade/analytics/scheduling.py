"""Expo B2B meeting scheduling: which district firm meets which foreign buyer, and when.

Data: F firms, B buyers, S slots, T tables; ``scores`` (F × B) rates each pair, and a pair scoring ≤ 0 or NaN
is unwanted and never scheduled. Optional ``firm_available`` (F × S) / ``buyer_available`` (B × S) masks and
``must_meet`` (firm, buyer) pairs. A schedule is a set of (firm, buyer, slot) meetings such that each pair meets
at most once, each party has at most one meeting per slot (and only in slots where it is available), at most T
meetings run per slot and every must-meet pair meets. We maximise the total score of the meetings.

Exact methods, all solved with HiGHS through ``scipy.optimize.milp``:

* ``two-stage`` (no availability masks). Stage 1 picks the pairs: binary x_e over wanted pairs e, with
  Σ_{e∋f} x_e ≤ S, Σ_{e∋b} x_e ≤ S, Σ_e x_e ≤ S·min(T, F, B) and x_e = 1 for must-meet pairs. Every schedule
  yields such a pair set, and conversely: the chosen pairs form a bipartite graph of maximum degree ≤ S, which
  König's theorem edge-colours with S colours (= slots), and de Werra's theorem makes the colouring
  equitable, so no slot holds more than ceil(m / S) ≤ T meetings. Stage 1 is therefore the whole problem,
  with F·B·0.3 variables instead of F·B·S; stage 2 is a combinatorial colouring (Kempe-chain flips, then
  rebalancing on alternating two-colour paths). Without masks the must-meet checks below are also
  sufficient, so stage 1 is never infeasible once they pass.
* ``time-indexed``. Binary y_es for each wanted pair e and slot s where both parties are available;
  Σ_s y_es ≤ 1 (= 1 for must-meet), ≤ 1 per firm-slot and buyer-slot, ≤ T per slot. Exact with masks, but
  F·B·0.3·S variables with much slot symmetry: HiGHS takes minutes at 300 × 100 × 20.
* ``relax-and-assign`` (default with masks). Stage 1 as above, with a party's degree capped by its number of
  available slots and the total by Σ_s min(T, firms available in s, buyers available in s), over pairs with
  a common slot: a relaxation, so its optimum bounds the problem. Stage 2 solves the time-indexed model
  restricted to the chosen pairs as a pure feasibility problem; if every chosen pair gets a slot, the bound
  is attained and the schedule is optimal. If not (rare: a slot-level clash the caps do not see), the
  time-indexed model is solved instead and ``method`` says so.

The bound reported is the LP relaxation of the last model solved (a valid upper bound on the problem for all
three), and the gap is (bound − total) / bound. HiGHS's final MIP dual bound is reported alongside.
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np
from scipy import sparse
from scipy.optimize import Bounds, LinearConstraint, OptimizeResult, milp
from scipy.sparse.csgraph import maximum_bipartite_matching

from opentrade.errors import ScheduleError

METHODS = ("auto", "two-stage", "relax-and-assign", "time-indexed")


@dataclass(frozen=True)
class ScheduleResult:
    firm: np.ndarray  # meeting k is firm[k] × buyer[k] in slot[k]; sorted by slot, firm, buyer
    buyer: np.ndarray
    slot: np.ndarray
    total_score: float
    lp_bound: float  # LP relaxation of the model solved; NaN when not computed (or for greedy)
    gap: float  # (lp_bound − total) / lp_bound, clamped at 0; NaN without a bound
    dual_bound: float  # HiGHS's MIP dual bound at termination; NaN for greedy
    status: str  # optimal | feasible (limit hit, best found) | heuristic | incomplete (greedy missed must-meets)
    method: str  # two-stage | relax-and-assign | time-indexed | greedy (what produced the schedule)
    solve_seconds: float
    message: str = ""
    timings: dict[str, float] = field(default_factory=dict)
    unplaced_must_meet: list[tuple[int, int]] = field(default_factory=list)

    @property
    def meetings(self) -> list[tuple[int, int, int]]:
        return list(zip(self.firm.tolist(), self.buyer.tolist(), self.slot.tolist(), strict=True))

    def __len__(self) -> int:
        return len(self.firm)


@dataclass
class _Problem:
    scores: np.ndarray  # F × B, NaN where unwanted
    raw: np.ndarray  # as given, for messages
    n_slots: int
    n_tables: int
    firm_av: np.ndarray  # F × S bool (all True when not given)
    buyer_av: np.ndarray  # B × S bool
    masked: bool  # some party is unavailable somewhere
    must: np.ndarray  # k × 2 int, de-duplicated

    @property
    def wanted(self) -> np.ndarray:
        return ~np.isnan(self.scores)


# ---------------------------------------------------------------- validation and cheap feasibility checks


def _count(n: object, what: str) -> int:
    if isinstance(n, bool) or not isinstance(n, int | np.integer) or n < 0:
        raise ScheduleError(f"the number of {what} must be a non-negative integer, got {n!r}")
    return int(n)


def _mask(mask: object, rows: int, n_slots: int, who: str) -> np.ndarray:
    if mask is None:
        return np.ones((rows, n_slots), dtype=bool)
    arr = np.asarray(mask)
    if arr.shape != (rows, n_slots):
        raise ScheduleError(f"{who}_available must have shape ({rows}, {n_slots}) ({who}s × slots), got {arr.shape}")
    if arr.dtype != bool and not (np.issubdtype(arr.dtype, np.number) and np.isin(arr, (0, 1)).all()):
        raise ScheduleError(f"{who}_available must hold booleans (or 0/1)")
    return arr.astype(bool)


def _prepare(scores, n_slots, n_tables, firm_available, buyer_available, must_meet) -> _Problem:
    try:
        raw = np.array(scores, dtype=float)
    except (TypeError, ValueError) as exc:
        raise ScheduleError(f"scores must be a numeric firms × buyers matrix ({exc})") from None
    if raw.ndim != 2:
        raise ScheduleError(f"scores must be a 2-D firms × buyers matrix, got shape {raw.shape}")
    if np.isposinf(raw).any():
        f, b = np.argwhere(np.isposinf(raw))[0]
        raise ScheduleError(f"(firm {f}, buyer {b}) has an infinite score; use a finite score, or ≤ 0/NaN for unwanted")
    n_firms, n_buyers = raw.shape
    S, T = _count(n_slots, "slots"), _count(n_tables, "tables")
    fa = _mask(firm_available, n_firms, S, "firm")
    ba = _mask(buyer_available, n_buyers, S, "buyer")
    pairs: list[tuple[int, int]] = []
    for i, item in enumerate(must_meet):
        try:
            f, b = item
            if any(isinstance(v, bool) or not isinstance(v, int | np.integer) for v in (f, b)):
                raise TypeError
        except (TypeError, ValueError):
            raise ScheduleError(f"must-meet entry #{i} must be a (firm, buyer) pair of integers, got {item!r}") from None
        if not (0 <= f < n_firms and 0 <= b < n_buyers):
            raise ScheduleError(
                f"must-meet pair #{i} (firm {f}, buyer {b}) is out of range: firms are numbered 0–{n_firms - 1} "
                f"and buyers 0–{n_buyers - 1}")
        pairs.append((int(f), int(b)))
    must = np.array(sorted(set(pairs)), dtype=np.int64).reshape(-1, 2)  # a pair meets at most once anyway
    clean = np.where(raw > 0, raw, np.nan)  # NaN marks unwanted from here on
    return _Problem(clean, raw, S, T, fa, ba, not (fa.all() and ba.all()), must)


def _check_must_meet(p: _Problem) -> None:
    """Necessary conditions, cheapest first; each raises naming the firm, buyer or pair at fault."""
    if not len(p.must):
        return
    mf, mb = p.must[:, 0], p.must[:, 1]
    S, T = p.n_slots, p.n_tables
    bad = [f"must-meet pair (firm {f}, buyer {b}) has score {p.raw[f, b]:g}: a pair scoring ≤ 0 or NaN "
           "is unwanted and never scheduled" for f, b in p.must if np.isnan(p.scores[f, b])]
    if bad:
        raise ScheduleError(bad)
    common = p.firm_av[mf] & p.buyer_av[mb]
    bad = [f"must-meet pair (firm {f}, buyer {b}) has no common available slot"
           for (f, b), c in zip(p.must, common, strict=True) if not c.any()]
    if bad:
        raise ScheduleError(bad)
    for who, col, av, other in (("firm", mf, p.firm_av, "buyer"), ("buyer", mb, p.buyer_av, "firm")):
        counts = np.bincount(col, minlength=len(av))
        slots = av.sum(axis=1)
        bad = [f"{who} {i} has {counts[i]} must-meet {other}s but "
               + (f"only {S} slots" if slots[i] == S else f"is available in only {slots[i]} of {S} slots")
               for i in np.flatnonzero(counts > slots)]
        if bad:
            raise ScheduleError(bad)
    if len(p.must) > S * T:
        raise ScheduleError(f"must-meet pairs need {len(p.must):,} meetings but {S} slots × {T} tables hold {S * T:,}")
    if p.masked:  # Hall's condition per party: its must-meet pairs need distinct slots both sides can make
        for who, col, other_col, other in (("firm", mf, mb, "buyer"), ("buyer", mb, mf, "firm")):
            for i in np.unique(col):
                rows = np.flatnonzero(col == i)
                matched = maximum_bipartite_matching(sparse.csr_matrix(common[rows]), perm_type="column")
                if (matched < 0).any():
                    others = ", ".join(str(v) for v in other_col[rows])
                    raise ScheduleError(
                        f"{who} {i}'s must-meet meetings with {other}s {others} cannot all fit: at most "
                        f"{int((matched >= 0).sum())} of them can go in distinct slots where both sides are available")


# ---------------------------------------------------------------- edge colouring (stage 2)


def balanced_edge_colouring(firm: np.ndarray, buyer: np.ndarray, n_colours: int) -> np.ndarray:
    """Colour the edges of a bipartite (multi)graph with ``n_colours`` colours so that edges sharing a vertex
    differ and colour classes differ in size by at most one; needs max degree ≤ ``n_colours`` (König)."""
    firm, buyer = np.asarray(firm, dtype=np.int64), np.asarray(buyer, dtype=np.int64)
    m = len(firm)
    if m == 0:
        return np.zeros(0, dtype=np.int64)
    n_f = int(firm.max()) + 1
    ends = list(zip(firm.tolist(), (buyer + n_f).tolist(), strict=True))  # buyers renumbered after firms
    n_v = n_f + int(buyer.max()) + 1
    if max(np.bincount(firm).max(), np.bincount(buyer).max()) > n_colours:
        raise ValueError(f"a vertex has degree above {n_colours}; no proper colouring with that many colours")
    at = [[-1] * n_colours for _ in range(n_v)]  # at[v][c]: the edge of colour c at v, or -1
    colour = [-1] * m

    def walk(x: int, c: int, d: int) -> list[int]:
        """The maximal path from x whose edges alternate colours c, d, c, ... (it is unique)."""
        path: list[int] = []
        while (e := at[x][c]) != -1:
            path.append(e)
            u, v = ends[e]
            x = v if x == u else u
            c, d = d, c
        return path

    def recolour(edges: list[int], c: int, d: int) -> None:
        for e in edges:
            for v in ends[e]:
                at[v][colour[e]] = -1
        for e in edges:
            colour[e] = d if colour[e] == c else c
            for v in ends[e]:
                at[v][colour[e]] = e

    for e, (u, v) in enumerate(ends):
        a = at[u].index(-1)  # free at u (degree bound ⇒ exists)
        if at[v][a] != -1:
            # Flip the a/b Kempe chain from v: in a bipartite graph it cannot reach u (it would arrive there
            # through an a-edge, but a is free at u), so afterwards a is free at both ends.
            b = at[v].index(-1)
            recolour(walk(v, a, b), a, b)
        colour[e] = a
        at[u][a] = at[v][a] = e

    # de Werra: while classes c (largest) and d (smallest) differ by ≥ 2, the c/d subgraph (paths and even
    # cycles) has a path with one more c-edge than d-edges; swapping it moves one edge from c to d.
    sizes = np.bincount(colour, minlength=n_colours)
    while sizes.max() - sizes.min() > 1:
        c, d = int(sizes.argmax()), int(sizes.argmin())
        for x in range(n_v):
            if at[x][c] != -1 and at[x][d] == -1:  # a path end starting with colour c
                path = walk(x, c, d)
                if len(path) % 2:  # starts and ends with c
                    recolour(path, c, d)
                    break
        else:  # impossible for a proper colouring; guards against a silent wrong answer
            raise RuntimeError("no c-heavy alternating path found while balancing colour classes")
        sizes[c] -= 1
        sizes[d] += 1
    return np.asarray(colour, dtype=np.int64)


# ---------------------------------------------------------------- solvers


@dataclass
class _Model:
    """max −c·v over 0/1 (or [0, 1]) vectors v ≥ var_lb subject to row_lb ≤ A v ≤ row_ub."""

    c: np.ndarray
    A: sparse.csr_matrix
    row_lb: np.ndarray
    row_ub: np.ndarray
    var_lb: np.ndarray

    def solve(self, integral: bool, time_left: float | None, gap: float = 1e-4) -> OptimizeResult:
        options = {"mip_rel_gap": gap} | ({"time_limit": max(time_left, 0.01)} if time_left is not None else {})
        return milp(self.c, integrality=np.full(len(self.c), int(integral)), bounds=Bounds(self.var_lb, 1),
                    constraints=LinearConstraint(self.A, self.row_lb, self.row_ub), options=options)


def _incidence(rows: np.ndarray, n_rows: int) -> sparse.csr_matrix:
    return sparse.csr_matrix((np.ones(len(rows)), (rows, np.arange(len(rows)))), shape=(n_rows, len(rows)))


def _pair_model(p: _Problem, fe: np.ndarray, be: np.ndarray, must: np.ndarray) -> _Model:
    """Stage 1: choose pairs. Each party meets at most once per slot it is available in, and slot s holds at
    most min(T, firms available in s, buyers available in s) meetings — exact without masks, a relaxation with."""
    cap = np.minimum(p.n_tables, np.minimum(p.firm_av.sum(axis=0), p.buyer_av.sum(axis=0))).sum()
    A = sparse.vstack([_incidence(fe, len(p.firm_av)), _incidence(be, len(p.buyer_av)),
                       sparse.csr_matrix(np.ones((1, len(fe))))], format="csr")
    ub = np.r_[p.firm_av.sum(axis=1), p.buyer_av.sum(axis=1), cap].astype(float)
    return _Model(-p.scores[fe, be], A, np.full(len(ub), -np.inf), ub, must.astype(float))


def _time_model(p: _Problem, fe: np.ndarray, be: np.ndarray, must: np.ndarray, weight: np.ndarray):
    """Time-indexed: one variable per pair and slot both sides can make. Returns the model and, per variable,
    its pair index and slot."""
    S, F, B = p.n_slots, len(p.firm_av), len(p.buyer_av)
    var_pair, var_slot = np.nonzero(p.firm_av[fe] & p.buyer_av[be])
    A = sparse.vstack([_incidence(var_pair, len(fe)),  # pair meets at most (must-meet: exactly) once
                       _incidence(fe[var_pair] * S + var_slot, F * S),  # firm: one meeting per slot
                       _incidence(be[var_pair] * S + var_slot, B * S),  # buyer: one meeting per slot
                       _incidence(var_slot, S)], format="csr")  # tables
    lb = np.r_[must.astype(float), np.full(F * S + B * S + S, -np.inf)]
    ub = np.r_[np.ones(len(fe) + F * S + B * S), np.full(S, p.n_tables)]
    return _Model(-weight[var_pair], A, lb, ub, np.zeros(len(var_pair))), var_pair, var_slot


def _result(p: _Problem, firm, buyer, slot, bound: float = math.nan, **kw) -> ScheduleResult:
    order = np.lexsort((buyer, firm, slot))
    firm, buyer, slot = (np.asarray(a, dtype=np.int64)[order] for a in (firm, buyer, slot))
    total = float(p.scores[firm, buyer].sum())
    gap = max(0.0, (bound - total) / bound) if bound > 0 else (0.0 if bound == 0 else math.nan)
    return ScheduleResult(firm=firm, buyer=buyer, slot=slot, total_score=total, lp_bound=bound, gap=gap, **kw)


def schedule_meetings(
    scores: np.ndarray,
    n_slots: int,
    n_tables: int,
    *,
    firm_available: np.ndarray | None = None,
    buyer_available: np.ndarray | None = None,
    must_meet: Iterable[tuple[int, int]] = (),
    method: str = "auto",
    time_limit: float | None = 120.0,
    mip_rel_gap: float = 1e-4,
    compute_lp_bound: bool = True,
) -> ScheduleResult:
    """Maximum-score schedule (see the module docstring). ``method="auto"`` is two-stage when every party is
    available in every slot, else relax-and-assign (falling back to time-indexed). ``time_limit`` (seconds)
    covers all MILP solves; when it passes, the best schedule found is returned with status ``feasible``
    (the LP bound then still gets up to 10 s; if that is not enough it is NaN).
    Raises ``ScheduleError`` for bad or unschedulable requests, or when no schedule is found in time."""
    started = time.perf_counter()
    if method not in METHODS:
        raise ScheduleError(f"method must be one of {', '.join(METHODS)}, got {method!r}")
    p = _prepare(scores, n_slots, n_tables, firm_available, buyer_available, must_meet)
    _check_must_meet(p)
    if method == "auto":
        method = "relax-and-assign" if p.masked else "two-stage"
    if method == "two-stage" and p.masked:
        raise ScheduleError("the two-stage method is exact only when every party is available in every slot; "
                            "use method='relax-and-assign' or 'time-indexed' (or 'auto') with availability masks")
    S, T = p.n_slots, p.n_tables

    def time_left() -> float | None:
        return None if time_limit is None else time_limit - (time.perf_counter() - started)

    def solve(model: _Model) -> OptimizeResult:
        t = time.perf_counter()
        res = model.solve(True, time_left(), mip_rel_gap)
        timings[f"milp {method}"] = timings.get(f"milp {method}", 0.0) + time.perf_counter() - t
        if res.status == 2:
            raise ScheduleError(
                f"no schedule fits all {len(p.must):,} must-meet pairs (involving {len(np.unique(p.must[:, 0]))} "
                f"firms and {len(np.unique(p.must[:, 1]))} buyers) into {S} slots × {T} tables with the given "
                "availability: each pair, firm and buyer passes the simple checks, but the solver proved the "
                "whole set infeasible")
        if res.x is None:
            raise ScheduleError(f"the solver stopped without finding a schedule ({res.message}); if it ran out of "
                                f"time, raise time_limit (now {time_limit} s)")
        return res

    fe, be = np.nonzero(p.wanted & (p.firm_av.astype(int) @ p.buyer_av.T.astype(int) > 0))  # wanted & can meet
    is_must = np.zeros(p.scores.shape, dtype=bool)
    is_must[p.must[:, 0], p.must[:, 1]] = True
    timings: dict[str, float] = {}
    message = ""
    if len(fe) == 0:  # nothing wanted that can happen (must-meet checks passed, so there are none)
        empty = np.zeros(0, dtype=np.int64)
        return _result(p, empty, empty, empty, 0.0, dual_bound=0.0, status="optimal", method=method,
                       solve_seconds=time.perf_counter() - started, message="nothing to schedule")
    if method in ("two-stage", "relax-and-assign"):
        model = _pair_model(p, fe, be, is_must[fe, be])
        res = solve(model)
        chosen = np.flatnonzero(res.x > 0.5)
        t = time.perf_counter()
        if method == "two-stage":
            firm, buyer = fe[chosen], be[chosen]
            slot = balanced_edge_colouring(firm, buyer, S)
        elif len(chosen) == 0:
            firm = buyer = slot = chosen
        else:
            # Stage 1 relaxed the masks; if its pairs can still be given slots, its optimum is attained.
            assign, var_pair, var_slot = _time_model(p, fe[chosen], be[chosen], np.ones(len(chosen), dtype=bool),
                                                     np.zeros(len(chosen)))
            fit = assign.solve(True, time_left())
            if fit.x is not None:
                y = fit.x > 0.5
                firm, buyer, slot = fe[chosen[var_pair[y]]], be[chosen[var_pair[y]]], var_slot[y]
            else:
                message = (f"the {len(chosen):,} pairs chosen ignoring slot-level availability could not all be "
                           f"given slots ({fit.message}); solved the time-indexed model instead. ")
                method = "time-indexed"
        timings["assign slots"] = time.perf_counter() - t
    if method == "time-indexed":
        model, var_pair, var_slot = _time_model(p, fe, be, is_must[fe, be], p.scores[fe, be])
        res = solve(model)
        y = res.x > 0.5
        firm, buyer, slot = fe[var_pair[y]], be[var_pair[y]], var_slot[y]
    bound = math.nan
    if compute_lp_bound:  # of the last model solved; a valid upper bound on the whole problem either way
        t = time.perf_counter()
        left = time_left()  # an LP is cheap next to the MILP: give it ≥ 10 s even when the MILP used the limit
        lp = model.solve(False, None if left is None else max(left, 10.0))
        timings["lp bound"] = time.perf_counter() - t
        bound = -lp.fun if lp.status == 0 else math.nan
    return _result(p, firm, buyer, slot, bound, dual_bound=-float(res.mip_dual_bound),
                   status="optimal" if res.status == 0 else "feasible", method=method,
                   solve_seconds=time.perf_counter() - started, message=message + res.message, timings=timings)


def greedy_schedule(
    scores: np.ndarray,
    n_slots: int,
    n_tables: int,
    *,
    firm_available: np.ndarray | None = None,
    buyer_available: np.ndarray | None = None,
    must_meet: Iterable[tuple[int, int]] = (),
) -> ScheduleResult:
    """Baseline: must-meet pairs first, then every wanted pair by descending score, each into the earliest slot
    where both parties are available and free and a table is free. Same validation as ``schedule_meetings``;
    must-meet pairs it cannot place are listed in ``unplaced_must_meet`` (status ``incomplete``)."""
    started = time.perf_counter()
    p = _prepare(scores, n_slots, n_tables, firm_available, buyer_available, must_meet)
    _check_must_meet(p)
    fe, be = np.nonzero(p.wanted)
    is_must = np.zeros(p.scores.shape, dtype=bool)
    is_must[p.must[:, 0], p.must[:, 1]] = True
    order = np.lexsort((-p.scores[fe, be], ~is_must[fe, be]))  # primary key: must-meet first
    firm_free, buyer_free = p.firm_av.copy(), p.buyer_av.copy()
    tables_free = np.full(p.n_slots, p.n_tables)
    out: list[tuple[int, int, int]] = []
    unplaced: list[tuple[int, int]] = []
    for f, b in zip(fe[order].tolist(), be[order].tolist(), strict=True):
        ok = np.flatnonzero(firm_free[f] & buyer_free[b] & (tables_free > 0))
        if len(ok):
            s = int(ok[0])
            firm_free[f, s] = buyer_free[b, s] = False
            tables_free[s] -= 1
            out.append((f, b, s))
        elif is_must[f, b]:
            unplaced.append((f, b))
    firm, buyer, slot = (np.array(col, dtype=np.int64) for col in zip(*out, strict=True)) if out else \
        (np.zeros(0, dtype=np.int64),) * 3
    return _result(p, firm, buyer, slot, dual_bound=math.nan, status="incomplete" if unplaced else "heuristic",
                   method="greedy", solve_seconds=time.perf_counter() - started, unplaced_must_meet=unplaced,
                   message=f"{len(unplaced)} must-meet pairs could not be placed" if unplaced else "")
