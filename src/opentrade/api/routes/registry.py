"""Registry reads: enterprises (list, detail, CSV/XLSX export), partners, investment projects, events, heritage
sites, spaces. Handlers parse parameters and call :mod:`opentrade.services.registry`; nothing more.

The paged reads are ``async``: each is one or two indexed queries of a millisecond or so, cheaper run on the event
loop than handed to the thread pool (which costs more than the query under load). Exports, which can take seconds,
stay plain functions and run in the pool.
"""

from __future__ import annotations

import datetime as dt
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from fastapi import Path as PathParam
from fastapi.responses import FileResponse
from starlette.background import BackgroundTask

from opentrade.api.params import ISO3, PageNo, PageSize, Text, page_body
from opentrade.api.schemas import (
    DigitalCategoryFilter,
    EnterpriseDetail,
    EnterprisePublic,
    EventPublic,
    HeritageSitePublic,
    OwnershipFilter,
    Page,
    PartnerKind,
    PartnerPublic,
    ProjectPublic,
    Protection,
    Restoration,
    SpaceKind,
    SpacePublic,
    Stage,
    Status,
)
from opentrade.http.access import Conf, Db, current_principal
from opentrade.http.disclosure import sees_firm_money, withhold_firm_money
from opentrade.refdata.standards import load_taxonomy
from opentrade.services import registry
from opentrade.services.auth import Principal
from opentrade.services.exporter import MEDIA, write_frame
from opentrade.store.db import Database

router = APIRouter()

XLSX_MAX_ROWS = 1_048_575  # Excel's sheet limit, less the header
USCC_PATTERN = r"^[0-9A-Za-z]{18}$"


def _sort_param(columns: tuple[str, ...]) -> object:
    choices = [c for name in columns for c in (name, f"-{name}")]
    return Query(description=f"sort column, '-' for descending: {', '.join(columns)}",
                 pattern="^-?(" + "|".join(columns) + ")$", examples=choices[:2])


@dataclass(frozen=True)
class EnterpriseQuery:
    filters: registry.EnterpriseFilter
    sort: str | None


async def enterprise_query(
    cluster: Annotated[str | None, Query(
        pattern=r"^[1-4](\.[a-z0-9_]{1,40})?$",
        description="1+2+3+4 cluster id (e.g. 2.ai_plus), or a tier 1-4 for any of its clusters")] = None,
    de_category: Annotated[DigitalCategoryFilter | None, Query(
        description="NBS digital-economy category; core = 01-04")] = None,
    ownership: Annotated[OwnershipFilter | None, Query(
        description="foreign_funded = foreign + hmt (HK/Macao/Taiwan-invested)")] = None,
    origin_country: Annotated[str | None, Query(pattern=ISO3, description="investor's ISO alpha-3")] = None,
    mnc_regional_hq: Annotated[bool | None, Query(description="MNC regional headquarters")] = None,
    rd_centre: Annotated[bool | None, Query(description="foreign-invested R&D centre")] = None,
    hq_or_rd: Annotated[bool | None, Query(description="either flag: MNC regional HQ or foreign R&D centre")] = None,
    status: Annotated[Status | None, Query()] = None,
    synthetic: Annotated[bool | None, Query(description="generated demo records only (true) or real (false)")] = None,
    q: Annotated[str | None, Query(min_length=1, max_length=200,
                                   description="text in the Chinese or English name, or part of a USCC")] = None,
    sort: Annotated[str | None, _sort_param(registry.ENTERPRISE_SORT)] = None,
) -> EnterpriseQuery:
    """The enterprise filters as query parameters (shared by the list and the exports)."""
    return EnterpriseQuery(registry.EnterpriseFilter(
        cluster=cluster, de_category=de_category, ownership=ownership, origin_country=origin_country,
        mnc_regional_hq=mnc_regional_hq, rd_centre=rd_centre, hq_or_rd=hq_or_rd, status=status, synthetic=synthetic, q=q), sort)


@router.get("/enterprises", response_model=Page[EnterprisePublic], tags=["registry"],
            summary="Enterprises: filter, search, sort, page")
async def enterprises(db: Db, query: Annotated[EnterpriseQuery, Depends(enterprise_query)], page: PageNo = 1,
                page_size: PageSize = 50) -> dict:
    return page_body(registry.list_enterprises(db, query.filters,
                                           registry.PageRequest(page, page_size, query.sort)))


def _export(db: Database, query: EnterpriseQuery, fmt: str) -> FileResponse:
    frame = registry.enterprise_frame(db, query.filters, sort=query.sort,
                                      limit=XLSX_MAX_ROWS if fmt == "xlsx" else None)
    folder = Path(tempfile.mkdtemp(prefix="opentrade-export-"))
    target = folder / f"enterprises.{fmt}"
    try:
        write_frame(frame, target, fmt=fmt)
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    # Written to a file and streamed from it (a registry export can be large), by the one exporter.
    return FileResponse(target, media_type=MEDIA[fmt], filename=target.name,
                        background=BackgroundTask(shutil.rmtree, folder, ignore_errors=True))


EXPORT_NOTE = ("All matching rows (same filters and sort as the list), with the import column names, so the file "
               "imports back unchanged. Cells beginning with = + - @ are prefixed with an apostrophe.")


@router.get("/enterprises.csv", tags=["registry"], summary="Enterprises as CSV (UTF-8 with BOM)",
            description=EXPORT_NOTE, response_class=FileResponse,
            responses={200: {"content": {"text/csv": {}}, "description": "CSV file"}})
def enterprises_csv(db: Db, query: Annotated[EnterpriseQuery, Depends(enterprise_query)]) -> FileResponse:
    return _export(db, query, "csv")


@router.get("/enterprises.xlsx", tags=["registry"], summary="Enterprises as XLSX", description=EXPORT_NOTE,
            response_class=FileResponse,
            responses={200: {"content": {"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {}},
                             "description": "XLSX workbook"}})
def enterprises_xlsx(db: Db, query: Annotated[EnterpriseQuery, Depends(enterprise_query)]) -> FileResponse:
    return _export(db, query, "xlsx")


@router.get("/enterprises/{uscc}", response_model=EnterpriseDetail, tags=["registry"],
            summary="One enterprise: classification with reasons, yearly figures (revenue, tax and foreign "
                    "revenue for readers with the read scope only), projects")
async def enterprise(db: Db, settings: Conf,
               principal: Annotated[Principal, Depends(current_principal)],
               uscc: Annotated[str, PathParam(pattern=USCC_PATTERN, description="unified social credit code")]
               ) -> dict:
    taxonomy = load_taxonomy(settings.framework_version, settings.digital_economy_map)
    firm = registry.get_enterprise(db, uscc, taxonomy=taxonomy)
    if not sees_firm_money(principal):
        firm["years"] = withhold_firm_money(firm["years"])
        firm["figures_withheld"] = True
    return firm


@router.get("/partners", response_model=Page[PartnerPublic], tags=["registry"],
            summary="Partners: friendly cities, organisations, platforms")
async def partners(
    db: Db,
    kind: Annotated[PartnerKind | None, Query()] = None,
    country: Annotated[str | None, Query(pattern=ISO3)] = None,
    market: Annotated[str | None, Query(pattern=ISO3, description="serves this market (ISO alpha-3)")] = None,
    q: Text = None,
    sort: Annotated[str | None, _sort_param(registry.PARTNER_SORT)] = None,
    page: PageNo = 1,
    page_size: PageSize = 50,
) -> dict:
    return page_body(registry.list_partners(db, registry.PartnerFilter(kind, country, market, q),
                                        registry.PageRequest(page, page_size, sort)))


@router.get("/projects", response_model=Page[ProjectPublic], tags=["registry"], summary="Investment projects")
async def projects(
    db: Db,
    stage: Annotated[Stage | None, Query()] = None,
    uscc: Annotated[str | None, Query(pattern=USCC_PATTERN, description="the investing enterprise")] = None,
    q: Text = None,
    sort: Annotated[str | None, _sort_param(registry.PROJECT_SORT)] = None,
    page: PageNo = 1,
    page_size: PageSize = 50,
) -> dict:
    return page_body(registry.list_projects(db, registry.ProjectFilter(stage, uscc, q),
                                        registry.PageRequest(page, page_size, sort)))


@router.get("/events", response_model=Page[EventPublic], tags=["registry"], summary="Events (newest first)")
async def events(
    db: Db,
    kind: Annotated[str | None, Query(max_length=30)] = None,
    starts_from: Annotated[dt.date | None, Query(alias="from", description="on or after this date")] = None,
    starts_to: Annotated[dt.date | None, Query(alias="to", description="on or before this date")] = None,
    q: Text = None,
    sort: Annotated[str | None, _sort_param(registry.EVENT_SORT)] = None,
    page: PageNo = 1,
    page_size: PageSize = 50,
) -> dict:
    return page_body(registry.list_events(db, registry.EventFilter(kind, starts_from, starts_to, q),
                                      registry.PageRequest(page, page_size, sort)))


@router.get("/heritage", response_model=Page[HeritageSitePublic], tags=["registry"],
            summary="Heritage sites, with coordinates as stored and restoration progress")
async def heritage(
    db: Db,
    protection_level: Annotated[Protection | None, Query()] = None,
    industrial_relic: Annotated[bool | None, Query()] = None,
    status: Annotated[Restoration | None, Query()] = None,
    q: Text = None,
    sort: Annotated[str | None, _sort_param(registry.HERITAGE_SORT)] = None,
    page: PageNo = 1,
    page_size: PageSize = 50,
) -> dict:
    return page_body(registry.list_heritage(db, registry.HeritageFilter(protection_level, industrial_relic, status, q),
                                        registry.PageRequest(page, page_size, sort)))


@router.get("/spaces", response_model=Page[SpacePublic], tags=["registry"], summary="Spaces: buildings and parks")
async def spaces(
    db: Db,
    kind: Annotated[SpaceKind | None, Query()] = None,
    vacant: Annotated[bool | None, Query(description="true: only spaces with vacant floor area")] = None,
    q: Text = None,
    sort: Annotated[str | None, _sort_param(registry.SPACE_SORT)] = None,
    page: PageNo = 1,
    page_size: PageSize = 50,
) -> dict:
    return page_body(registry.list_spaces(db, registry.SpaceFilter(kind, vacant, q),
                                      registry.PageRequest(page, page_size, sort)))
