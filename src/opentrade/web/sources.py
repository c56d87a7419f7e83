"""The data sources page: the shipped reference datasets and indicators, the registry's records (synthetic or
not), the imports done and the district statistics, and which classification tables are in use."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from opentrade.http.access import AppOpts, Db
from opentrade.refdata.reference import load_reference
from opentrade.services import records
from opentrade.web.rendering import render, require_public_read

router = APIRouter(include_in_schema=False, dependencies=[Depends(require_public_read)])


@router.get("/sources", name="web_sources", response_class=HTMLResponse)
def sources(request: Request, db: Db, options: AppOpts) -> HTMLResponse:
    ref = load_reference()
    taxonomy = options.taxonomy
    return render(request, "sources.html", page="sources", datasets=ref.datasets.to_dicts(),
                  indicators=ref.indicators.to_dicts(), records=records.synthetic_counts(db),
                  runs=records.import_runs(db), statistics=records.statistics(db),
                  taxonomy_source=taxonomy.de_map_source, framework=taxonomy.framework_version)
