"""The bilingual fact sheet of an event (HTML or PDF), every figure footnoted from its provenance."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query
from fastapi.responses import Response

from opentrade.api.params import AsOf, EventId
from opentrade.http.access import Db
from opentrade.services.factsheet import build_factsheet, render_html, render_pdf

router = APIRouter()


@router.get("/events/{event_id}/factsheet", tags=["operations"],
            summary="The event's bilingual fact sheet (HTML or PDF), every figure footnoted",
            responses={200: {"content": {"text/html": {}, "application/pdf": {}}}})
def event_factsheet(db: Db, event_id: EventId, as_of: AsOf = None,
                    fmt: Annotated[Literal["html", "pdf"], Query(alias="format")] = "html") -> Response:
    sheet = build_factsheet(db, event_id=event_id, as_of=as_of)
    if fmt == "pdf":
        return Response(render_pdf(sheet), media_type="application/pdf",
                        headers={"Content-Disposition": f'inline; filename="factsheet-event-{event_id}.pdf"'})
    return Response(render_html(sheet), media_type="text/html; charset=utf-8")
