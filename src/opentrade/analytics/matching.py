"""Firm → (market, segment, channel) matching: each firm's best foreign markets, and each market's best firms.

Model. For firm f, service segment g and market m::

    total(f, g, m) = fit[f, g] × market[g, m] × channel[m] × origin(f, m) × export(f) × size(f)

* ``fit`` ∈ [0, 1]: how well the firm's industry classification fits segment g (most firms fit 1–2 segments).
* ``market`` ∈ [0, 1]: the market ranking's score of m for g. NaN = not ranked or excluded: never recommended.
* ``channel[m] = max_k channels[m, k]``: the strength of the district's best channel into m, and that k is the
  channel recommended (the lowest k on a tie). The caller passes a "direct / none" column holding a small
  constant, so a market without partners can still be recommended, weakly; adding a partner platform for m
  raises the maximum, so m climbs for every firm that fits it and the channel shown becomes the platform.
  A market whose channels are all 0 is never recommended.
* ``origin(f, m)`` = ``origin_boost`` (default 1.2) in the market the firm's foreign investor comes from, else 1.
* ``export(f)`` = 1 + ``export_weight`` · foreign revenue share (default 0.25): firms already selling abroad are
  readier. ``size(f)`` = 1 + ``size_weight`` · clip((size − lo) / (hi − lo), 0, 1) (default 0.1 over log
  employees 0 … ln 1000). An unknown share or size earns no bonus (multiplier 1, the same as 0): a bonus is
  earned by data. Both are firm-wide: they never reorder a firm's own list, they rank firms against each
  other in ``shortlist_firms``.

Every factor is reported, so a reason reads "fit 0.90 for ICT × market score 0.71 (VNM) × channel: partner
platform 1.00 × origin-country boost 1.20 = 0.767", and the factors multiply to the total. Only triples with
total > 0 are recommended, so a firm may get fewer than n (empty slots hold index -1 and NaN).

Tie rule: the higher total first; on equal totals the lower segment index, then the lower market index
(markets come sorted by ISO code) — the order a loop "for each segment, for each market" meets them. So that
"equal" means the same everywhere, the total is evaluated in one fixed order,
``(fit × (market × channel)) × ((origin × export) × size)``, by the vectorised code and by the reference loop
``top_matches_loop`` alike, and both pick identical triples, bit for bit.

Speed (``top_matches``): outside its origin market a firm's totals in segment g are a × pair[g, m] × s, with
a and s its own constants, so the segment's markets rank for every firm in the order of pair[g, ·] and its
top n is the head of that order; a firm's top n is then a merge of G short sorted lists. Where rounding could
make that shortcut differ from the definition (two equal totals out of market order, the n-th equal to the
(n+1)-th) and in the firm's origin market, the (firm, segment) pair is computed over all markets instead.
Firms are processed a chunk at a time with firms along the last axis, so that each step is an elementwise
pass over a contiguous row. The result keeps indices, totals and fits; the other factors are derived
from the indices when first read.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np

from opentrade.errors import ConfigError

__all__ = ["MatchParams", "Matches", "Shortlist", "shortlist_firms", "top_matches", "top_matches_loop"]

DEFAULT_CHUNK = 8192  # firms per block: a block's G × (n+1) × chunk work arrays stay within the L2 cache


@dataclass(frozen=True)
class MatchParams:
    origin_boost: float = 1.2  # multiplier in the investor's home market
    export_weight: float = 0.25  # export(f) = 1 + w · foreign revenue share
    size_weight: float = 0.1  # size(f) = 1 + w · size scaled to [0, 1] over size_range
    size_range: tuple[float, float] = (0.0, math.log(1000))  # log employees: 1 … 1000 people

    def __post_init__(self) -> None:
        if not (math.isfinite(self.origin_boost) and self.origin_boost > 0):
            raise ConfigError(f"origin_boost must be a positive number, got {self.origin_boost!r}")
        for name in ("export_weight", "size_weight"):
            w = getattr(self, name)
            if not (math.isfinite(w) and w >= 0):
                raise ConfigError(f"{name} must be a finite number ≥ 0, got {w!r}")
        lo, hi = self.size_range
        if not (math.isfinite(lo) and math.isfinite(hi) and lo < hi):
            raise ConfigError(f"size_range must be two finite numbers lo < hi, got {self.size_range!r}")


# ---------------------------------------------------------------------------------------------------------
# Inputs


@dataclass(frozen=True)
class _Model:
    fit: np.ndarray  # F × G
    market_score: np.ndarray  # G × M, NaN kept (a copy)
    pair: np.ndarray  # G × M: market × channel, 0 where the market cannot be recommended
    best_channel: np.ndarray  # M, int32
    strength: np.ndarray  # M
    origin: np.ndarray  # F, -1 = none
    export: np.ndarray  # F
    size: np.ndarray  # F
    plain: np.ndarray  # F: (1 × export) × size, the signal outside the origin market
    boosted: np.ndarray  # F: (origin_boost × export) × size
    boost: float


def _vector(x: Any, n: int, name: str) -> np.ndarray:
    v = np.asarray(x, dtype=np.float64)
    if v.shape != (n,):
        raise ConfigError(f"{name} must have one value per firm ({n}), got shape {v.shape}")
    return v


def _model(fit: Any, market_score: Any, channels: Any, share: Any, origin: Any, size: Any,
           params: MatchParams) -> _Model:
    fit = np.ascontiguousarray(fit, dtype=np.float64)
    ms = np.array(market_score, dtype=np.float64)  # a copy: results read it later
    ch = np.asarray(channels, dtype=np.float64)
    if fit.ndim != 2 or ms.ndim != 2 or ch.ndim != 2:
        raise ConfigError("fit (firms × segments), market_score (segments × markets) and channels "
                          "(markets × channel kinds) must be 2-D arrays")
    n_firms, n_seg = fit.shape
    if ms.shape[0] != n_seg:
        raise ConfigError(f"market_score has {ms.shape[0]} segment rows, fit has {n_seg} segment columns")
    n_mkt = ms.shape[1]
    if ch.shape[0] != n_mkt:
        raise ConfigError(f"channels has {ch.shape[0]} market rows, market_score has {n_mkt} market columns")
    if ch.shape[1] == 0 and n_mkt:
        raise ConfigError("channels needs at least one kind (e.g. a 'direct' column with a small constant)")
    # min and max propagate NaN, and NaN fails both comparisons: two passes check finiteness and range
    if fit.size and not (fit.min() >= 0 and fit.max() <= 1):
        raise ConfigError("fit must be finite and within [0, 1]")
    if not np.all(np.isnan(ms) | ((ms >= 0) & (ms <= 1))):
        raise ConfigError("market_score must be within [0, 1] (NaN = not ranked)")
    if not (np.isfinite(ch).all() and (ch >= 0).all()):
        raise ConfigError("channel strengths must be finite and ≥ 0")

    # the first maximum: the lowest kind on a tie
    best = (ch.argmax(axis=1) if n_mkt else np.zeros(0, dtype=np.intp)).astype(np.int32)
    strength = ch[np.arange(n_mkt), best]
    pair = ms * strength[None, :]
    pair[np.isnan(pair)] = 0.0

    if share is None:
        export = np.ones(n_firms)
    else:
        s = _vector(share, n_firms, "foreign_revenue_share")
        if not np.all(np.isnan(s) | ((s >= 0) & (s <= 1))):
            raise ConfigError("foreign_revenue_share must be within [0, 1] (NaN = unknown)")
        export = np.where(np.isnan(s), 1.0, 1.0 + params.export_weight * s)
    if size is None:
        size_m = np.ones(n_firms)
    else:
        z = _vector(size, n_firms, "size")
        if np.isinf(z).any():
            raise ConfigError("size must be finite (NaN = unknown)")
        lo, hi = params.size_range
        scaled = np.clip((z - lo) / (hi - lo), 0.0, 1.0)
        size_m = np.where(np.isnan(z), 1.0, 1.0 + params.size_weight * scaled)
    if origin is None:
        org = np.full(n_firms, -1, dtype=np.intp)
    else:
        o = np.asarray(origin)
        if o.shape != (n_firms,) or (o.size and not np.issubdtype(o.dtype, np.integer)):
            raise ConfigError(f"origin_market must be {n_firms} integers (a market index, or -1 for none)")
        if o.size and (o.min() < -1 or o.max() >= n_mkt):
            raise ConfigError(f"origin_market must be -1 or a market index below {n_mkt}")
        org = o.astype(np.intp)
    boost = float(params.origin_boost)
    return _Model(fit, ms, pair, best, strength, org, export, size_m,
                  (1.0 * export) * size_m, (boost * export) * size_m, boost)


# ---------------------------------------------------------------------------------------------------------
# Results


def _text(fit: float, segment: str, market_score: float, market: str, strength: float, channel: str,
          origin: float, export: float, size: float, total: float) -> str:
    parts = [f"fit {fit:.2f} for {segment}", f"market score {market_score:.2f} ({market})",
             f"channel: {channel} {strength:.2f}"]
    # multipliers equal to 1 are left out: the product is unchanged
    if origin != 1.0:
        parts.append(f"origin-country boost {origin:.2f}")
    if export != 1.0:
        parts.append(f"export experience {export:.2f}")
    if size != 1.0:
        parts.append(f"size {size:.2f}")
    return " × ".join(parts) + f" = {total:.3f}"


def _readonly(a: np.ndarray) -> np.ndarray:
    a.flags.writeable = False
    return a


@dataclass(frozen=True)
class Matches:
    """Each firm's top n: F × n arrays, slot j holding the firm's (j+1)-th recommendation; -1 / NaN in slots a
    firm could not fill.

    total = fit × market_score × channel_strength × origin_boost × export_boost × size_boost (the factor arrays
    are computed from the indices when first read, and kept)."""

    market: np.ndarray  # int32
    segment: np.ndarray  # int32
    total: np.ndarray
    fit: np.ndarray  # the one factor kept from the start: the others come from the model's own small arrays
    _model: _Model = field(repr=False, compare=False)  # fit there is the caller's array: not read again

    def __len__(self) -> int:
        return self.market.shape[0]

    @cached_property
    def count(self) -> np.ndarray:
        """Number of recommendations per firm (≤ n)."""
        return _readonly((self.market >= 0).sum(axis=1))

    def _factor(self, kind: str) -> np.ndarray:
        """One factor for every slot, built a block of firms at a time so that temporaries stay small."""
        mo = self._model
        n_firms, n = self.market.shape
        n_mkt = mo.market_score.shape[1]
        getters = {  # (market, segment, firm rows, gather indices m and g) → values
            "channel": lambda mk, rows, m, g: mo.best_channel.take(m),
            "market_score": lambda mk, rows, m, g: mo.market_score.take(g * n_mkt + m),
            "channel_strength": lambda mk, rows, m, g: mo.strength.take(m),
            "origin_boost": lambda mk, rows, m, g: np.where(mo.origin[rows, None] == mk, mo.boost, 1.0),
            "export_boost": lambda mk, rows, m, g: mo.export[rows, None],
            "size_boost": lambda mk, rows, m, g: mo.size[rows, None],
        }
        out = np.empty((n_firms, n), dtype=np.int32 if kind == "channel" else np.float64)
        for start in range(0, n_firms, DEFAULT_CHUNK):
            rows = slice(start, start + DEFAULT_CHUNK)
            mk = self.market[rows]
            m, g = np.maximum(mk, 0), np.maximum(self.segment[rows], 0).astype(np.intp)
            block = out[rows]
            block[...] = getters[kind](mk, rows, m, g)
            np.copyto(block, -1 if kind == "channel" else np.nan, where=mk < 0)
        return _readonly(out)

    @cached_property
    def channel(self) -> np.ndarray:
        return self._factor("channel")

    @cached_property
    def market_score(self) -> np.ndarray:
        return self._factor("market_score")

    @cached_property
    def channel_strength(self) -> np.ndarray:
        return self._factor("channel_strength")

    @cached_property
    def origin_boost(self) -> np.ndarray:
        return self._factor("origin_boost")

    @cached_property
    def export_boost(self) -> np.ndarray:
        return self._factor("export_boost")

    @cached_property
    def size_boost(self) -> np.ndarray:
        return self._factor("size_boost")

    def factors(self, firm: int, slot: int) -> dict[str, float | int]:
        """One recommendation's indices and factors (without computing the F × n arrays)."""
        mo, f = self._model, firm
        m, g = int(self.market[f, slot]), int(self.segment[f, slot])
        if m < 0:
            return {}
        return {"market": m, "segment": g, "channel": int(mo.best_channel[m]), "total": float(self.total[f, slot]),
                "fit": float(self.fit[f, slot]), "market_score": float(mo.market_score[g, m]),
                "channel_strength": float(mo.strength[m]),
                "origin_boost": mo.boost if mo.origin[f] == m else 1.0,
                "export_boost": float(mo.export[f]), "size_boost": float(mo.size[f])}

    def reason(self, firm: int, slot: int, *, segments: Sequence[str], markets: Sequence[str],
               channels: Sequence[str]) -> str:
        """The firm's recommendation in ``slot`` as a sentence whose factors multiply to the total."""
        x = self.factors(firm, slot)
        if not x:
            return "no recommendation"
        return _text(x["fit"], segments[int(x["segment"])], x["market_score"], markets[int(x["market"])],
                     x["channel_strength"], channels[int(x["channel"])], x["origin_boost"], x["export_boost"],
                     x["size_boost"], x["total"])


@dataclass(frozen=True)
class Shortlist:
    """One market's firms, best first: arrays of length ≤ F aligned with ``firm``.

    Each firm appears at its best segment for the market (among those asked for), with the same total that
    ``top_matches`` computes for that (firm, segment, market)."""

    market: int
    channel: int  # the market's best channel, the same for every firm
    channel_strength: float
    firm: np.ndarray
    segment: np.ndarray
    total: np.ndarray
    fit: np.ndarray
    market_score: np.ndarray
    origin_boost: np.ndarray
    export_boost: np.ndarray
    size_boost: np.ndarray

    def __len__(self) -> int:
        return self.firm.shape[0]

    def reason(self, rank: int, *, segments: Sequence[str], markets: Sequence[str],
               channels: Sequence[str]) -> str:
        r = rank
        return _text(self.fit[r], segments[self.segment[r]], self.market_score[r], markets[self.market],
                     self.channel_strength, channels[self.channel], self.origin_boost[r],
                     self.export_boost[r], self.size_boost[r], self.total[r])


# ---------------------------------------------------------------------------------------------------------
# Firm → markets


def _top_n(v: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Top n of each column of v (candidates × items, values ≥ 0, C-contiguous; overwritten): candidate
    indices and values, n × items, the lower candidate first among equal values; value -1 once a column has
    run out. Items run along rows so that every step is an elementwise pass over contiguous memory."""
    n_cand, items = v.shape
    # the first maximum = the maximum of (is a maximum) × (descending weight), again a reduction along axis 0
    weight = np.arange(n_cand, 0, -1, dtype=np.uint8 if n_cand < 256 else np.int64)[:, None]
    flat = v.reshape(-1)
    base = np.arange(items)
    idx = np.empty((n, items), dtype=np.intp)
    val = np.empty((n, items))
    for s in range(n):
        top = v.max(axis=0)
        first = n_cand - ((v == top) * weight).max(axis=0).astype(np.intp)
        idx[s], val[s] = first, top
        flat[first * items + base] = -1.0
    return idx, val


def _result(mo: _Model, market: np.ndarray, segment: np.ndarray, total: np.ndarray,
            fit: np.ndarray | None = None) -> Matches:
    if fit is None:
        fit = np.take_along_axis(mo.fit, np.maximum(segment, 0).astype(np.intp), axis=1)
        fit[market < 0] = np.nan
    return Matches(_readonly(market), _readonly(segment), _readonly(total), _readonly(fit), mo)


def top_matches(
    fit: Any, market_score: Any, channels: Any, *, n: int = 3,
    foreign_revenue_share: Any = None, origin_market: Any = None, size: Any = None,
    params: MatchParams | None = None, chunk: int = DEFAULT_CHUNK,
) -> Matches:
    """Each firm's top ``n`` (market, segment, channel) triples with their factors (see the module docstring).

    ``fit`` F × G, ``market_score`` G × M (NaN = excluded), ``channels`` M × K; optional firm signals of length F:
    ``foreign_revenue_share`` (NaN unknown), ``origin_market`` (market index or -1), ``size`` (NaN unknown).
    Works on ``chunk`` firms at a time."""
    if n < 1 or chunk < 1:
        raise ConfigError("n and chunk must be at least 1")
    mo = _model(fit, market_score, channels, foreign_revenue_share, origin_market, size,
                params or MatchParams())
    n_firms, n_seg = mo.fit.shape
    n_mkt = mo.pair.shape[1]
    out_m = np.empty((n_firms, n), dtype=np.int32)
    out_g = np.empty((n_firms, n), dtype=np.int32)
    out_t = np.empty((n_firms, n))
    out_f = np.empty((n_firms, n))
    if not (n_firms and n_seg and n_mkt):
        out_m.fill(-1)
        out_g.fill(-1)
        out_t.fill(np.nan)
        out_f.fill(np.nan)
        return _result(mo, out_m, out_g, out_t, out_f)

    # Each segment's markets that can be recommended (pair > 0), best first, the lower market on equal pair:
    # the head of that order (n + 1 long, the last one only to check the n-th against) is the segment's top
    # n for every firm but those sent to the exact path below.
    cols = [np.flatnonzero(mo.pair[g] > 0) for g in range(n_seg)]
    head_m = np.full((n_seg, n + 1), -1, dtype=np.intp)
    head_p = np.zeros((n_seg, n + 1))
    for g, c in enumerate(cols):
        ranked = c[np.lexsort((c, -mo.pair[g, c]))][: n + 1]
        head_m[g, : ranked.size] = ranked
        head_p[g, : ranked.size] = mo.pair[g, ranked]
    tail = np.array([c.size > n for c in cols])[:, None]
    # places j, j+1 of a head whose markets descend: a tie there, made by rounding, would be out of tie order
    swaps = [(g, j) for g in range(n_seg) for j in range(n - 1)
             if head_m[g, j + 1] >= 0 and head_m[g, j] > head_m[g, j + 1]]
    row_of = np.full((n_seg, n_mkt + 1), -1, dtype=np.intp)  # market → its row in cols[g]; origin -1 → -1
    for g, c in enumerate(cols):
        row_of[g, c] = np.arange(c.size)
    open_ = np.hstack([mo.pair > 0, np.zeros((n_seg, 1), dtype=bool)])  # G × (M + 1): origin -1 → closed

    for start in range(0, n_firms, chunk):
        stop = min(start + chunk, n_firms)
        items = stop - start
        ft = np.ascontiguousarray(mo.fit[start:stop].T)  # segment × firm
        plain = mo.plain[start:stop]
        origin = mo.origin[start:stop]
        v = head_p[:, :n, None] * ft[:, None, :]  # segment × place × firm: (a × pair) …
        v *= plain  # … × signal, in the order of the definition
        cand_m = np.broadcast_to(head_m[:, :n, None], v.shape)

        exact = open_[:, origin] & (ft > 0)
        if tail.any():
            after = head_p[:, n, None] * ft
            after *= plain
            exact |= (v[:, n - 1] == after) & (after > 0) & tail
        for g, j in swaps:
            exact[g] |= (v[g, j] == v[g, j + 1]) & (v[g, j + 1] > 0)
        if exact.any():
            cand_m = cand_m.copy()
            for g in range(n_seg):
                rows = np.flatnonzero(exact[g])
                if not rows.size:
                    continue
                c = cols[g]
                a = ft[g, rows]
                w = mo.pair[g, c][:, None] * a  # market × firm
                w *= plain[rows]
                # the origin market: the same product with the boosted signal
                pos = row_of[g, origin[rows]]
                hit = np.flatnonzero(pos >= 0)
                w[pos[hit], hit] = (a[hit] * mo.pair[g, c[pos[hit]]]) * mo.boosted[start + rows[hit]]
                k = min(n, c.size)
                idx, val = _top_n(w, k)
                v[g][:k, rows] = val
                v[g][k:, rows] = 0.0
                cand_m[g][:k, rows] = c[idx]

        # merge: candidate g·n + j; the lower candidate wins a tie, that is the lower segment, then the lower
        # place, which within a segment is the lower market
        idx, val = _top_n(v.reshape(n_seg * n, items), n)
        ok = val > 0
        out_m[start:stop] = np.where(ok, cand_m.reshape(n_seg * n, items)[idx, np.arange(items)], -1).T
        seg = idx // n
        out_g[start:stop] = np.where(ok, seg, -1).T
        out_t[start:stop] = np.where(ok, val, np.nan).T
        out_f[start:stop] = np.where(ok, ft.reshape(-1)[seg * items + np.arange(items)], np.nan).T
    return _result(mo, out_m, out_g, out_t, out_f)


def top_matches_loop(
    fit: Any, market_score: Any, channels: Any, *, n: int = 3,
    foreign_revenue_share: Any = None, origin_market: Any = None, size: Any = None,
    params: MatchParams | None = None,
) -> Matches:
    """The same as ``top_matches``, written as the plain per-firm loop: for each firm, for each segment, for
    each market, compute the score and keep the best n. The specification the vectorised code is tested
    against, and the benchmark's peer (tens of µs a firm). Firm-independent parts (each market's best
    channel, market × channel, the firm multipliers' inputs) are prepared once, as anyone would."""
    p = params or MatchParams()
    mo = _model(fit, market_score, channels, None, None, None, p)  # validation and the best channels
    n_firms, n_seg = mo.fit.shape
    n_mkt = mo.pair.shape[1]
    fit_l = mo.fit.tolist()
    ms = mo.market_score.tolist()
    strength = mo.strength.tolist()
    pair = [[(0.0 if ms[g][m] != ms[g][m] else ms[g][m] * strength[m]) for m in range(n_mkt)]
            for g in range(n_seg)]
    share = [math.nan] * n_firms if foreign_revenue_share is None else list(map(float, foreign_revenue_share))
    sizes = [math.nan] * n_firms if size is None else list(map(float, size))
    origins = [-1] * n_firms if origin_market is None else list(map(int, origin_market))
    lo, hi = p.size_range

    out_m = np.full((n, n_firms), -1, dtype=np.intp)
    out_g = np.full((n, n_firms), -1, dtype=np.intp)
    out_t = np.full((n, n_firms), np.nan)
    for f in range(n_firms):
        e = 1.0 if share[f] != share[f] else 1.0 + p.export_weight * share[f]
        z = sizes[f]
        z = 1.0 if z != z else 1.0 + p.size_weight * min(max((z - lo) / (hi - lo), 0.0), 1.0)
        plain, boosted, o = (1.0 * e) * z, (p.origin_boost * e) * z, origins[f]
        row = fit_l[f]
        best: list[tuple[float, int, int]] = []  # (total, g, m), best first
        for g in range(n_seg):
            for m in range(n_mkt):
                t = row[g] * pair[g][m] * (boosted if m == o else plain)
                # strictly better than the last kept: a later (g, m) never displaces an equal earlier one
                if t > 0 and (len(best) < n or t > best[-1][0]):
                    i = len(best)
                    while i > 0 and best[i - 1][0] < t:
                        i -= 1
                    best.insert(i, (t, g, m))
                    del best[n:]
        for j, (t, g, m) in enumerate(best):
            out_t[j, f], out_g[j, f], out_m[j, f] = t, g, m
    mo = _model(fit, market_score, channels, foreign_revenue_share, origin_market, size, p)
    return _result(mo, out_m.T.astype(np.int32), out_g.T.astype(np.int32), out_t.T.copy())


# ---------------------------------------------------------------------------------------------------------
# Market → firms


def shortlist_firms(
    fit: Any, market_score: Any, channels: Any, market: int, *,
    segments: int | Sequence[int] | None = None, eligible: Any = None,
    foreign_revenue_share: Any = None, origin_market: Any = None, size: Any = None,
    params: MatchParams | None = None, limit: int | None = None,
) -> Shortlist:
    """The firms to approach for one ``market``, best first (ties: lower firm index first).

    Each firm is scored at its best segment for the market among ``segments`` (default all; lowest segment on a
    tie), with the same total as ``top_matches``. ``eligible`` (a boolean mask of length F, or firm indices)
    restricts the firms; firms with total 0 are left out; ``limit`` keeps the first ones."""
    mo = _model(fit, market_score, channels, foreign_revenue_share, origin_market, size,
                params or MatchParams())
    n_firms, n_seg = mo.fit.shape
    n_mkt = mo.pair.shape[1]
    if not (isinstance(market, int | np.integer) and 0 <= market < n_mkt):
        raise ConfigError(f"market must be a market index below {n_mkt}, got {market!r}")
    if limit is not None and limit < 0:
        raise ConfigError("limit must be ≥ 0")
    seg = np.arange(n_seg) if segments is None else np.unique(np.atleast_1d(np.asarray(segments)))
    if seg.size and (not np.issubdtype(seg.dtype, np.integer) or seg.min() < 0 or seg.max() >= n_seg):
        raise ConfigError(f"segments must be segment indices below {n_seg}")
    seg = seg.astype(np.intp)
    if eligible is None:
        firms = np.arange(n_firms)
    else:
        e = np.asarray(eligible)
        if e.dtype == bool:
            if e.shape != (n_firms,):
                raise ConfigError(f"an eligible mask needs one value per firm ({n_firms})")
            firms = np.flatnonzero(e)
        elif e.size == 0 or np.issubdtype(e.dtype, np.integer):
            firms = np.unique(e.astype(np.intp))
            if firms.size and (firms[0] < 0 or firms[-1] >= n_firms):
                raise ConfigError(f"eligible firm indices must be below {n_firms}")
        else:
            raise ConfigError("eligible must be a boolean mask or firm indices")

    fit_rows = mo.fit if firms.size == n_firms else mo.fit[firms]
    signal = np.where(mo.origin[firms] == market, mo.boosted[firms], mo.plain[firms])
    total = np.zeros(firms.size)
    best = np.zeros(firms.size, dtype=np.intp)
    for g in seg:  # ascending, and only a strictly higher total replaces: the lower segment keeps a tie
        t = fit_rows[:, g] * mo.pair[g, market]
        t *= signal
        better = t > total
        np.copyto(total, t, where=better)
        best[better] = g
    keep = np.flatnonzero(total > 0)
    order = keep[np.argsort(-total[keep], kind="stable")]  # firms ascend, so ties keep the lower index
    if limit is not None:
        order = order[:limit]
    f, g = firms[order], best[order]
    return Shortlist(
        market=int(market), channel=int(mo.best_channel[market]),
        channel_strength=float(mo.strength[market]),
        **{k: _readonly(a) for k, a in dict(
            firm=f, segment=g, total=total[order], fit=mo.fit[f, g], market_score=mo.market_score[g, market],
            origin_boost=np.where(mo.origin[f] == market, mo.boost, 1.0), export_boost=mo.export[f],
            size_boost=mo.size[f],
        ).items()},
    )
