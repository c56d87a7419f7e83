"""The REST API under ``/api/v1`` (OpenAPI at ``/api/openapi.json``, docs at ``/api/docs``), mounted on the base
application of :mod:`opentrade.http` by :func:`opentrade.app.create_app`; without the cockpit, a plain bilingual
page of the KPIs at ``/``."""

from __future__ import annotations

import datetime as dt
from html import escape
from typing import Any

from fastapi import Depends, FastAPI
from fastapi.responses import HTMLResponse

from opentrade.api.routes import (
    admin,
    expo,
    factsheet,
    imports,
    kpis,
    markets,
    matchmaking,
    pipeline,
    registry,
    space,
)
from opentrade.api.schemas import ErrorBody
from opentrade.http.access import require_read
from opentrade.services.kpis import compute_kpis
from opentrade.store.db import Database

API_V1 = "/api/v1"
DESCRIPTION = """The district registry, its headline figures and the market intelligence of opentrade.

* Credentials: `Authorization: Bearer <API token>` (a user's token with scopes read / import / edit / admin,
  never beyond the user's role: viewer → read; analyst → read, import, edit; admin → all), the legacy
  `OPENTRADE_ADMIN_TOKEN` (an admin), or the cockpit's session cookie (writes then need `X-CSRF-Token`).
* Read endpoints are open unless `OPENTRADE_PUBLIC_READ=false` (then they need the read scope); anonymous readers
  never see firm-level revenue, tax or foreign revenue. Imports need the import scope; pipeline moves, project
  edits and expo scheduling the edit scope; users, tokens and the audit log the admin scope. Every write is
  recorded in the append-only audit log (`GET /api/v1/audit`).
* Errors are JSON of one shape: `{"error": {"type": ..., "message": ..., "details": ...}}`.
* Lists are paged: `{items, total, page, page_size}`, `page_size` at most 500.
"""
ERRORS: dict[int | str, dict[str, Any]] = {400: {"model": ErrorBody, "description": "a parameter is valid in form but not in meaning"},
          401: {"model": ErrorBody, "description": "credentials needed"},
          403: {"model": ErrorBody, "description": "forbidden"},
          404: {"model": ErrorBody, "description": "no such record"},
          422: {"model": ErrorBody, "description": "invalid parameters"}}


def mount_api(app: FastAPI) -> None:
    """Add the REST API under ``/api/v1`` (one router per feature, the same names as in ``cli/`` and ``web/``)."""
    read = [Depends(require_read)]
    for module in (registry, kpis, markets, matchmaking, expo, space, factsheet, pipeline):
        app.include_router(module.router, prefix=API_V1, dependencies=read, responses=ERRORS)
    app.include_router(imports.router, prefix=API_V1)
    app.include_router(admin.router, prefix=API_V1, responses=ERRORS)


def mount_plain_home(app: FastAPI) -> None:
    """Without the cockpit: the KPIs as a bilingual table at ``/``."""
    _plain_home(app, app.state.db)


def _plain_home(app: FastAPI, db: Database) -> None:
    """Until the web cockpit lands: the KPIs as a bilingual table."""

    @app.get("/", response_class=HTMLResponse, include_in_schema=False, dependencies=[Depends(require_read)])
    def home() -> str:
        kpis = compute_kpis(db, as_of=dt.date.today())
        synthetic = any(k.provenance.rests_on_synthetic for k in kpis)
        badge = (
            "<p role='status' style='background:#fff3cd;padding:6px'><strong>演示数据 · Synthetic demo data</strong>: "
            "figures marked synthetic rest on generated records calibrated to the seed report, not on real firms.</p>"
            if synthetic else ""
        )
        rows = "".join(
            f"<tr><td>{escape(k.name_zh)}<br><small>{escape(k.name_en)}</small></td>"
            f"<td>{escape(k.display_value())}</td><td>{escape(k.provenance.short())}</td>"
            f"<td>{escape(k.provenance.definition)}</td></tr>"
            for k in kpis
        )
        return (
            "<!doctype html><html lang='zh'><meta charset='utf-8'><title>opentrade · 杨浦 Yangpu</title>"
            "<h1>opentrade — 开放贸易驾驶舱 / open-trade cockpit</h1>"
            f"{badge}<p>KPIs as JSON: <a href='/api/v1/kpis'>/api/v1/kpis</a> · "
            "API docs: <a href='/api/docs'>/api/docs</a></p>"
            "<table border='1' cellpadding='4'><thead><tr><th>指标 / Figure</th><th>值 / Value</th>"
            f"<th>依据 / Basis</th><th>定义 / Definition</th></tr></thead><tbody>{rows}</tbody></table></html>"
        )
