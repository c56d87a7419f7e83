"""The HTTP application. Until the web cockpit lands it serves the KPIs as JSON and a plain bilingual table."""

from __future__ import annotations

import datetime as dt
from html import escape

from fastapi import FastAPI, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse

from opentrade import __version__
from opentrade.errors import OpentradeError
from opentrade.services.kpis import compute_kpis
from opentrade.store.db import Database


def create_app(db: Database) -> FastAPI:
    app = FastAPI(title="opentrade", version=__version__, openapi_url="/api/openapi.json", docs_url="/api/docs")

    @app.exception_handler(OpentradeError)
    async def _opentrade_error(_request: Request, exc: OpentradeError) -> JSONResponse:
        return JSONResponse({"error": {"type": type(exc).__name__, "message": str(exc)}}, status_code=400)

    @app.get("/api/v1/kpis", summary="Headline figures with provenance")
    def kpis(as_of: dt.date | None = Query(default=None, description="Date; default today")) -> list[dict]:
        return [k.to_json() for k in compute_kpis(db, as_of=as_of or dt.date.today())]

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
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

    return app
