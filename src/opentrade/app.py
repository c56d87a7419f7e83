"""The one place where the HTTP application is put together: the shared base (:mod:`opentrade.http`), the REST API
(:mod:`opentrade.api`) and the cockpit (:mod:`opentrade.web`). ``opentrade serve``, :mod:`opentrade.asgi` and the
tests build the application here; no edge imports another."""

from __future__ import annotations

from fastapi import FastAPI

from opentrade.config import Settings, get_settings
from opentrade.store.db import Database


def create_app(db: Database, settings: Settings | None = None, *, web: bool = True) -> FastAPI:
    """The application on ``db``; ``web=False`` serves the API alone (and a plain page of the KPIs at ``/``)."""
    from opentrade.api.app import DESCRIPTION, mount_api, mount_plain_home
    from opentrade.http.app import make_app

    app = make_app(db, settings or get_settings(), description=DESCRIPTION)
    mount_api(app)
    if web:
        from opentrade.web import mount_web

        mount_web(app)
    else:
        mount_plain_home(app)
    return app
