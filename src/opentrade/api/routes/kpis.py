"""Headline figures with provenance. Cached per date and registry revision (any write changes it), as the JSON
sent, so a repeated request costs a lookup."""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import APIRouter, Query, Request, Response
from pydantic import TypeAdapter

from opentrade.api.schemas import KpiPublic
from opentrade.http.access import Db
from opentrade.http.cache import ResultCache, cached_kpis
from opentrade.services.registry import registry_version

router = APIRouter()

_KPI_LIST = TypeAdapter(list[KpiPublic])


def as_json(adapter: TypeAdapter[Any], data: Any) -> bytes:
    """Validated against the response model once, when the result is computed; cache hits send the bytes."""
    return adapter.dump_json(adapter.validate_python(data))


@router.get("/kpis", response_model=list[KpiPublic], tags=["figures"], summary="Headline figures with provenance")
async def kpis(request: Request, db: Db,
               as_of: dt.date | None = Query(default=None, description="Date; default today")) -> Response:
    day = as_of or dt.date.today()
    cache: ResultCache = request.app.state.cache
    body = await cache.aget(("kpis.json", registry_version(db), day),
                            lambda: as_json(_KPI_LIST, [k.to_json() for k in cached_kpis(cache, db, day)]))
    return Response(body, media_type="application/json")
