"""Vacant space → digital firms: which candidate firm should move into which vacant unit (e.g. in a restored
industrial-heritage building), one firm per unit and one unit per firm, and why the others got none.

Model. Units u have a vacant area A_u (m²) and the set of the district's "1+2+3+4" industry clusters they are
suitable for (a U × C boolean matrix); firms i need an area a_i and belong to some clusters (N × C), with an
optional priority weight p_i > 0 (default 1). Firm i may take unit u only if

    a_i ≤ A_u ≤ max_oversize · a_i   (default 2.0: no more than twice the space it needs)   and
    the unit suits at least one of the firm's clusters.

The fit of an allowed pair is a product of three factors, each reported::

    score(i, u) = p_i × overlap(i, u) × size_ratio(i, u)
    overlap     = |clusters(i) ∩ suitable(u)| / |clusters(i)|   share of the firm's clusters the unit suits, (0, 1]
    size_ratio  = a_i / A_u                                      1 for an exact fit, ≥ 1 / max_oversize

A unit suited to more clusters is not penalised for it: whether it should be kept for a firm that has nowhere
else to go is for the optimisation to find, not the score.

The allocation maximises the total score (``scipy.optimize.linear_sum_assignment``). Forbidden pairs are +inf
cost, never a large finite number that an optimum could still pick, and every firm gets a private "stays
unhoused" column of cost 0, so the problem is always feasible: rectangular inputs, firms with no allowed unit
and units no firm may take need no special case. Since every allowed pair scores > 0, an optimum leaves no
firm unhoused while one of its allowed units stands empty. Note that the objective is total fit, not the number
of firms housed: one excellent pair can beat two mediocre ones.

Every firm left out gets a reason, tested in this order:

* ``no_unit_large_enough``: every vacant unit is smaller than its need (or there is none);
* ``only_oversized_units``: the units large enough are all more than max_oversize × its need;
* ``no_unit_suits_clusters``: units of the right size exist, but none suits any of its clusters;
* ``outbid``: it had allowed units, and all of them went to other firms because that gives a higher total.
  The reason names its best unit (highest score for it; lowest index on a tie), the firm that got it and both
  scores, and ``cost_to_house``: how much the total would fall in the best allocation that houses it
  (0 means a tie: an allocation of equal total houses it). That is the cheapest chain of moves that frees one
  of its units — the holder leaves for nothing, or for another unit whose holder moves on in turn — found for
  all such firms at once as shortest paths (Bellman–Ford) from the optimal allocation, with no further solve.

``unit_rent`` and ``unit_heritage`` are not scored; they are carried into each assignment for the record.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.optimize import linear_sum_assignment

from opentrade.errors import ConfigError

__all__ = [
    "NO_UNIT_LARGE_ENOUGH",
    "NO_UNIT_SUITS_CLUSTERS",
    "ONLY_OVERSIZED_UNITS",
    "OUTBID",
    "Allocation",
    "Assignment",
    "PairScores",
    "Unassigned",
    "allocate",
    "score_pairs",
]

NO_UNIT_LARGE_ENOUGH = "no_unit_large_enough"
ONLY_OVERSIZED_UNITS = "only_oversized_units"
NO_UNIT_SUITS_CLUSTERS = "no_unit_suits_clusters"
OUTBID = "outbid"


@dataclass(frozen=True)
class PairScores:
    """Firms × units: which pairs are allowed and their factors (0 where not allowed)."""

    allowed: np.ndarray  # bool
    big_enough: np.ndarray  # bool: area ≥ need
    not_oversized: np.ndarray  # bool: area ≤ max_oversize × need
    overlap: np.ndarray
    size_ratio: np.ndarray
    score: np.ndarray
    priority: np.ndarray  # per firm


@dataclass(frozen=True)
class Assignment:
    firm: int
    unit: int
    score: float  # = priority × overlap × size_ratio
    overlap: float
    size_ratio: float
    priority: float
    shared_clusters: tuple[int, ...]
    need: float
    area: float
    rent: float  # NaN when not given
    heritage: bool | None


@dataclass(frozen=True)
class Unassigned:
    firm: int
    reason: str  # one of the four codes above
    detail: str
    best_unit: int | None = None  # outbid only: its best allowed unit …
    went_to: int | None = None  # … the firm that got it …
    own_score: float | None = None  # … its score there …
    holder_score: float | None = None  # … and the holder's
    cost_to_house: float | None = None  # total score lost in the best allocation that houses it


@dataclass(frozen=True)
class Allocation:
    assignments: tuple[Assignment, ...]  # by firm
    unassigned: tuple[Unassigned, ...]  # by firm
    empty_units: tuple[int, ...]
    total_score: float

    @property
    def unit_of(self) -> np.ndarray:
        """Each firm's unit, -1 for none (every firm is either assigned or unassigned)."""
        out = np.full(len(self.assignments) + len(self.unassigned), -1, dtype=np.intp)
        for a in self.assignments:
            out[a.firm] = a.unit
        return out


def _bool_matrix(x: Any, rows: int | None, name: str) -> np.ndarray:
    m = np.asarray(x)
    if m.ndim != 2 or (rows is not None and m.shape[0] != rows):
        raise ConfigError(f"{name} must be a 2-D boolean matrix{'' if rows is None else f' with {rows} rows'}, "
                          f"got shape {m.shape}")
    if m.dtype != bool:
        if m.size and not np.isin(m, (0, 1)).all():
            raise ConfigError(f"{name} must hold booleans (or 0/1)")
        m = m.astype(bool)
    return m


def _positive(x: Any, name: str) -> np.ndarray:
    v = np.asarray(x, dtype=np.float64)
    if v.ndim != 1:
        raise ConfigError(f"{name} must be a 1-D array, got shape {v.shape}")
    if not (np.isfinite(v).all() and (v > 0).all()):
        raise ConfigError(f"{name} must be finite and > 0")
    return v


def score_pairs(
    unit_area: Any, unit_clusters: Any, firm_need: Any, firm_clusters: Any, *,
    firm_priority: Any = None, max_oversize: float = 2.0,
) -> PairScores:
    """The allowed pairs and their fit factors (see the module docstring)."""
    area = _positive(unit_area, "unit_area")
    need = _positive(firm_need, "firm_need")
    suits = _bool_matrix(unit_clusters, area.size, "unit_clusters")
    member = _bool_matrix(firm_clusters, need.size, "firm_clusters")
    if suits.shape[1] != member.shape[1]:
        raise ConfigError(f"unit_clusters has {suits.shape[1]} clusters, firm_clusters {member.shape[1]}")
    if not (math.isfinite(max_oversize) and max_oversize >= 1):
        raise ConfigError(f"max_oversize must be a number ≥ 1, got {max_oversize!r}")
    priority = np.ones(need.size) if firm_priority is None else _positive(firm_priority, "firm_priority")
    if priority.size != need.size:
        raise ConfigError(f"firm_priority needs one value per firm ({need.size})")

    big_enough = area[None, :] >= need[:, None]
    not_oversized = area[None, :] <= max_oversize * need[:, None]
    shared = member.astype(np.int64) @ suits.T.astype(np.int64)  # firms × units: clusters in common
    n_member = member.sum(axis=1)
    allowed = big_enough & not_oversized & (shared > 0)
    overlap = np.where(allowed, shared / np.maximum(n_member, 1)[:, None], 0.0)
    size_ratio = np.where(allowed, need[:, None] / area[None, :], 0.0)
    score = priority[:, None] * overlap * size_ratio
    return PairScores(allowed, big_enough, not_oversized, overlap, size_ratio, score, priority)


def _solve(score: np.ndarray, allowed: np.ndarray) -> tuple[np.ndarray, float]:
    """Maximum-score matching of firms (rows) to units: each row's unit or -1, and the total.

    Cost matrix [−score | a private zero column per row], +inf where forbidden."""
    n, u = score.shape
    cost = np.full((n, u + n), np.inf)
    cost[:, :u] = np.where(allowed, -score, np.inf)
    cost[np.arange(n), u + np.arange(n)] = 0.0
    rows, cols = linear_sum_assignment(cost)
    unit = np.full(n, -1, dtype=np.intp)
    real = cols < u
    unit[rows[real]] = cols[real]
    assert allowed[rows[real], cols[real]].all()  # +inf is never chosen while a finite alternative exists
    return unit, float(score[rows[real], cols[real]].sum())


def _cost_to_free(ps: PairScores, holder: np.ndarray) -> np.ndarray:
    """For each unit, the least total score lost by emptying it: 0 if it is empty; else its holder leaves
    (losing its score there) for nothing, or for another allowed unit that is emptied in turn (a chain of
    moves). Shortest paths by Bellman–Ford over the taken units; the allocation being optimal, no chain of
    moves gains anything, so there is no negative cycle and the iteration settles within as many rounds as
    there are taken units."""
    free = np.zeros(holder.size)
    taken = np.flatnonzero(holder >= 0)
    if not taken.size:
        return free
    h = holder[taken]
    stay = ps.score[h, taken]  # what each holder scores where it is
    move = np.where(ps.allowed[h], -ps.score[h], np.inf)  # taken unit × unit: the holder's gain elsewhere
    move[np.arange(taken.size), taken] = np.inf
    free[taken] = stay  # the holder leaves for nothing: an upper bound to improve on
    for _ in range(taken.size + 1):
        cost = stay + np.minimum(0.0, (move + free).min(axis=1))
        if np.array_equal(cost, free[taken]):
            break
        free[taken] = cost
    return free


def _fmt_area(x: float) -> str:
    return f"{x:,.0f} m²" if x >= 10 else f"{x:,.3g} m²"


def allocate(
    unit_area: Any, unit_clusters: Any, firm_need: Any, firm_clusters: Any, *,
    firm_priority: Any = None, unit_rent: Any = None, unit_heritage: Any = None, max_oversize: float = 2.0,
) -> Allocation:
    """Assign vacant units to candidate firms, maximising the total fit; explain every firm left out.

    ``unit_area`` (U,) m², ``unit_clusters`` U × C bool, ``firm_need`` (N,) m², ``firm_clusters`` N × C bool;
    optional ``firm_priority`` (N,) > 0, ``unit_rent`` (U,) (NaN unknown) and ``unit_heritage`` (U,) bool."""
    ps = score_pairs(unit_area, unit_clusters, firm_need, firm_clusters, firm_priority=firm_priority,
                     max_oversize=max_oversize)
    area = np.asarray(unit_area, dtype=np.float64)
    need = np.asarray(firm_need, dtype=np.float64)
    suits = _bool_matrix(unit_clusters, area.size, "unit_clusters")
    member = _bool_matrix(firm_clusters, need.size, "firm_clusters")
    n_firms, n_units = ps.allowed.shape
    rent = np.full(n_units, np.nan) if unit_rent is None else np.asarray(unit_rent, dtype=np.float64)
    if rent.shape != (n_units,) or np.isinf(rent).any() or (rent < 0).any():
        raise ConfigError(f"unit_rent must be {n_units} finite values ≥ 0 (NaN = unknown)")
    heritage = None
    if unit_heritage is not None:
        heritage = np.asarray(unit_heritage)
        if heritage.shape != (n_units,) or (heritage.dtype != bool and not np.isin(heritage, (0, 1)).all()):
            raise ConfigError(f"unit_heritage must be {n_units} booleans")
        heritage = heritage.astype(bool)

    # only firms with an allowed unit, and units some firm may take, enter the assignment problem
    rows = np.flatnonzero(ps.allowed.any(axis=1))
    cols = np.flatnonzero(ps.allowed.any(axis=0))
    sub_unit, total = _solve(ps.score[np.ix_(rows, cols)], ps.allowed[np.ix_(rows, cols)])
    unit_of = np.full(n_firms, -1, dtype=np.intp)
    unit_of[rows] = np.where(sub_unit >= 0, cols[np.maximum(sub_unit, 0)], -1)
    holder = np.full(n_units, -1, dtype=np.intp)
    housed = np.flatnonzero(unit_of >= 0)
    holder[unit_of[housed]] = housed

    assignments = tuple(
        Assignment(
            firm=int(i), unit=int(u), score=float(ps.score[i, u]), overlap=float(ps.overlap[i, u]),
            size_ratio=float(ps.size_ratio[i, u]), priority=float(ps.priority[i]),
            shared_clusters=tuple(np.flatnonzero(member[i] & suits[u]).tolist()), need=float(need[i]),
            area=float(area[u]), rent=float(rent[u]), heritage=None if heritage is None else bool(heritage[u]),
        )
        for i, u in zip(housed.tolist(), unit_of[housed].tolist(), strict=True)
    )

    unassigned: list[Unassigned] = []
    to_free = _cost_to_free(ps, holder) if (ps.allowed & (unit_of < 0)[:, None]).any() else None
    for found in np.flatnonzero(unit_of < 0):
        i = int(found)
        if to_free is not None and ps.allowed[i].any():
            unassigned.append(_outbid(i, ps, holder, to_free, total))
            continue
        size_ok = ps.big_enough[i] & ps.not_oversized[i]
        if not ps.big_enough[i].any():
            largest = f"the largest vacant unit is {_fmt_area(area.max())}" if n_units else "there are no vacant units"
            unassigned.append(Unassigned(i, NO_UNIT_LARGE_ENOUGH, f"needs {_fmt_area(need[i])}; {largest}"))
        elif not size_ok.any():
            smallest = area[ps.big_enough[i]].min()
            unassigned.append(Unassigned(
                i, ONLY_OVERSIZED_UNITS,
                f"needs {_fmt_area(need[i])}; the smallest unit large enough is {_fmt_area(smallest)}, over "
                f"{max_oversize:g} × its need"))
        else:
            clusters = np.flatnonzero(member[i]).tolist()
            what = f"its clusters {clusters}" if clusters else "it (the firm lists no cluster)"
            unassigned.append(Unassigned(
                i, NO_UNIT_SUITS_CLUSTERS,
                f"{int(size_ok.sum())} unit(s) of the right size, none suitable for {what}"))

    return Allocation(assignments, tuple(unassigned), tuple(np.flatnonzero(holder < 0).tolist()), total)


def _outbid(i: int, ps: PairScores, holder: np.ndarray, to_free: np.ndarray, total: float) -> Unassigned:
    # all its allowed units are taken (else housing it there would raise the total): name its best one
    best = int(np.argmax(np.where(ps.allowed[i], ps.score[i], -np.inf)))
    winner = int(holder[best])
    own, theirs = float(ps.score[i, best]), float(ps.score[winner, best])
    detail = (f"all {int(ps.allowed[i].sum())} unit(s) it could take went to other firms; its best, unit {best} "
              f"(score {own:.3f}), went to firm {winner} (score {theirs:.3f})")
    # housing it = taking one of its units and emptying that unit by the cheapest chain of moves
    cost = float(np.min(np.where(ps.allowed[i], to_free - ps.score[i], np.inf)))
    if cost <= 1e-12 * max(1.0, abs(total)):  # ≥ 0 at the optimum, up to rounding
        cost = 0.0
        detail += "; an allocation with the same total would house it (a tie)"
    else:
        detail += f"; housing it would lower the total score by {cost:.3f}"
    return Unassigned(i, OUTBID, detail, best_unit=best, went_to=winner, own_score=own, holder_score=theirs,
                      cost_to_house=cost)
