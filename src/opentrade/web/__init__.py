"""The web cockpit: server-rendered pages (Jinja2 + HTMX), charts and maps with Apache ECharts, in Chinese and English.

One router per feature, named as in ``cli/`` and ``api/routes/`` (``kpis`` is the overview, ``registry`` the
enterprises and partners, ``space`` the heritage page …), each rendering through :mod:`opentrade.web.rendering`
with the request dependencies of :mod:`opentrade.http.access`. :func:`mount_web` adds them and ``/static`` to the
application :func:`opentrade.app.create_app` builds; the front-end packages are built into ``static/vendor/`` by
``scripts/build_web_assets.sh`` (npm, at build time; nothing is loaded from a CDN).
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import Response
from fastapi.staticfiles import StaticFiles

from opentrade.http.errors import set_error_page
from opentrade.i18n import LANGUAGES, catalogue
from opentrade.web import (
    admin,
    expo,
    exports,
    factsheet,
    imports,
    kpis,
    markets,
    matchmaking,
    pipeline,
    registry,
    sources,
    space,
)
from opentrade.web.rendering import CockpitPrivate, not_found

FEATURES = (kpis, registry, markets, matchmaking, pipeline, space, expo, factsheet, sources, imports, exports)


async def _error_page(request: Request, status: int, _message: str) -> Response | None:
    """An unknown cockpit address: the bilingual not-found page (other statuses: the plain response)."""
    return not_found(request) if status == 404 else None


def mount_web(app: FastAPI) -> None:
    """Add the cockpit's HTML routes, sign-in and its static files (``/static``) to ``app``."""
    for lang in LANGUAGES:  # fail at start-up, not on the first request, if a catalogue is unreadable
        catalogue(lang)
    for module in FEATURES:
        app.include_router(module.router)
    app.include_router(admin.router)
    app.add_exception_handler(CockpitPrivate, admin.to_login)
    set_error_page(app, _error_page)
    app.mount("/static", StaticFiles(directory=Path(__file__).parent / "static"), name="web_static")


__all__ = ["mount_web"]
