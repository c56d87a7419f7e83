"""Firm → market → channel matchmaking on the registry: the inputs of :mod:`opentrade.analytics.matching` built
from records, and results with reasons for the CLI, the API and the cockpit.

* **Segment fit** of a firm comes from its classification against each segment's supply rule in the market model
  (``data/markets/model.yaml``): 1.0 when its NBS digital-economy subcategory is listed, 0.9 when its GB/T 4754
  class starts with a listed code, 0.6 when one of its 1+2+3+4 clusters is listed; the best of these, else 0.
* **Market score** per segment: the market ranking's score / 100 (default weights, regions asked for); markets the
  ranking excludes (missing data) are never recommended.
* **Channels**: per market, the best channel kind the district has there — a partner platform (1.0), an
  organisation (0.6), a friendly city (0.4): the model's ``channel_kind_points`` — or, without any, going
  direct (0.2, so the market can still be recommended, weakly). The partners giving a channel are named.
* **Firm signals**: foreign revenue share and employees in the newest year before the as-of date; the origin
  country of a foreign investor (a boost in that market).

Only active firms are matched. Contexts are cached per registry revision and regions.
"""

from __future__ import annotations

import datetime as dt
import math
import threading
from dataclasses import dataclass
from typing import Any

import numpy as np
import polars as pl
from sqlalchemy import func, select

from opentrade.analytics.matching import Matches, top_matches
from opentrade.analytics.matching import shortlist_firms as _shortlist
from opentrade.domain.vocabulary import PartnerKind
from opentrade.errors import ConfigError, NotFound
from opentrade.refdata.market_model import ModelConfig, load_model_config
from opentrade.services.markets import model_inputs, rank_markets
from opentrade.services.registry import registry_version
from opentrade.store.db import Database
from opentrade.store.models import Buyer, Enterprise, EnterpriseYear, Event, Partner

#: channel kinds, strongest first: a partner of each kind, or none ("direct")
CHANNEL_KINDS = (PartnerKind.PLATFORM.value, PartnerKind.ORGANISATION.value, PartnerKind.FRIENDLY_CITY.value, "direct")
DIRECT_STRENGTH = 0.2
FIT_DE, FIT_GBT, FIT_CLUSTER = 1.0, 0.9, 0.6
CHANNEL_NAMES = {"platform": ("合作平台", "partner platform"), "organisation": ("合作机构", "organisation"),
                 "friendly_city": ("友好城市", "friendly city"), "direct": ("直接对接", "direct")}


@dataclass(frozen=True)
class MatchContext:
    revision: int
    regions: tuple[str, ...]
    firms: pl.DataFrame  # enterprise id, uscc, names, ownership, origin_country, clusters … (row = firm index)
    segments: list[str]
    segment_names: dict[str, tuple[str, str]]  # id → (zh, en)
    markets: list[str]  # ISO alpha-3, sorted
    market_names: dict[str, tuple[str, str]]
    fit: np.ndarray  # F × G
    fit_basis: np.ndarray  # F × G codes: 0 none, 1 DE subcategory, 2 GB/T 4754, 3 cluster
    market_score: np.ndarray  # G × M
    channels: np.ndarray  # M × K
    channel_partners: dict[tuple[str, str], list[str]]  # (iso3, kind) → partner names
    share: np.ndarray
    origin: np.ndarray
    size: np.ndarray


_cache: dict[tuple, MatchContext] = {}
_lock = threading.Lock()


def context(db: Database, *, regions: tuple[str, ...] = ("asean", "lac"), as_of: dt.date | None = None
            ) -> MatchContext:
    as_of = as_of or dt.date.today()
    key = (db.url, registry_version(db), tuple(regions), as_of)
    with _lock:
        if key in _cache:
            return _cache[key]
    ctx = _build(db, tuple(regions), as_of, key[1])
    with _lock:
        _cache.clear()  # one context per process is plenty; a new revision makes the old one useless
        _cache[key] = ctx
    return ctx


def _build(db: Database, regions: tuple[str, ...], as_of: dt.date, revision: int) -> MatchContext:
    config = load_model_config()
    inputs = model_inputs(db, config=config)
    segments = list(config.segments)
    rankings = {g: rank_markets(db, segment=g, regions=regions, draws=0, inputs=inputs) for g in segments}
    names: dict[str, tuple[str, str]] = {}
    for r in rankings.values():
        for m in r.markets:
            names[m.iso3] = (m.name_zh, m.name_en)
    markets = sorted(names)
    col = {iso: j for j, iso in enumerate(markets)}
    score = np.full((len(segments), len(markets)), np.nan)
    for i, g in enumerate(segments):
        for m in rankings[g].markets:
            score[i, col[m.iso3]] = m.score / 100  # the ranking scores 0-100; matching works in 0-1
    channels, partners = _channels(db, markets, config)
    firms = _firms(db, as_of)
    fit, basis = _fit(firms, config, segments)
    origin = firms.get_column("origin_country").replace_strict(col, default=-1, return_dtype=pl.Int32).to_numpy()
    return MatchContext(
        revision, regions, firms, segments, {g: (config.segments[g].zh, config.segments[g].en) for g in segments},
        markets, names, fit, basis, score, channels, partners,
        firms.get_column("share").to_numpy().astype(float), origin,
        np.log(firms.get_column("employees").cast(pl.Float64).to_numpy().clip(1, None)))


def _channels(db: Database, markets: list[str], config: ModelConfig
              ) -> tuple[np.ndarray, dict[tuple[str, str], list[str]]]:
    col = {iso: j for j, iso in enumerate(markets)}
    strength = np.zeros((len(markets), len(CHANNEL_KINDS)))
    strength[:, CHANNEL_KINDS.index("direct")] = DIRECT_STRENGTH
    named: dict[tuple[str, str], list[str]] = {}
    with db.engine.connect() as conn:
        rows = conn.execute(select(Partner.kind, Partner.name_en, Partner.markets)).all()
    for kind, name, served in rows:
        if kind not in config.channel_kind_points:
            continue
        for iso in filter(None, (served or "").split(";")):
            if iso in col:
                strength[col[iso], CHANNEL_KINDS.index(kind)] = config.channel_kind_points[kind]
                named.setdefault((iso, kind), []).append(name)
    return strength, named


def _firms(db: Database, as_of: dt.date) -> pl.DataFrame:
    e, y = Enterprise, EnterpriseYear
    with db.engine.connect() as conn:
        latest = conn.execute(select(func.max(y.year)).where(y.year < as_of.year)).scalar()
        rows = conn.execute(
            select(e.id, e.uscc, e.name_zh, e.name_en, e.ownership, e.origin_country, e.industry_code,
                   e.de_subcategory, e.clusters, y.revenue, y.foreign_revenue, y.employees)
            .outerjoin(y, (y.enterprise_id == e.id) & (y.year == (latest or 0)))
            .where(e.status == "active", (e.established_on.is_(None)) | (e.established_on <= as_of))
            .order_by(e.id)).all()
    frame = pl.DataFrame([tuple(r) for r in rows], orient="row", infer_schema_length=None, schema={
        "id": pl.Int64, "uscc": pl.String, "name_zh": pl.String, "name_en": pl.String, "ownership": pl.String,
        "origin_country": pl.String, "industry_code": pl.String, "de_subcategory": pl.String, "clusters": pl.String,
        "revenue": pl.Float64, "foreign_revenue": pl.Float64, "employees": pl.Int64})
    share = pl.when(pl.col("revenue") > 0).then((pl.col("foreign_revenue") / pl.col("revenue")).clip(0, 1))
    return frame.with_columns(share.alias("share"))


def _fit(firms: pl.DataFrame, config: ModelConfig, segments: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """Vectorised over firms: per segment, which supply rule the firm meets (see the module docstring)."""
    fit = np.zeros((firms.height, len(segments)))
    basis = np.zeros((firms.height, len(segments)), dtype=np.int8)
    padded = pl.lit(";") + pl.col("clusters").fill_null("") + pl.lit(";")
    for i, g in enumerate(segments):
        rule = config.segments[g].supply
        de = pl.col("de_subcategory").is_in(rule.digital_economy) if rule.digital_economy else pl.lit(False)
        gbt = pl.any_horizontal([pl.col("industry_code").str.starts_with(code) for code in rule.gbt4754]) \
            if rule.gbt4754 else pl.lit(False)
        clu = pl.any_horizontal([padded.str.contains(f";{c}[;.]") for c in rule.clusters]) \
            if rule.clusters else pl.lit(False)
        code = firms.select(pl.when(de.fill_null(False)).then(1).when(gbt.fill_null(False)).then(2)
                            .when(clu.fill_null(False)).then(3).otherwise(0).cast(pl.Int8)).to_series().to_numpy()
        basis[:, i] = code
        fit[:, i] = np.choose(code, [0.0, FIT_DE, FIT_GBT, FIT_CLUSTER])
    return fit, basis


# --- results --------------------------------------------------------------------------------------------------


BASIS_TEXT = {1: ("数字经济分类", "digital-economy class"), 2: ("国民经济行业", "GB/T 4754 class"),
              3: ("1+2+3+4产业", "1+2+3+4 cluster")}


def _channel_info(ctx: MatchContext, m: int, k: int) -> dict[str, Any]:
    kind = CHANNEL_KINDS[k]
    return {"channel": kind, "channel_zh": CHANNEL_NAMES[kind][0], "channel_en": CHANNEL_NAMES[kind][1],
            "via": ctx.channel_partners.get((ctx.markets[m], kind), [])}


def _row(ctx: MatchContext, f: int, m: int, g: int, k: int, factors: dict[str, float], rank: int) -> dict[str, Any]:
    firm = ctx.firms.row(f, named=True)
    iso, seg = ctx.markets[m], ctx.segments[g]
    basis = int(ctx.fit_basis[f, g])
    return {
        "rank": rank, "uscc": firm["uscc"], "name_zh": firm["name_zh"], "name_en": firm["name_en"],
        "market": iso, "market_zh": ctx.market_names[iso][0], "market_en": ctx.market_names[iso][1],
        "segment": seg, "segment_zh": ctx.segment_names[seg][0], "segment_en": ctx.segment_names[seg][1],
        **_channel_info(ctx, m, k), "fit_basis": BASIS_TEXT.get(basis, ("", ""))[1],
        **{k2: round(float(v), 4) for k2, v in factors.items()},
        "reason": (f"fit {factors['fit']:.2f} ({BASIS_TEXT.get(basis, ('', ''))[1]}) for {ctx.segment_names[seg][1]}"
                   f" × market score {factors['market_score']:.3f} ({iso}) × channel {CHANNEL_NAMES[CHANNEL_KINDS[k]][1]}"
                   f" {factors['channel_strength']:.2f} × origin {factors['origin_boost']:.2f}"
                   f" × export {factors['export_boost']:.3f} × size {factors['size_boost']:.3f}"
                   f" = {factors['total']:.4f}"),
    }


def match_all(ctx: MatchContext, *, n: int = 3) -> Matches:
    return top_matches(ctx.fit, ctx.market_score, ctx.channels, n=n, foreign_revenue_share=ctx.share,
                       origin_market=ctx.origin, size=ctx.size)


def recommendations(db: Database, *, n: int = 3, uscc: str | None = None, limit: int | None = 200,
                    regions: tuple[str, ...] = ("asean", "lac"), as_of: dt.date | None = None) -> list[dict]:
    """Top ``n`` (market, segment, channel) per firm with reasons; one firm (``uscc``) or the first ``limit``
    firms by their best total."""
    ctx = context(db, regions=regions, as_of=as_of)
    if uscc is not None:
        idx = ctx.firms.get_column("uscc").to_list()
        code = uscc.strip().upper()
        if code not in idx:
            raise NotFound(f"no active enterprise with USCC {code}")
        rows = [idx.index(code)]
        sub = top_matches(ctx.fit[rows], ctx.market_score, ctx.channels, n=n,
                          foreign_revenue_share=ctx.share[rows], origin_market=ctx.origin[rows], size=ctx.size[rows])
        return [_row(ctx, rows[0], *_slot(sub, 0, j), j + 1) for j in range(n) if sub.market[0, j] >= 0]
    matches = match_all(ctx, n=n)
    best = np.nan_to_num(matches.total[:, 0], nan=-1.0)
    order = np.lexsort((np.arange(len(best)), -best))
    order = order[best[order] > 0][:limit]
    return [_row(ctx, int(f), *_slot(matches, int(f), j), j + 1)
            for f in order for j in range(n) if matches.market[f, j] >= 0]


def _slot(matches: Matches, f: int, j: int) -> tuple[int, int, int, dict[str, float]]:
    x = matches.factors(f, j)
    factors = {k: float(x[k]) for k in ("total", "fit", "market_score", "channel_strength", "origin_boost",
                                        "export_boost", "size_boost")}
    return int(x["market"]), int(x["segment"]), int(x["channel"]), factors


def shortlist(db: Database, *, market: str | None = None, partner_id: int | None = None,
              event_id: int | None = None, segments: list[str] | None = None, limit: int = 50,
              regions: tuple[str, ...] = ("asean", "lac"), as_of: dt.date | None = None) -> dict[str, Any]:
    """Firms to invite, best first, for a market, a partner (its markets and segments) or an event (its partner's,
    or its buyers' countries and segments). A firm appears once, at its best (market, segment)."""
    ctx = context(db, regions=regions, as_of=as_of)
    target, iso_codes, seg_ids = _target(db, market=market, partner_id=partner_id, event_id=event_id)
    seg_ids = segments or seg_ids
    unknown = [s for s in seg_ids or [] if s not in ctx.segments]
    if unknown:
        raise ConfigError(f"unknown segment(s): {', '.join(unknown)}; choose from {', '.join(ctx.segments)}")
    seg_idx = [ctx.segments.index(s) for s in seg_ids] if seg_ids else None
    ranked = [iso for iso in iso_codes if iso in ctx.markets]
    if not ranked:
        raise NotFound(f"{target}: none of its markets ({', '.join(iso_codes) or 'none'}) is ranked in the regions "
                       f"{', '.join(regions)}")
    best: dict[int, dict[str, Any]] = {}
    for iso in ranked:
        m = ctx.markets.index(iso)
        s = _shortlist(ctx.fit, ctx.market_score, ctx.channels, m, segments=seg_idx, foreign_revenue_share=ctx.share,
                       origin_market=ctx.origin, size=ctx.size, limit=limit)
        for r in range(len(s)):
            f = int(s.firm[r])
            if f in best and best[f]["total"] >= s.total[r]:
                continue
            factors = {"total": s.total[r], "fit": s.fit[r], "market_score": s.market_score[r],
                       "channel_strength": s.channel_strength, "origin_boost": s.origin_boost[r],
                       "export_boost": s.export_boost[r], "size_boost": s.size_boost[r]}
            best[f] = _row(ctx, f, m, int(s.segment[r]), s.channel, factors, 0)
    rows = sorted(best.values(), key=lambda row: (-row["total"], row["uscc"]))[:limit]
    for i, row in enumerate(rows, 1):
        row["rank"] = i
    return {"target": target, "markets": ranked, "segments": seg_ids or ctx.segments, "firms": rows}


def _target(db: Database, *, market: str | None, partner_id: int | None, event_id: int | None
            ) -> tuple[str, list[str], list[str] | None]:
    if sum(x is not None for x in (market, partner_id, event_id)) != 1:
        raise ConfigError("name exactly one of: a market, a partner or an event")
    if market is not None:
        return f"market {market.upper()}", [market.upper()], None
    with db.engine.connect() as conn:
        if partner_id is not None:
            p = conn.execute(select(Partner.name_en, Partner.markets, Partner.segments)
                             .where(Partner.id == partner_id)).one_or_none()
            if p is None:
                raise NotFound(f"no partner with id {partner_id}")
            return f"partner {p.name_en}", _split(p.markets), _split(p.segments) or None
        ev = conn.execute(select(Event.name_en, Event.partner_id).where(Event.id == event_id)).one_or_none()
        if ev is None:
            raise NotFound(f"no event with id {event_id}")
        buyers = conn.execute(select(Buyer.country, Buyer.segments).where(Buyer.event_id == event_id)).all()
    if buyers:
        isos = sorted({b.country for b in buyers if b.country})
        segs = sorted({s for b in buyers for s in _split(b.segments)})
        return f"event {ev.name_en} (its buyers)", isos, segs or None
    if ev.partner_id is not None:
        _, isos, partner_segs = _target(db, market=None, partner_id=ev.partner_id, event_id=None)
        return f"event {ev.name_en} (its partner)", isos, partner_segs
    raise NotFound(f"event {ev.name_en} has neither buyers nor a partner to derive its markets from")


def _split(text: str | None) -> list[str]:
    return [p for p in (text or "").split(";") if p]


def pair_scores(ctx: MatchContext, firm_rows: np.ndarray, buyers: list[dict[str, Any]]) -> np.ndarray:
    """Firm × buyer match scores for expo meetings: the best, over the buyer's segments, of the firm's fit × the
    score of the buyer's country for that segment (the segment's median where the country is not ranked) × the
    origin boost when the firm's investor comes from the buyer's country. 0 where the firm fits none."""
    out = np.zeros((len(firm_rows), len(buyers)))
    median = np.nanmedian(np.where(np.isfinite(ctx.market_score), ctx.market_score, np.nan), axis=1)
    for b, buyer in enumerate(buyers):
        m = ctx.markets.index(buyer["country"]) if buyer.get("country") in ctx.markets else -1
        for seg in _split(buyer.get("segments")):
            if seg not in ctx.segments:
                continue
            g = ctx.segments.index(seg)
            score = ctx.market_score[g, m] if m >= 0 and math.isfinite(ctx.market_score[g, m]) else median[g]
            boost = np.where(ctx.origin[firm_rows] == m, 1.2, 1.0) if m >= 0 else 1.0
            out[:, b] = np.maximum(out[:, b], ctx.fit[firm_rows, g] * score * boost)
    return out
