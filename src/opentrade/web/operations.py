"""HTML routes of the operations features: matchmaking, the investment pipeline, fact sheets and the expo.

Read-only: moves, schedules and allocations that change records go through the admin API; these pages show what
the services compute and what is stored. Built like :func:`opentrade.web.pages.make_router` and rendered through
the same :func:`opentrade.web.pages.render`.
"""

from __future__ import annotations

import datetime as dt

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from opentrade.errors import NotFound, OpentradeError
from opentrade.i18n import Translator
from opentrade.services import factsheet
from opentrade.store.db import Database
from opentrade.web import operations_view as ov
from opentrade.web import queries
from opentrade.web.pages import is_partial, not_found, render, require_public_read, translator


def bad_request(request: Request, message: str) -> Response:
    t: Translator = translator(request)
    return Response(f"{t('ops.bad_request')}: {message}", status_code=400, media_type="text/plain; charset=utf-8")


def make_router(db: Database) -> APIRouter:  # noqa: C901 - one closure per page keeps wiring readable
    router = APIRouter(include_in_schema=False, dependencies=[Depends(require_public_read)])

    # --- matchmaking ------------------------------------------------------------------------------------------

    def _match_context(request: Request) -> dict:
        t: Translator = translator(request)
        q = ov.parse_match_query(request.query_params)
        every = ov.all_recommendations(db, q)
        rows = ov.filter_recommendations(every, q)
        result = ov.match_page(rows, q)
        ov.mark_synthetic(db, result.rows)
        return dict(q=q, result=result, chart=ov.channel_chart(rows, t), channels=ov.channel_labels(t),
                    market_choices=ov.market_options(every, t), total_all=len(every))

    @router.get("/matchmaking", name="web_matchmaking", response_class=HTMLResponse)
    def matchmaking_page(request: Request) -> HTMLResponse:
        context = _match_context(request)
        if is_partial(request):
            return render(request, "_matchmaking_results.html", **context)
        t: Translator = translator(request)
        target = request.query_params.get("target", "")
        return render(request, "matchmaking.html", page="matchmaking", segments=ov.segment_names(t),
                      regions=ov.REGIONS, targets=ov.shortlist_targets(db, context["q"], t), target=target,
                      **_shortlist_context(request, context["q"], target), **context)

    def _shortlist_context(request: Request, q: ov.MatchQuery, target: str) -> dict:
        chosen = ov.parse_target(target)
        if chosen is None:
            return dict(shortlist=None, shortlist_error=None)
        try:
            return dict(shortlist=ov.shortlist(db, q, chosen), shortlist_error=None)
        except OpentradeError as exc:
            return dict(shortlist=None, shortlist_error=str(exc))

    @router.get("/matchmaking/shortlist", name="web_shortlist", response_class=HTMLResponse)
    def shortlist_page(request: Request) -> HTMLResponse:
        q = ov.parse_match_query(request.query_params)
        target = request.query_params.get("target", "")
        return render(request, "_shortlist.html", q=q, target=target, channels=ov.channel_labels(translator(request)),
                      **_shortlist_context(request, q, target))

    # --- pipeline ---------------------------------------------------------------------------------------------

    @router.get("/pipeline", name="web_pipeline", response_class=HTMLResponse)
    def pipeline_page(request: Request) -> Response:
        t: Translator = translator(request)
        try:
            as_of = ov.parse_date(request.query_params.get("as_of")) or dt.date.today()
            board = ov.board(db, as_of)
            cards = ov.kpi_cards(db, as_of, t)
        except OpentradeError as exc:
            return bad_request(request, str(exc))
        return render(request, "pipeline.html", page="pipeline", as_of=as_of, board=board, cards=cards,
                      chart=ov.value_chart(board["columns"], t), country=lambda iso: ov.country_name(t, iso))

    # --- fact sheets ------------------------------------------------------------------------------------------

    @router.get("/factsheets", name="web_factsheets", response_class=HTMLResponse)
    def factsheets_page(request: Request) -> Response:
        try:
            as_of = ov.parse_date(request.query_params.get("as_of"))
        except OpentradeError as exc:
            return bad_request(request, str(exc))
        return render(request, "factsheets.html", page="factsheets", events=queries.events(db), as_of=as_of,
                      today=dt.date.today())

    @router.get("/factsheets/{event_id}.{fmt}", name="web_factsheet")
    def factsheet_file(request: Request, event_id: int, fmt: str) -> Response:
        if fmt not in ("html", "pdf"):
            return not_found(request)
        try:
            sheet = factsheet.build_factsheet(db, event_id=event_id,
                                              as_of=ov.parse_date(request.query_params.get("as_of")))
        except NotFound:
            return not_found(request)
        except OpentradeError as exc:
            return bad_request(request, str(exc))
        if fmt == "html":
            return HTMLResponse(factsheet.render_html(sheet), headers={"Content-Language": "zh-CN, en"})
        name = f"opentrade-factsheet-{event_id}-{sheet.as_of.isoformat()}.pdf"
        return Response(factsheet.render_pdf(sheet), media_type="application/pdf",
                        headers={"Content-Disposition": f'inline; filename="{name}"'})

    # --- expo -------------------------------------------------------------------------------------------------

    @router.get("/expo/{event_id}", name="web_expo", response_class=HTMLResponse)
    def expo_page(request: Request, event_id: int) -> Response:
        event = queries.event(db, event_id)
        if event is None:
            return not_found(request)
        t: Translator = translator(request)
        buyers = queries.buyers(db, event_id)
        meetings = ov.meetings(db, event_id, by="slot")
        return render(request, "expo.html", page="events", event=event, buyers=buyers, meetings=meetings,
                      segments=ov.segment_names(t), chart=ov.buyers_chart(buyers, t) if buyers else None,
                      slots=len({m["slot"] for m in meetings}), firms=len({m["uscc"] for m in meetings}),
                      country=lambda iso: ov.country_name(t, iso), split=ov.split)

    return router
