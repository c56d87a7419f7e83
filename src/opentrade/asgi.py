"""The application for production servers, built from the settings in the environment:

    uvicorn --factory opentrade.asgi:create --workers 4 --host 127.0.0.1 --port 8000 --proxy-headers
    gunicorn -k uvicorn_worker.UvicornWorker -w 4 -b 127.0.0.1:8000 'opentrade.asgi:create()'

Unlike ``opentrade serve`` it never loads the demo into an empty database and never migrates: several workers
starting at once must not race to change the schema. It refuses to start on a database that is not at the newest
schema — run ``opentrade db upgrade`` first (docs/deployment.md).
"""

from __future__ import annotations

from fastapi import FastAPI

from opentrade.config import get_settings
from opentrade.errors import ConfigError
from opentrade.store.db import Database, needs_upgrade


def create() -> FastAPI:
    from opentrade.app import create_app

    settings = get_settings()
    db = Database(settings.resolved_database_url, migrate=False)
    if needs_upgrade(db.engine):
        shown = db.engine.url.render_as_string(hide_password=True)
        db.dispose()
        raise ConfigError(f"the database {shown} is not at the newest schema: run `opentrade db upgrade` once, "
                          "then start the workers")
    return create_app(db, settings)
