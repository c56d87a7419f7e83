"""The pipeline page: the kanban board of investment projects by stage (amounts in ¥ and US$ at dated rates) and
the operations figures as cards; the board as a download. Moves go through the API (edit scope)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import polars as pl
from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from opentrade.domain.vocabulary import PIPELINE_STAGES
from opentrade.errors import OpentradeError
from opentrade.http.access import Db
from opentrade.i18n import Translator
from opentrade.services import pipeline
from opentrade.services.exporter import rows_frame
from opentrade.store.db import Database
from opentrade.web.names import country_name
from opentrade.web.params import parse_date
from opentrade.web.rendering import bad_request, render, require_public_read, translator

STAGES = PIPELINE_STAGES


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
    return rows_frame(rows)



router = APIRouter(include_in_schema=False, dependencies=[Depends(require_public_read)])


@router.get("/pipeline", name="web_pipeline", response_class=HTMLResponse)
def pipeline_page(request: Request, db: Db) -> Response:
    t: Translator = translator(request)
    try:
        as_of = parse_date(request.query_params.get("as_of")) or dt.date.today()
        data = board(db, as_of)
        cards = kpi_cards(db, as_of, t)
    except OpentradeError as exc:
        return bad_request(request, str(exc))
    return render(request, "pipeline.html", page="pipeline", as_of=as_of, board=data, cards=cards,
                  chart=value_chart(data["columns"], t), country=lambda iso: country_name(t, iso))
