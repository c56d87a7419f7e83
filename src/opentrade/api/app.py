"""The HTTP application: the REST API under ``/api/v1`` (OpenAPI at ``/api/openapi.json``, docs at ``/api/docs``)
and the web cockpit (``opentrade.web``) when it is installed, else a plain bilingual page of the KPIs at ``/``."""

from __future__ import annotations

import datetime as dt
from html import escape

from fastapi import Depends, FastAPI
from fastapi.middleware.gzip import GZipMiddleware
from fastapi.responses import HTMLResponse

from opentrade import __version__
from opentrade.api.cache import ResultCache
from opentrade.api.deps import AccessPolicy, require_read
from opentrade.api.errors import install_error_handlers
from opentrade.api.routes import admin, imports, insight, operations, pipeline, registry
from opentrade.api.schemas import ErrorBody
from opentrade.api.session import Cookies
from opentrade.config import Settings, get_settings
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
ERRORS = {400: {"model": ErrorBody, "description": "a parameter is valid in form but not in meaning"},
          401: {"model": ErrorBody, "description": "credentials needed"},
          403: {"model": ErrorBody, "description": "forbidden"},
          404: {"model": ErrorBody, "description": "no such record"},
          422: {"model": ErrorBody, "description": "invalid parameters"}}


def create_app(db: Database, settings: Settings | None = None, *, web: bool = True) -> FastAPI:
    """The application on ``db``; ``web=False`` serves the API alone (and the plain page at ``/``)."""
    settings = settings or get_settings()
    app = FastAPI(title="opentrade", version=__version__, description=DESCRIPTION,
                  openapi_url="/api/openapi.json", docs_url="/api/docs", redoc_url=None)
    app.state.db = db
    app.state.settings = settings
    app.state.access = AccessPolicy(settings)
    app.state.cookies = Cookies(settings)  # reads or makes the secret key at start-up
    app.state.cache = ResultCache()
    install_error_handlers(app)
    # Compressed when the client asks (browsers do): the cockpit's ECharts bundle and map shrink to a third.
    app.add_middleware(GZipMiddleware, minimum_size=2048, compresslevel=6)

    read = [Depends(require_read)]
    app.include_router(registry.router, prefix=API_V1, dependencies=read, responses=ERRORS)
    app.include_router(insight.router, prefix=API_V1, dependencies=read, responses=ERRORS)
    app.include_router(operations.router, prefix=API_V1, dependencies=read, responses=ERRORS)
    app.include_router(pipeline.router, prefix=API_V1, dependencies=read, responses=ERRORS)
    app.include_router(imports.router, prefix=API_V1)
    app.include_router(admin.router, prefix=API_V1, responses=ERRORS)

    mount_web = None
    if web:
        try:
            from opentrade.web import mount_web
        except ModuleNotFoundError as exc:
            if exc.name != "opentrade.web":
                raise
    if mount_web is not None:
        mount_web(app, db)
    else:
        _plain_home(app, db)
    return app


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
