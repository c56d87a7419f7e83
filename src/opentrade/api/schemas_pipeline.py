"""Request and response models of the pipeline and aftercare endpoints (``opentrade.api.routes.pipeline``)."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict, Field

from opentrade.api.schemas import Stage


class RatePublic(BaseModel):
    cny_per_unit: float = Field(description="yuan per one unit of the currency")
    on_date: dt.date = Field(description="the rate's date (an annual average is dated 1 July of its year)")
    source: str
    kind: str = Field(description="identity (yuan) | table (exchange_rate) | wdi (World Bank PA.NUS.FCRF)")


class BoardProject(BaseModel):
    id: int
    title: str
    stage: str
    row_version: int = Field(description="send it back as expected_version when moving the project")
    investor_uscc: str | None
    investor_name: str | None
    investor_country: str | None
    amount: float | None = Field(description="in `currency`, as recorded")
    currency: str | None
    amount_cny: float | None = Field(description="null when no rate is known (never 0)")
    amount_usd: float | None = Field(description="null when no rate is known (never 0)")
    amount_usd_reported: float | None = Field(description="US$ amount as the source reported it, if any")
    rate_cny: RatePublic | None = Field(description="yuan per unit of `currency` used")
    rate_usd: RatePublic | None = Field(description="yuan per US$ used")
    rate_date_basis: str = Field(description="announced_on, or as_of when the project has no announcement date")
    announced_on: dt.date | None
    stage_changed_on: dt.date | None
    owner: str | None
    next_action: str | None
    next_action_on: dt.date | None
    overdue: bool = Field(description="open project whose next action is dated before as_of")
    dropped_reason: str | None
    synthetic: bool


class BoardStage(BaseModel):
    stage: str
    name_zh: str
    count: int
    value_cny: float = Field(description="sum of the converted amounts (those with a rate)")
    value_usd: float
    missing_cny: int = Field(description="projects with an amount but no yuan rate (left out of value_cny)")
    missing_usd: int
    no_amount: int
    projects: list[BoardProject]


class Board(BaseModel):
    as_of: dt.date
    stages: list[BoardStage]
    provenance: str
    rests_on_synthetic: bool


class StageValue(BaseModel):
    stage: str
    count: int
    value_cny: float
    value_usd: float
    missing_cny: int
    missing_usd: int
    no_amount: int


class PipelineValue(BaseModel):
    by_stage: list[StageValue]
    total_cny: float
    total_usd: float
    projects: int
    provenance: str
    rests_on_synthetic: bool


class Conversion(BaseModel):
    value: float | None = Field(description="converted / left_lead; null when no project left lead")
    converted: int
    left_lead: int
    provenance: str
    rests_on_synthetic: bool


class EnquiryResponse(BaseModel):
    median_hours: float | None
    answered: int
    unanswered: int
    provenance: str
    rests_on_synthetic: bool


class Aftercare(BaseModel):
    visits: int
    firms: int = Field(description="firms visited (any ownership)")
    foreign_funded_firms_visited: int
    foreign_funded_firms: int = Field(description="active foreign + HK/Macao/Taiwan-invested firms")
    coverage: float | None = Field(description="foreign_funded_firms_visited / foreign_funded_firms")
    provenance: str
    rests_on_synthetic: bool


class Overdue(BaseModel):
    count: int
    project_ids: list[int]
    provenance: str
    rests_on_synthetic: bool


class PipelineKpis(BaseModel):
    as_of: dt.date
    pipeline_value: PipelineValue
    conversion: Conversion
    enquiry_response: EnquiryResponse
    aftercare: Aftercare
    overdue_next_actions: Overdue


class StageMove(BaseModel):
    model_config = ConfigDict(extra="forbid")

    to_stage: Stage
    expected_version: int = Field(ge=1, description="the row_version you read; a newer one → 409")
    on_date: dt.date | None = Field(default=None, description="date of the move (default: today)")
    reason: str | None = Field(default=None, max_length=2000, description="needed to drop or reopen")
    skip: bool = Field(default=False, description="allow a forward move past stages (recorded)")
    reopen: bool = Field(default=False, description="move back, or out of dropped (needs a reason)")


class StageMoveResult(BaseModel):
    id: int
    title: str
    from_stage: str
    to_stage: str
    kind: str = Field(description="advance | skip | back | drop | reopen")
    skipped: list[str]
    reason: str | None = Field(description="as recorded in the history")
    stage_changed_on: dt.date
    dropped_reason: str | None
    row_version: int


class StageChangePublic(BaseModel):
    from_stage: str | None
    to_stage: str
    changed_on: dt.date
    reason: str | None
    actor: str | None


class AftercareVisitPublic(BaseModel):
    id: int
    uscc: str
    name_zh: str
    name_en: str | None
    ownership: str
    origin_country: str | None
    visited_on: dt.date
    officer: str | None
    topics: str | None
    issues: str | None
    follow_up: str | None
    follow_up_on: dt.date | None
    synthetic: bool
    source: str | None


class EnquiryPublic(BaseModel):
    id: int
    received_at: dt.datetime
    enquirer: str
    channel: str | None
    country: str | None
    topic: str | None
    responded_at: dt.datetime | None
    response_hours: float | None = Field(description="null while unanswered")
    officer: str | None
    project_id: int | None
    synthetic: bool
    source: str | None


class ProjectEdit(BaseModel):
    """Fields left out stay as they are; null clears one."""

    model_config = ConfigDict(extra="forbid")

    expected_version: int = Field(ge=1, le=2**62, description="the row_version you read; a newer one → 409")
    owner: str | None = Field(default=None, max_length=100, description="officer following the project")
    next_action: str | None = Field(default=None, max_length=2000)
    next_action_on: dt.date | None = None


class ProjectEditResult(BaseModel):
    id: int
    title: str
    owner: str | None = None
    next_action: str | None = None
    next_action_on: dt.date | None = None
    row_version: int
