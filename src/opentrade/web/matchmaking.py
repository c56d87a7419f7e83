"""Matchmaking pages: each firm's best (market, segment, channel) with reasons, filtered and paged; shortlists of
firms to invite for a market, a partner or an event; the same rows as downloads. Only reads: the service computes,
this module filters, labels and flattens."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import polars as pl
from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from opentrade.errors import OpentradeError
from opentrade.http.access import Db
from opentrade.i18n import Translator
from opentrade.refdata.market_model import load_model_config
from opentrade.services import matchmaking, records
from opentrade.services.registry import PageResult
from opentrade.store.db import Database
from opentrade.web.names import channel_labels, segment_names
from opentrade.web.params import int_param
from opentrade.web.rendering import is_partial, render, require_public_read, translator

REGIONS = ("asean,lac", "asean", "lac")
REGION_TUPLES = {"asean,lac": ("asean", "lac"), "asean": ("asean",), "lac": ("lac",)}
MATCH_PAGE_SIZE = 25
SHORTLIST_LIMIT = 25
CHART_MARKETS = 15

#: the fit basis the service names in English → (zh, en)
BASIS = {en: (zh, en) for zh, en in matchmaking.BASIS_TEXT.values()}


# --- matchmaking ------------------------------------------------------------------------------------------------


@dataclass
class MatchQuery:
    segment: str = ""
    market: str = ""
    region: str = REGIONS[0]
    page: int = 1

    @property
    def regions(self) -> tuple[str, ...]:
        return REGION_TUPLES[self.region]

    def params(self, **override: object) -> dict[str, object]:
        out = {"segment": self.segment, "market": self.market, "region": self.region} | override
        return {k: v for k, v in out.items() if v not in ("", None)}


def parse_match_query(params: Mapping[str, str]) -> MatchQuery:
    segment = params.get("segment", "")
    market = (params.get("market") or "").strip().upper()[:3]
    region = params.get("region") or REGIONS[0]
    return MatchQuery(segment=segment if segment in load_model_config().segments else "",
                      market=market if market.isalpha() and len(market) == 3 else "",
                      region=region if region in REGION_TUPLES else REGIONS[0],
                      page=max(1, int_param(params.get("page"), 1) or 1))


def mark_synthetic(db: Database, rows: list[dict]) -> list[dict]:
    synthetic = records.synthetic_usccs(db, [r["uscc"] for r in rows])
    for r in rows:
        r["synthetic"] = r["uscc"] in synthetic
        r["basis_zh"], r["basis_en"] = BASIS.get(r.get("fit_basis") or "", ("", ""))
    return rows


def all_recommendations(db: Database, q: MatchQuery) -> list[dict]:
    """The service's recommendations (top 3 per firm, the 200 best firms) for the query's regions."""
    return matchmaking.recommendations(db, regions=q.regions)


def filter_recommendations(rows: list[dict], q: MatchQuery) -> list[dict]:
    return [r for r in rows if (not q.segment or r["segment"] == q.segment) and (not q.market or r["market"] == q.market)]


def recommendation_rows(db: Database, q: MatchQuery) -> list[dict]:
    return mark_synthetic(db, filter_recommendations(all_recommendations(db, q), q))


def match_page(rows: list[dict], q: MatchQuery) -> PageResult:
    pages = max(1, -(-len(rows) // MATCH_PAGE_SIZE))
    q.page = min(q.page, pages)
    start = (q.page - 1) * MATCH_PAGE_SIZE
    return PageResult(rows[start:start + MATCH_PAGE_SIZE], len(rows), q.page, MATCH_PAGE_SIZE)


def market_options(rows: list[dict], t: Translator) -> list[tuple[str, str]]:
    names = {r["market"]: t.pick(r["market_zh"], r["market_en"]) for r in rows}
    return sorted(names.items(), key=lambda kv: kv[1])


def channel_chart(rows: list[dict], t: Translator) -> dict[str, Any]:
    """Recommendations per market (the most recommended first), stacked by channel kind."""
    counts: dict[str, dict[str, int]] = {}
    names: dict[str, str] = {}
    for r in rows:
        counts.setdefault(r["market"], {}).setdefault(r["channel"], 0)
        counts[r["market"]][r["channel"]] += 1
        names[r["market"]] = t.pick(r["market_zh"], r["market_en"])
    top = sorted(counts, key=lambda m: (-sum(counts[m].values()), names[m]))[:CHART_MARKETS]
    labels = channel_labels(t)
    kinds = [k for k in matchmaking.CHANNEL_KINDS if any(k in counts[m] for m in top)]
    return {"categories": [names[m] for m in top], "horizontal": True, "digits": 0, "legend": True,
            "height": 110 + 34 * len(top),
            "series": [{"name": labels[k], "data": [counts[m].get(k, 0) for m in top]} for k in kinds]}


def match_frame(rows: list[dict]) -> pl.DataFrame:
    """Rows for CSV/XLSX: the partners giving the channel joined by '; ' (lists do not fit a cell)."""
    keep = ("rank", "uscc", "name_zh", "name_en", "market", "market_zh", "market_en", "segment", "segment_zh",
            "segment_en", "channel", "channel_zh", "channel_en", "via", "fit_basis", "fit", "market_score",
            "channel_strength", "origin_boost", "export_boost", "size_boost", "total", "reason")
    flat = [{k: ("; ".join(r[k]) if k == "via" else r.get(k)) for k in keep} for r in rows]
    schema = {k: (pl.Int64 if k == "rank" else pl.Float64 if k in (
        "fit", "market_score", "channel_strength", "origin_boost", "export_boost", "size_boost", "total")
        else pl.String) for k in keep}
    return pl.DataFrame(flat, schema=schema)


def shortlist_targets(db: Database, q: MatchQuery, t: Translator) -> dict[str, list[tuple[str, str]]]:
    """The shortlist's choices: ranked markets of the regions, partners, events with buyers or a partner."""
    ctx = matchmaking.context(db, regions=q.regions)
    markets = sorted(((f"market:{iso}", t.pick(*ctx.market_names[iso])) for iso in ctx.markets), key=lambda x: x[1])
    partners = [(f"partner:{p['id']}", t.pick(p["name_zh"], p["name_en"])) for p in records.partners(db)]
    events = [(f"event:{e['id']}", t.pick(e["name_zh"], e["name_en"])) for e in records.events(db)
              if e["buyers"] or e["partner"]]
    return {"market": markets, "partner": partners, "event": events}


def parse_target(value: str | None) -> dict[str, Any] | None:
    kind, _, key = (value or "").partition(":")
    if kind == "market" and key.isalpha() and len(key) == 3:
        return {"market": key.upper()}
    if kind in ("partner", "event") and key.isdigit():
        return {f"{kind}_id": int(key)}
    return None


def shortlist(db: Database, q: MatchQuery, target: dict[str, Any]) -> dict[str, Any]:
    result = matchmaking.shortlist(db, **target, segments=[q.segment] if q.segment else None,
                                   limit=SHORTLIST_LIMIT, regions=q.regions)
    mark_synthetic(db, result["firms"])
    return result



# --- pages ------------------------------------------------------------------------------------------------------

router = APIRouter(include_in_schema=False, dependencies=[Depends(require_public_read)])


def _match_context(request: Request, db: Database) -> dict[str, Any]:
    t: Translator = translator(request)
    q = parse_match_query(request.query_params)
    every = all_recommendations(db, q)
    rows = filter_recommendations(every, q)
    result = match_page(rows, q)
    mark_synthetic(db, result.rows)
    return dict(q=q, result=result, chart=channel_chart(rows, t), channels=channel_labels(t),
                market_choices=market_options(every, t), total_all=len(every))


def _shortlist_context(db: Database, q: MatchQuery, target: str) -> dict[str, Any]:
    chosen = parse_target(target)
    if chosen is None:
        return dict(shortlist=None, shortlist_error=None)
    try:
        return dict(shortlist=shortlist(db, q, chosen), shortlist_error=None)
    except OpentradeError as exc:
        return dict(shortlist=None, shortlist_error=str(exc))


@router.get("/matchmaking", name="web_matchmaking", response_class=HTMLResponse)
def matchmaking_page(request: Request, db: Db) -> HTMLResponse:
    context = _match_context(request, db)
    if is_partial(request):
        return render(request, "_matchmaking_results.html", **context)
    t: Translator = translator(request)
    target = request.query_params.get("target", "")
    return render(request, "matchmaking.html", page="matchmaking", segments=segment_names(t),
                  regions=REGIONS, targets=shortlist_targets(db, context["q"], t), target=target,
                  **_shortlist_context(db, context["q"], target), **context)


@router.get("/matchmaking/shortlist", name="web_shortlist", response_class=HTMLResponse)
def shortlist_page(request: Request, db: Db) -> HTMLResponse:
    q = parse_match_query(request.query_params)
    target = request.query_params.get("target", "")
    return render(request, "_shortlist.html", q=q, target=target, channels=channel_labels(translator(request)),
                  **_shortlist_context(db, q, target))
