"""The investment pipeline and aftercare: board, KPIs, stage moves and project edits (edit scope; optimistic
locking), visits, enquiries.

Handlers parse parameters and call :mod:`opentrade.services.pipeline`; a stale ``expected_version`` is a 409
(``VersionConflict`` in :data:`opentrade.errors.ERROR_TABLE`).
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi import Path as PathParam

from opentrade.api.params import PageNo, PageSize, page_body
from opentrade.api.schemas import ErrorBody, Page
from opentrade.api.schemas_pipeline import (
    AftercareVisitPublic,
    Board,
    EnquiryPublic,
    PipelineKpis,
    ProjectEdit,
    ProjectEditResult,
    StageChangePublic,
    StageMove,
    StageMoveResult,
)
from opentrade.http.access import Conf, Db, client_ip, require_edit
from opentrade.services import pipeline
from opentrade.services.auth import Principal
from opentrade.services.registry import PageRequest

router = APIRouter(tags=["pipeline"])

AsOf = Annotated[dt.date | None, Query(description="date of the figures (default: today)")]
ProjectId = Annotated[int, PathParam(ge=1, le=2**62, description="investment project id")]
From = Annotated[dt.date | None, Query(alias="from", description="on or after this date")]
To = Annotated[dt.date | None, Query(alias="to", description="on or before this date")]


@router.get("/pipeline", response_model=Board, summary="The pipeline board: projects by stage, amounts in ¥ and US$")
def board(db: Db, settings: Conf, as_of: AsOf = None) -> dict:
    return pipeline.pipeline_board(db, as_of=as_of or dt.date.today(), reference_dir=settings.data_dir / "reference")


@router.get("/pipeline/kpis", response_model=PipelineKpis,
            summary="Pipeline value, conversion, enquiry response, aftercare, overdue actions — with provenance")
def kpis(db: Db, settings: Conf, as_of: AsOf = None) -> dict:
    return pipeline.pipeline_kpis(db, as_of=as_of or dt.date.today(), reference_dir=settings.data_dir / "reference")


Editor = Annotated[Principal, Depends(require_edit)]
CONFLICT: dict[int | str, dict[str, Any]] = {409: {"model": ErrorBody, "description": "someone else changed the project: reload"}}


@router.post("/projects/{project_id}/stage", response_model=StageMoveResult,
             summary="Move a project to another stage (edit scope; optimistic locking)",
             responses={**CONFLICT, 400: {"model": ErrorBody, "description": "the pipeline rules forbid this move"}})
def move(db: Db, project_id: ProjectId, body: StageMove, request: Request, principal: Editor) -> dict:
    return pipeline.move_project(db, project_id, body.to_stage, expected_version=body.expected_version,
                                 on_date=body.on_date or dt.date.today(), reason=body.reason,
                                 actor=principal.actor, skip=body.skip, reopen=body.reopen, ip=client_ip(request))


@router.patch("/projects/{project_id}", response_model=ProjectEditResult, responses=CONFLICT,
              summary="Change a project's owner, next action or its date (edit scope; optimistic locking)")
def edit(db: Db, project_id: ProjectId, body: ProjectEdit, request: Request, principal: Editor) -> dict:
    fields = {k: getattr(body, k) for k in ("owner", "next_action", "next_action_on") if k in body.model_fields_set}
    return pipeline.update_project(db, project_id, expected_version=body.expected_version, **fields,
                                   actor=principal.actor, ip=client_ip(request))


@router.get("/projects/{project_id}/history", response_model=list[StageChangePublic],
            summary="Every stage change of a project, oldest first")
def history(db: Db, project_id: ProjectId) -> list[dict]:
    return pipeline.project_history(db, project_id)


@router.get("/aftercare", response_model=Page[AftercareVisitPublic], summary="Aftercare visits, newest first")
def aftercare(
    db: Db,
    uscc: Annotated[str | None, Query(pattern=r"^[0-9A-Za-z]{18}$", description="the firm visited")] = None,
    since: From = None,
    until: To = None,
    page: PageNo = 1,
    page_size: PageSize = 50,
) -> dict:
    return page_body(pipeline.list_aftercare(db, page=PageRequest(page, page_size), uscc=uscc, since=since, until=until))


@router.get("/enquiries", response_model=Page[EnquiryPublic], summary="Enquiries with response times, newest first")
def enquiries(
    db: Db,
    answered: Annotated[bool | None, Query(description="true: answered only; false: unanswered only")] = None,
    country: Annotated[str | None, Query(pattern=r"^[A-Za-z]{3}$", description="enquirer's ISO alpha-3")] = None,
    since: From = None,
    until: To = None,
    page: PageNo = 1,
    page_size: PageSize = 50,
) -> dict:
    return page_body(pipeline.list_enquiries(db, page=PageRequest(page, page_size), answered=answered, country=country,
                                         since=since, until=until))
