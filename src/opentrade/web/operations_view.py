"""Operations pages' data: matchmaking rows and shortlists, channels per market, the pipeline board and its KPI
cards, the space allocation, expo buyers and meetings — shaped for the templates and for the exports.

Only reads: the services compute, this module filters, labels and flattens. Every label comes from the
catalogues (``t(...)`` with literal keys, so the catalogue test sees them) or from the bilingual names the
services and reference data carry.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

import polars as pl

from opentrade.domain.vocabulary import PIPELINE_STAGES
from opentrade.errors import ConfigError
from opentrade.i18n import Translator
from opentrade.refdata.market_model import load_model_config
from opentrade.refdata.reference import load_reference
from opentrade.refdata.standards import load_taxonomy
from opentrade.services import expo, matchmaking, pipeline, space
from opentrade.store.db import Database
from opentrade.web import queries

REGIONS = ("asean,lac", "asean", "lac")
REGION_TUPLES = {"asean,lac": ("asean", "lac"), "asean": ("asean",), "lac": ("lac",)}
MATCH_PAGE_SIZE = 25
SHORTLIST_LIMIT = 25
CHART_MARKETS = 15
STAGES = PIPELINE_STAGES
MEETING_ORDERS = ("slot", "firm", "buyer")


def parse_date(value: str | None) -> dt.date | None:
    """An ISO date from a query parameter; None when absent; ConfigError when malformed."""
    if value in (None, ""):
        return None
    try:
        return dt.date.fromisoformat(value.strip()[:10])
    except ValueError as exc:
        raise ConfigError(f"as_of must be a date YYYY-MM-DD, got {value[:40]!r}") from exc


def _int(value: str | None, default: int | None = None) -> int | None:
    try:
        return int(value) if value not in (None, "") else default
    except ValueError:
        return default


# --- names ------------------------------------------------------------------------------------------------------


@cache
def _countries() -> dict[str, tuple[str, str]]:
    c = load_reference().countries
    return {iso: (zh, en) for iso, zh, en in c.select("iso3", "name_zh", "name_en").iter_rows()}


def country_name(t: Translator, iso3: str | None) -> str:
    if not iso3:
        return ""
    zh, en = _countries().get(iso3, (iso3, iso3))
    return t.pick(zh, en)


def segment_names(t: Translator) -> dict[str, str]:
    return {sid: t.pick(seg.zh, seg.en) for sid, seg in load_model_config().segments.items()}


def cluster_names(t: Translator) -> dict[str, str]:
    return {c.id: t.pick(c.name_zh, c.name_en) for c in load_taxonomy().clusters}


def split(text: str | None) -> list[str]:
    return [p for p in (text or "").split(";") if p]


def channel_labels(t: Translator) -> dict[str, str]:
    return {"platform": t("mm.channel_platform"), "organisation": t("mm.channel_organisation"),
            "friendly_city": t("mm.channel_friendly_city"), "direct": t("mm.channel_direct")}


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
                      page=max(1, _int(params.get("page"), 1) or 1))


def mark_synthetic(db: Database, rows: list[dict]) -> list[dict]:
    synthetic = queries.synthetic_usccs(db, [r["uscc"] for r in rows])
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


def match_page(rows: list[dict], q: MatchQuery) -> queries.Page:
    pages = max(1, -(-len(rows) // MATCH_PAGE_SIZE))
    q.page = min(q.page, pages)
    start = (q.page - 1) * MATCH_PAGE_SIZE
    return queries.Page(rows[start:start + MATCH_PAGE_SIZE], len(rows), q.page, MATCH_PAGE_SIZE)


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
    partners = [(f"partner:{p['id']}", t.pick(p["name_zh"], p["name_en"])) for p in queries.partners(db)]
    events = [(f"event:{e['id']}", t.pick(e["name_zh"], e["name_en"])) for e in queries.events(db)
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


# --- partners: channels per market -----------------------------------------------------------------------------


def market_channels(partner_rows: list[dict], t: Translator) -> list[dict[str, Any]]:
    """Per market a partner serves: the partners by channel kind, strongest kind first (the matchmaking's
    ``channel_kind_points``: platform > organisation > friendly city)."""
    points = load_model_config().channel_kind_points
    by_market: dict[str, dict[str, list[dict]]] = {}
    for p in partner_rows:
        for iso in split(p["markets"]):
            by_market.setdefault(iso, {}).setdefault(p["kind"], []).append(p)
    labels = channel_labels(t)
    out = []
    for iso, kinds in by_market.items():
        ordered = sorted(kinds, key=lambda k: (-points.get(k, 0.0), k))
        out.append({"iso3": iso, "name": country_name(t, iso), "best": labels.get(ordered[0], ordered[0]),
                    "strength": points.get(ordered[0]),
                    "channels": [{"kind": labels.get(k, k), "partners": kinds[k]} for k in ordered]})
    return sorted(out, key=lambda m: (-(m["strength"] or 0.0), m["name"]))


# --- pipeline ---------------------------------------------------------------------------------------------------


def _rate_note(p: dict[str, Any]) -> dict[str, Any]:
    rates = [r for r in (p.get("rate_cny"), p.get("rate_usd")) if r and r["kind"] != "identity"]
    return {"rate_dates": sorted({r["on_date"] for r in rates}), "rate_sources": "; ".join(
        dict.fromkeys(r["source"] for r in rates))}


def board(db: Database, as_of: dt.date) -> dict[str, Any]:
    data = pipeline.pipeline_board(db, as_of=as_of)
    by_stage = {col["stage"]: col for col in data["stages"]}
    columns = []
    for stage in [*STAGES, *(s for s in by_stage if s not in STAGES)]:
        col = by_stage.get(stage) or {"stage": stage, "count": 0, "value_cny": 0.0, "value_usd": 0.0,
                                      "missing_cny": 0, "missing_usd": 0, "no_amount": 0, "projects": []}
        col["projects"] = [p | _rate_note(p) for p in col["projects"]]
        columns.append(col)
    return {"as_of": as_of, "columns": columns, "provenance": data["provenance"],
            "rests_on_synthetic": data["rests_on_synthetic"]}


def value_chart(columns: list[dict[str, Any]], t: Translator) -> dict[str, Any]:
    return {"categories": [t("stage." + c["stage"]) if t.has("stage." + c["stage"]) else c["stage"]
                           for c in columns],
            "series": [{"name": t("pipe.value_cny"), "data": [round(c["value_cny"], 2) for c in columns]}],
            "currency": "CNY", "horizontal": False}


def kpi_cards(db: Database, as_of: dt.date, t: Translator) -> list[dict[str, Any]]:
    """The operations figures as cards: a localised headline and line, the service's provenance kept verbatim."""
    k = pipeline.pipeline_kpis(db, as_of=as_of)
    pv, cv, er, ac, od = (k["pipeline_value"], k["conversion"], k["enquiry_response"], k["aftercare"],
                          k["overdue_next_actions"])
    hours = er["median_hours"]
    return [
        {"id": "pipeline_value", "name": t("pipe.kpi_value"),
         "value": t.money(pv["total_cny"], "CNY", compact=True) if pv["projects"] else t.missing(),
         "line": t("pipe.kpi_value_line", usd=t.money(pv["total_usd"], "USD", compact=True),
                   n=t.number(pv["projects"])),
         "provenance": pv["provenance"], "synthetic": pv["rests_on_synthetic"]},
        {"id": "conversion", "name": t("pipe.kpi_conversion"), "value": t.percent(cv["value"]),
         "line": t("pipe.kpi_conversion_line", converted=t.number(cv["converted"]), left=t.number(cv["left_lead"])),
         "provenance": cv["provenance"], "synthetic": cv["rests_on_synthetic"]},
        {"id": "enquiry_response", "name": t("pipe.kpi_response"),
         "value": t("pipe.hours", n=t.number(hours, 1)) if hours is not None else t.missing(),
         "line": t("pipe.kpi_response_line", answered=t.number(er["answered"]), open=t.number(er["unanswered"])),
         "provenance": er["provenance"], "synthetic": er["rests_on_synthetic"]},
        {"id": "aftercare", "name": t("pipe.kpi_aftercare"), "value": t.number(ac["visits"]),
         "line": t("pipe.kpi_aftercare_line", firms=t.number(ac["firms"]), coverage=t.percent(ac["coverage"])),
         "provenance": ac["provenance"], "synthetic": ac["rests_on_synthetic"]},
        {"id": "overdue", "name": t("pipe.kpi_overdue"), "value": t.number(od["count"]),
         "line": t("pipe.kpi_overdue_line"), "provenance": od["provenance"], "synthetic": od["rests_on_synthetic"]},
    ]


def board_frame(db: Database, as_of: dt.date) -> pl.DataFrame:
    rows = []
    for col in board(db, as_of)["columns"]:
        for p in col["projects"]:
            rows.append({k: p.get(k) for k in (
                "id", "title", "stage", "investor_uscc", "investor_name", "investor_country", "amount", "currency",
                "amount_cny", "amount_usd", "owner", "next_action", "next_action_on", "overdue", "stage_changed_on",
                "dropped_reason", "announced_on", "synthetic")} | {"rate_dates": "; ".join(p["rate_dates"]),
                                                                 "rate_sources": p["rate_sources"]})
    return _frame(rows)


# --- heritage & space -------------------------------------------------------------------------------------------


def unassigned_labels(t: Translator) -> dict[str, str]:
    return {"no_unit_large_enough": t("space.left_too_small"), "only_oversized_units": t("space.left_oversized"),
            "no_unit_suits_clusters": t("space.left_clusters"), "outbid": t("space.left_outbid")}


def allocation(db: Database, as_of: dt.date) -> dict[str, Any]:
    result = space.allocate_space(db, as_of=as_of)
    _mark = queries.synthetic_usccs(db, [r["uscc"] for r in result["assigned"] + result["unassigned"]])
    names = {r["uscc"]: (r["name_zh"], r["name_en"]) for r in result["assigned"]}
    for r in result["assigned"] + result["unassigned"]:
        r["synthetic"] = r["uscc"] in _mark
    for r in result["unassigned"]:
        r["lost_to_name"] = names.get(r["lost_to"] or "", (None, None))
    return result


def allocation_frame(db: Database, as_of: dt.date, which: str) -> pl.DataFrame:
    result = space.allocate_space(db, as_of=as_of)
    rows = [{k: ("; ".join(v) if isinstance(v, list) else v) for k, v in r.items()} for r in result[which]]
    return _frame(rows)


# --- expo -------------------------------------------------------------------------------------------------------


def meetings(db: Database, event_id: int, by: str = "slot") -> list[dict[str, Any]]:
    rows = expo.meetings(db, event_id, by=by).to_dicts()
    synthetic = queries.synthetic_usccs(db, [r["uscc"] for r in rows])
    for r in rows:
        r["synthetic"] = r["uscc"] in synthetic
    return rows


def meeting_frame(db: Database, params: Mapping[str, str]) -> pl.DataFrame:
    event_id = _int(params.get("event_id"))
    if event_id is None:
        raise ConfigError("name the event: event_id=<id>")
    by = params.get("by") or "slot"
    frame = expo.meetings(db, event_id, by=by)
    if params.get("uscc"):
        frame = frame.filter(pl.col("uscc") == params["uscc"].strip().upper())
    if params.get("buyer"):
        frame = frame.filter(pl.col("buyer") == params["buyer"])
    return frame


def buyer_frame(db: Database, params: Mapping[str, str]) -> pl.DataFrame:
    event_id = _int(params.get("event_id"))
    if event_id is None:
        raise ConfigError("name the event: event_id=<id>")
    return _frame(queries.buyers(db, event_id))


def buyers_chart(rows: list[dict[str, Any]], t: Translator) -> dict[str, Any]:
    counts: dict[str, int] = {}
    for b in rows:
        counts[b["country"] or ""] = counts.get(b["country"] or "", 0) + 1
    order = sorted(counts, key=lambda c: (-counts[c], c))
    return {"names": [country_name(t, c) or t.missing() for c in order], "values": [counts[c] for c in order]}


def _frame(rows: list[dict]) -> pl.DataFrame:
    return pl.DataFrame(rows, infer_schema_length=None) if rows else pl.DataFrame({"empty": []}, schema={"empty": pl.String})
