"""Heritage and space: vacant suites allocated to candidate digital firms (assignment solver), and the space figures.
Handlers parse parameters and call :mod:`opentrade.services.space`."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from opentrade.api.params import AsOf
from opentrade.http.access import Db
from opentrade.services import space

router = APIRouter()


class SpaceKpi(BaseModel):
    id: str
    name_zh: str
    name_en: str
    value: float | None = Field(description="null when missing (never 0 for missing)")
    unit: str
    basis: str


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
