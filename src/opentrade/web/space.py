"""The heritage and space page: sites on the map and by restoration, spaces and tenancies, the allocation of
vacant suites to digital firms (every firm left out explained); the same tables as downloads."""

from __future__ import annotations

import datetime as dt
from typing import Any

import polars as pl
from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from opentrade.http.access import AppOpts, Db
from opentrade.i18n import Translator
from opentrade.services import records, space
from opentrade.services.exporter import rows_frame
from opentrade.store.db import Database
from opentrade.web.names import cluster_names
from opentrade.web.params import page_param
from opentrade.web.rendering import is_partial, render, require_public_read, translator


def unassigned_labels(t: Translator) -> dict[str, str]:
    return {"no_unit_large_enough": t("space.left_too_small"), "only_oversized_units": t("space.left_oversized"),
            "no_unit_suits_clusters": t("space.left_clusters"), "outbid": t("space.left_outbid")}


def allocation(db: Database, as_of: dt.date) -> dict[str, Any]:
    result = space.allocate_space(db, as_of=as_of)
    _mark = records.synthetic_usccs(db, [r["uscc"] for r in result["assigned"] + result["unassigned"]])
    names = {r["uscc"]: (r["name_zh"], r["name_en"]) for r in result["assigned"]}
    for r in result["assigned"] + result["unassigned"]:
        r["synthetic"] = r["uscc"] in _mark
    for r in result["unassigned"]:
        r["lost_to_name"] = names.get(r["lost_to"] or "", (None, None))
    return result


def allocation_frame(db: Database, as_of: dt.date, which: str) -> pl.DataFrame:
    result = space.allocate_space(db, as_of=as_of)
    rows = [{k: ("; ".join(v) if isinstance(v, list) else v) for k, v in r.items()} for r in result[which]]
    return rows_frame(rows)



router = APIRouter(include_in_schema=False, dependencies=[Depends(require_public_read)])


@router.get("/heritage", name="web_heritage", response_class=HTMLResponse)
def heritage(request: Request, db: Db, options: AppOpts) -> HTMLResponse:
    t: Translator = translator(request)
    status = request.query_params.get("status", "")
    result = records.heritage_page(db, page=page_param(request.query_params), status=status)
    if is_partial(request):
        return render(request, "_heritage_table.html", result=result, status=status)
    sites = records.heritage_all(db)
    points = [{"value": [s["lon"], s["lat"], s["floor_area_m2"] or 0], "name": t.pick(s["name_zh"], s["name_en"]),
               "status": s["status"]} for s in sites if s["lat"] is not None and s["lon"] is not None]
    progress = [r | {"label": t(f"level.{r['level']}") if t.has(f"level.{r['level']}") else r["level"]}
                for r in records.restoration(db)]
    today = dt.date.today()
    return render(request, "heritage.html", page="heritage", result=result, status=status,
                  points=points, progress=progress, spaces=records.spaces(db, today),
                  unplaced=len(sites) - len(points), as_of=today, space_kpis=space.space_kpis(db, as_of=today),
                  tenancies=records.tenancies(db, today), allocation=allocation(db, today),
                  clusters=cluster_names(t, options.taxonomy), left_labels=unassigned_labels(t))
