"""The expo: B2B meeting schedules of an event's firms and foreign buyers (MILP), and the stored schedule as JSON,
CSV or XLSX. Handlers parse parameters and call :mod:`opentrade.services.expo`."""

from __future__ import annotations

from typing import Annotated, Any, Literal

import polars as pl
from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field

from opentrade.api.params import USCC, EventId
from opentrade.http.access import Db, client_ip, require_edit
from opentrade.services import expo
from opentrade.services.auth import Principal
from opentrade.services.exporter import download

router = APIRouter()


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


def _file(frame: pl.DataFrame, fmt: str, name: str) -> Response:
    data, media, filename = download(frame, fmt=fmt, name=name)
    return Response(data, media_type=media, headers={"Content-Disposition": f'attachment; filename="{filename}"'})
