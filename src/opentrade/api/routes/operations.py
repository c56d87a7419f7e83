"""Operations: matchmaking (firm → market → channel) and shortlists, expo meeting schedules, space allocation and
space figures, the bilingual fact sheet. Handlers parse parameters and call the services; nothing more.

These are plain functions (run in the thread pool): a first call builds the matching context, which takes
a second or more on a large registry; later calls of the same registry revision reuse it."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi import Path as PathParam
from fastapi.responses import Response
from pydantic import BaseModel, Field

from opentrade.api.deps import client_ip, get_db, require_edit
from opentrade.services import expo, matchmaking, space
from opentrade.services.auth import Principal
from opentrade.services.exporter import MEDIA, frame_bytes
from opentrade.store.db import Database

router = APIRouter()
Db = Annotated[Database, Depends(get_db)]
ISO3 = r"^[A-Za-z]{3}$"
USCC = r"^[0-9A-Za-z]{18}$"
REGIONS = "asean|lac|other|china|all"
RegionParam = Annotated[str, Query(pattern=rf"^({REGIONS})(,({REGIONS}))*$", max_length=100,
                                   description="comma-separated regions whose markets are ranked")]
AsOf = Annotated[dt.date | None, Query(description="date; default today")]
EventId = Annotated[int, PathParam(ge=1, le=2**31 - 1)]


class MatchRow(BaseModel):
    rank: int
    uscc: str
    name_zh: str
    name_en: str | None
    market: str
    market_zh: str
    market_en: str
    segment: str
    segment_zh: str
    segment_en: str
    channel: str = Field(description="platform | organisation | friendly_city | direct")
    channel_zh: str
    channel_en: str
    via: list[str] = Field(description="the partners giving the channel")
    fit_basis: str
    total: float = Field(description="fit × market_score × channel_strength × origin × export × size boosts")
    fit: float
    market_score: float
    channel_strength: float
    origin_boost: float
    export_boost: float
    size_boost: float
    reason: str


class ShortlistOut(BaseModel):
    target: str
    markets: list[str]
    segments: list[str]
    firms: list[MatchRow]


class MustMeet(BaseModel):
    uscc: str = Field(pattern=USCC)
    buyer: str = Field(min_length=1, max_length=200)


class ScheduleRequest(BaseModel):
    slots: int = Field(20, ge=1, le=200)
    tables: int = Field(60, ge=1, le=1000)
    firms: int = Field(300, ge=1, le=5000, description="candidate firms: the best-matching N")
    must_meet: list[MustMeet] = Field(default_factory=list, max_length=1000)
    dry_run: bool = False


class ScheduleSummary(BaseModel):
    event_id: int
    event: str
    slots: int
    tables: int
    firms_considered: int
    buyers: int
    meetings: int
    total_score: float
    greedy_total_score: float
    lp_bound: float | None
    gap: float | None
    status: str
    method: str
    solve_seconds: float
    message: str


class SpaceKpi(BaseModel):
    id: str
    name_zh: str
    name_en: str
    value: float | None = Field(description="null when missing (never 0 for missing)")
    unit: str
    basis: str


def _regions(text: str) -> tuple[str, ...]:
    return tuple(dict.fromkeys(text.split(",")))


@router.get("/matches", response_model=list[MatchRow], tags=["operations"],
            summary="Each firm's top (market, segment, channel), with the factors that make the score")
def matches(db: Db, uscc: Annotated[str | None, Query(pattern=USCC, description="one firm")] = None,
            top: Annotated[int, Query(ge=1, le=20)] = 3, limit: Annotated[int, Query(ge=1, le=2000)] = 100,
            region: RegionParam = "asean,lac", as_of: AsOf = None) -> list[dict[str, Any]]:
    return matchmaking.recommendations(db, n=top, uscc=uscc, limit=limit, regions=_regions(region), as_of=as_of)


@router.get("/shortlist", response_model=ShortlistOut, tags=["operations"],
            summary="Firms to invite for a market, a partner or an event, best first, with reasons")
def shortlist(
    db: Db,
    market: Annotated[str | None, Query(pattern=ISO3)] = None,
    partner_id: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
    event_id: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
    segment: Annotated[list[str] | None, Query(max_length=20, description="only these segments")] = None,
    limit: Annotated[int, Query(ge=1, le=2000)] = 50,
    region: RegionParam = "asean,lac", as_of: AsOf = None,
) -> dict[str, Any]:
    return matchmaking.shortlist(db, market=market, partner_id=partner_id, event_id=event_id,
                                 segments=segment or None, limit=limit, regions=_regions(region), as_of=as_of)


@router.post("/events/{event_id}/schedule", response_model=ScheduleSummary, tags=["operations"],
             summary="Schedule the event's B2B meetings (MILP); replaces the stored schedule unless dry_run "
                     "(edit scope)")
def schedule(db: Db, event_id: EventId, body: ScheduleRequest, request: Request,
             principal: Annotated[Principal, Depends(require_edit)]) -> dict[str, Any]:
    result = expo.schedule_expo(db, event_id, slots=body.slots, tables=body.tables, firms=body.firms,
                                must_meet=[(m.uscc, m.buyer) for m in body.must_meet], persist=not body.dry_run,
                                actor=principal.actor, ip=client_ip(request))
    return result.summary()


@router.get("/events/{event_id}/meetings", tags=["operations"], summary="The stored meeting schedule",
            responses={200: {"content": {"application/json": {}, "text/csv": {}, "application/vnd.openxmlformats-"
                                         "officedocument.spreadsheetml.sheet": {}}}})
def meetings(db: Db, event_id: EventId, by: Literal["slot", "firm", "buyer"] = "slot",
             fmt: Annotated[Literal["json", "csv", "xlsx"], Query(alias="format")] = "json") -> Any:
    frame = expo.meetings(db, event_id, by=by)
    if fmt == "json":
        return frame.to_dicts()
    return _file(frame, fmt, f"meetings-event-{event_id}-by-{by}")


def _file(frame, fmt: str, name: str) -> Response:
    return Response(frame_bytes(frame, fmt=fmt), media_type=MEDIA[fmt],
                    headers={"Content-Disposition": f'attachment; filename="{name}.{fmt}"'})


@router.get("/space/allocation", tags=["operations"],
            summary="Vacant suites allocated to candidate digital firms (assignment solver), explained")
def space_allocation(db: Db, candidates: Annotated[int, Query(ge=1, le=5000)] = 200,
                     suite_m2: Annotated[float, Query(ge=50, le=100_000)] = 1000.0,
                     m2_per_employee: Annotated[float, Query(gt=0, le=1000)] = 10.0,
                     as_of: AsOf = None) -> dict[str, Any]:
    return space.allocate_space(db, candidates=candidates, suite_m2=suite_m2, m2_per_employee=m2_per_employee,
                                as_of=as_of)


@router.get("/space/kpis", response_model=list[SpaceKpi], tags=["operations"],
            summary="Restored share of relic area, vacancy, digital firms housed in heritage space")
def space_figures(db: Db, as_of: AsOf = None) -> list[dict[str, Any]]:
    return space.space_kpis(db, as_of=as_of)


@router.get("/events/{event_id}/factsheet", tags=["operations"],
            summary="The event's bilingual fact sheet (HTML or PDF), every figure footnoted",
            responses={200: {"content": {"text/html": {}, "application/pdf": {}}}})
def event_factsheet(db: Db, event_id: EventId, as_of: AsOf = None,
                    fmt: Annotated[Literal["html", "pdf"], Query(alias="format")] = "html") -> Response:
    from opentrade.services.factsheet import build_factsheet, render_html, render_pdf

    sheet = build_factsheet(db, event_id=event_id, as_of=as_of)
    if fmt == "pdf":
        return Response(render_pdf(sheet), media_type="application/pdf",
                        headers={"Content-Disposition": f'inline; filename="factsheet-event-{event_id}.pdf"'})
    return Response(render_html(sheet), media_type="text/html; charset=utf-8")


