"""The API's request and response models, named by role (``EnterprisePublic``, ``EnterpriseDetail``, ``Page[T]``)."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field

from opentrade.domain.vocabulary import (
    CORE_DIGITAL_FILTER,
    FOREIGN_FUNDED_FILTER,
    DigitalCategory,
    EnterpriseStatus,
    Ownership,
    PartnerKind,
    Protection,
    Restoration,
    SpaceKind,
    Stage,
)

__all__ = ["DigitalCategoryFilter", "OwnershipFilter", "PartnerKind", "Protection", "Restoration", "SpaceKind",
           "Stage", "Status"]

T = TypeVar("T")

Status = EnterpriseStatus
# The list filters accept a named set besides the single values: foreign_funded (foreign + hmt), core (01-04).
OwnershipFilter = StrEnum(  # type: ignore[misc]
    "OwnershipFilter", {**{m.name: m.value for m in Ownership}, "FOREIGN_FUNDED": FOREIGN_FUNDED_FILTER})
DigitalCategoryFilter = StrEnum(  # type: ignore[misc]
    "DigitalCategoryFilter", {**{m.name: m.value for m in DigitalCategory}, "CORE": CORE_DIGITAL_FILTER})


class Page(BaseModel, Generic[T]):
    items: list[T]
    total: int = Field(description="rows matching the filters, over all pages")
    page: int
    page_size: int


class ErrorDetail(BaseModel):
    type: str = Field(description="stable name of the error, e.g. NotFound, ValidationError, ImportRejected")
    code: str | None = Field(default=None, description="stable code of opentrade's own errors (not_found, "
                             "import_rejected, version_conflict …; see opentrade.errors.ERROR_TABLE)")
    message: str
    details: Any = None


class ErrorBody(BaseModel):
    error: ErrorDetail


# --- registry -----------------------------------------------------------------------------------------------------


class EnterprisePublic(BaseModel):
    uscc: str
    name_zh: str
    name_en: str | None
    ownership: str
    origin_country: str | None
    industry_code: str | None
    established_on: dt.date | None
    status: str
    mnc_regional_hq: bool
    rd_centre: bool
    de_category: str | None = Field(description="NBS digital-economy category 01-05 (01-04: the core)")
    de_subcategory: str | None = Field(default=None, description="NBS digital-economy subcategory (4 digits)")
    clusters: list[str] = Field(description="1+2+3+4 cluster ids")
    synthetic: bool


class ClusterMatch(BaseModel):
    id: str
    name_zh: str | None
    name_en: str | None
    basis: str | None = Field(description="the rule that put the firm in this cluster")


class Classification(BaseModel):
    de_category: str | None
    de_category_name_zh: str | None
    de_category_name_en: str | None
    de_subcategory: str | None
    de_subcategory_name_zh: str | None
    de_subcategory_name_en: str | None
    de_basis: str | None = Field(description="the rule that gave the digital-economy category")
    de_approximate: bool = Field(description="true when the category rests on the approximate shipped mapping")
    clusters: list[ClusterMatch]
    framework_version: str | None


class EnterpriseYearPublic(BaseModel):
    year: int
    revenue: float | None = Field(description="yuan")
    tax: float | None = Field(description="yuan")
    employees: int | None
    foreign_revenue: float | None = Field(description="yuan earned abroad")
    synthetic: bool
    source: str | None


class ProjectBrief(BaseModel):
    id: int
    title: str
    stage: str
    amount: float | None
    currency: str | None
    announced_on: dt.date | None


class EnterpriseDetail(EnterprisePublic):
    business_scope: str | None
    address: str | None
    lat: float | None
    lon: float | None
    parent_group: str | None
    source: str | None
    classification: Classification
    years: list[EnterpriseYearPublic]
    projects: list[ProjectBrief]
    figures_withheld: bool = Field(default=False, description="true: revenue, tax and foreign revenue are null "
                                   "because the reader is anonymous (sign in or send a token with the read scope)")


class PartnerPublic(BaseModel):
    id: int
    kind: str
    name_en: str
    name_zh: str | None
    country: str | None
    markets: list[str]
    description: str | None
    synthetic: bool
    source: str | None


class ProjectPublic(BaseModel):
    id: int
    title: str
    investor_uscc: str | None
    investor_name_zh: str | None
    investor_name_en: str | None
    amount: float | None
    currency: str | None
    amount_usd: float | None
    announced_on: dt.date | None
    stage: str
    description: str | None
    synthetic: bool
    source: str | None


class EventPublic(BaseModel):
    id: int
    name_en: str
    name_zh: str | None
    kind: str | None
    starts_on: dt.date | None
    organisers: str | None
    partner_name_en: str | None
    description: str | None
    synthetic: bool
    source: str | None


class HeritageSitePublic(BaseModel):
    id: int
    name_zh: str
    name_en: str | None
    protection_level: str
    industrial_relic: bool
    built_year: int | None
    original_use: str | None
    floor_area_m2: float | None
    restored_area_m2: float | None
    status: str
    lat: float | None = Field(description="as stored (WGS-84)")
    lon: float | None
    synthetic: bool
    source: str | None


class SpacePublic(BaseModel):
    id: int
    name: str
    kind: str
    area_m2: float | None
    vacant_m2: float | None
    heritage_site: str | None = Field(description="name_zh of the heritage site it occupies")
    address: str | None
    synthetic: bool
    source: str | None


# --- KPIs ---------------------------------------------------------------------------------------------------------


class ProvenancePublic(BaseModel):
    model_config = ConfigDict(extra="allow")

    kind: str = Field(description="records | statistic | estimate")
    definition: str
    definition_zh: str | None = Field(default=None, description="the definition in Chinese")
    record_count: int | None
    synthetic_records: int
    source: str | None
    statistic_as_of: str | None
    details: dict[str, Any]
    rests_on_synthetic: bool


class KpiPublic(BaseModel):
    id: str
    name_en: str
    name_zh: str
    value: int | float | list[float | None] | None = Field(
        description="null: no data (missing), never 0; a list for yearly rates")
    unit: str
    qualifier: str | None
    as_of: str
    seed_value: str | None
    provenance: ProvenancePublic


# --- markets ------------------------------------------------------------------------------------------------------


class FactorValue(BaseModel):
    id: str
    label_en: str
    label_zh: str
    group: str
    value: float | None = Field(description="as observed; null when missing")
    used: float | None = Field(description="after imputation")
    year: int | None
    source: str
    imputed: str | None = Field(description="the imputation rule, when the value was imputed")
    normalised: float | None
    weight: float | None
    contribution: float | None = Field(description="points: normalised × weight × 100")


class RankStability(BaseModel):
    p_top: float | None = Field(description="probability of a top-k place under weight perturbation")
    median_rank: float | None
    interval_90: list[float]


class MarketScorePublic(BaseModel):
    iso3: str
    name_en: str
    name_zh: str
    region: str
    rank: int
    score: float | None
    factors: dict[str, float | None] = Field(description="factor → points; they add up to the score")
    flags: list[str]
    channels: list[str]
    stability: RankStability | None
    values: list[FactorValue]


class ExcludedMarket(BaseModel):
    iso3: str
    name_en: str
    reason: str


class MarketRanking(BaseModel):
    segment: str
    segment_en: str
    segment_zh: str
    regions: list[str]
    weights: dict[str, float] = Field(description="the weights used (normalised to sum 1)")
    markets: list[MarketScorePublic]
    excluded: list[ExcludedMarket]
    supply: dict[str, Any] = Field(description="the district's firms and revenue in this segment")
    stability: dict[str, Any] | None
    potential_note: str
    sources: dict[str, str]


class SupplyRulePublic(BaseModel):
    digital_economy: list[str]
    gbt4754: list[str]
    clusters: list[str]


class SegmentPublic(BaseModel):
    id: str
    en: str
    zh: str
    ebops: list[str]
    supply: SupplyRulePublic
    weights: dict[str, float]


class FactorPublic(BaseModel):
    id: str
    group: str
    en: str
    zh: str
    source: str
    indicator: str
    higher_is_better: bool


# --- reference data -----------------------------------------------------------------------------------------------


class DatasetPublic(BaseModel):
    model_config = ConfigDict(extra="allow")

    id: str
    title: str | None
    publisher: str | None
    licence: str | None
    attribution: str | None
    vintage: str | None
    retrieved: str | None
    coverage_gaps: str | None
    source_detail: str | None


class ReferenceInfo(BaseModel):
    datasets: list[DatasetPublic]
    indicators: list[dict[str, Any]]
    overridden_files: list[str] = Field(description="reference files taken from the override folder")


# --- imports ------------------------------------------------------------------------------------------------------


class ImportResultPublic(BaseModel):
    kind: str
    file: str
    encoding: str
    rows: int
    inserted: int
    updated: int
    dry_run: bool
    notes: list[str]
