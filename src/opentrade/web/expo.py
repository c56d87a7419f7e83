"""Events and the expo: the events and universities page, an expo's buyers and its stored B2B meeting schedule;
buyers and meetings as downloads. Scheduling writes, so it goes through the API (edit scope)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import polars as pl
from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from opentrade.errors import ConfigError
from opentrade.http.access import Db
from opentrade.i18n import Translator
from opentrade.services import expo, records
from opentrade.services.exporter import rows_frame
from opentrade.store.db import Database
from opentrade.web.names import country_name, segment_names, split
from opentrade.web.params import int_param
from opentrade.web.rendering import not_found, render, require_public_read, translator


def meetings(db: Database, event_id: int, by: str = "slot") -> list[dict[str, Any]]:
    rows = expo.meetings(db, event_id, by=by).to_dicts()
    synthetic = records.synthetic_usccs(db, [r["uscc"] for r in rows])
    for r in rows:
        r["synthetic"] = r["uscc"] in synthetic
    return rows


def meeting_frame(db: Database, params: Mapping[str, str]) -> pl.DataFrame:
    event_id = int_param(params.get("event_id"))
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
    event_id = int_param(params.get("event_id"))
    if event_id is None:
        raise ConfigError("name the event: event_id=<id>")
    return rows_frame(records.buyers(db, event_id))


def buyers_chart(rows: list[dict[str, Any]], t: Translator) -> dict[str, Any]:
    counts: dict[str, int] = {}
    for b in rows:
        counts[b["country"] or ""] = counts.get(b["country"] or "", 0) + 1
    order = sorted(counts, key=lambda c: (-counts[c], c))
    return {"names": [country_name(t, c) or t.missing() for c in order], "values": [counts[c] for c in order]}



router = APIRouter(include_in_schema=False, dependencies=[Depends(require_public_read)])


@router.get("/events", name="web_events", response_class=HTMLResponse)
def events(request: Request, db: Db) -> HTMLResponse:
    return render(request, "events.html", page="events", events=records.events(db),
                  universities=records.universities(db))


@router.get("/expo/{event_id}", name="web_expo", response_class=HTMLResponse)
def expo_page(request: Request, event_id: int, db: Db) -> Response:
    event = records.event(db, event_id)
    if event is None:
        return not_found(request)
    t: Translator = translator(request)
    buyers = records.buyers(db, event_id)
    rows = meetings(db, event_id, by="slot")
    return render(request, "expo.html", page="events", event=event, buyers=buyers, meetings=rows,
                  segments=segment_names(t), chart=buyers_chart(buyers, t) if buyers else None,
                  slots=len({m["slot"] for m in rows}), firms=len({m["uscc"] for m in rows}),
                  country=lambda iso: country_name(t, iso), split=split)
