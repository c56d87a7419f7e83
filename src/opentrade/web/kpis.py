"""The overview page: the headline figures with their derivation, and the foreign-funded firms' revenue trend."""

from __future__ import annotations

import datetime as dt

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from opentrade.domain.kpi import growth_rates
from opentrade.http.access import Db
from opentrade.http.cache import cached_kpis
from opentrade.web.rendering import render, require_public_read

router = APIRouter(include_in_schema=False, dependencies=[Depends(require_public_read)])


@router.get("/", name="web_overview", response_class=HTMLResponse)
def overview(request: Request, db: Db) -> HTMLResponse:
    kpis = cached_kpis(request.app.state.cache, db, dt.date.today())
    synthetic = sum(1 for k in kpis if k.provenance.rests_on_synthetic)
    growth = next(k for k in kpis if k.id == "foreign_funded_revenue_growth")
    revenue = growth.provenance.details.get("revenue_yuan", {}) if growth.value is not None else {}
    assert isinstance(revenue, dict)
    years = sorted(revenue)
    # Growth as the figure computes it (domain.kpi.growth_rates): the first year has no year before it here.
    rates = growth_rates({int(y): revenue[y] for y in years}, [int(y) for y in years])
    trend = {
        "years": years,
        "revenue": [revenue[y] for y in years],
        "growth": [None] + [None if r is None else round(r, 4) for r in rates[1:]],
    }
    return render(request, "overview.html", page="overview", kpis=kpis, synthetic=synthetic, trend=trend,
                  as_of=dt.date.today())
