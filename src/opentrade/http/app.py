"""The base application both HTTP edges hang on: state, error handlers, middleware.

``app.state`` holds what the dependencies of :mod:`opentrade.http.access` hand to routes: the database, the
settings, the per-request options' defaults, the access policy, the cookies and the result cache.
"""

from __future__ import annotations

from fastapi import FastAPI

from opentrade import __version__
from opentrade.config import Settings
from opentrade.http.access import AccessPolicy
from opentrade.http.cache import ResultCache
from opentrade.http.errors import install_error_handlers
from opentrade.http.middleware import install_middleware
from opentrade.http.sessions import Cookies
from opentrade.options import Options
from opentrade.store.db import Database


def make_app(db: Database, settings: Settings, *, title: str = "opentrade", description: str = "") -> FastAPI:
    app = FastAPI(title=title, version=__version__, description=description,
                  openapi_url="/api/openapi.json", docs_url="/api/docs", redoc_url=None)
    app.state.db = db
    app.state.settings = settings
    app.state.options = Options.from_settings(settings)
    app.state.access = AccessPolicy(settings)
    app.state.cookies = Cookies(settings)  # reads or makes the secret key at start-up
    app.state.cache = ResultCache()
    install_error_handlers(app)
    install_middleware(app)
    return app
