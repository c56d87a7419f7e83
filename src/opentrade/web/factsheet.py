"""Fact sheets: the list of events to print a sheet for, and the sheet itself as HTML or PDF."""

from __future__ import annotations

import datetime as dt

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from opentrade.errors import NotFound, OpentradeError
from opentrade.http.access import Db
from opentrade.services import factsheet, records
from opentrade.web.params import parse_date
from opentrade.web.rendering import bad_request, not_found, render, require_public_read

router = APIRouter(include_in_schema=False, dependencies=[Depends(require_public_read)])


@router.get("/factsheets", name="web_factsheets", response_class=HTMLResponse)
def factsheets_page(request: Request, db: Db) -> Response:
    try:
        as_of = parse_date(request.query_params.get("as_of"))
    except OpentradeError as exc:
        return bad_request(request, str(exc))
    return render(request, "factsheets.html", page="factsheets", events=records.events(db), as_of=as_of,
                  today=dt.date.today())


@router.get("/factsheets/{event_id}.{fmt}", name="web_factsheet")
def factsheet_file(request: Request, event_id: int, fmt: str, db: Db) -> Response:
    if fmt not in ("html", "pdf"):
        return not_found(request)
    try:
        sheet = factsheet.build_factsheet(db, event_id=event_id, as_of=parse_date(request.query_params.get("as_of")))
    except NotFound:
        return not_found(request)
    except OpentradeError as exc:
        return bad_request(request, str(exc))
    if fmt == "html":
        return HTMLResponse(factsheet.render_html(sheet), headers={"Content-Language": "zh-CN, en"})
    name = f"opentrade-factsheet-{event_id}-{sheet.as_of.isoformat()}.pdf"
    return Response(factsheet.render_pdf(sheet), media_type="application/pdf",
                    headers={"Content-Disposition": f'inline; filename="{name}"'})
