"""The one wiring point: settings → database (migrated on first use)."""

from __future__ import annotations

from opentrade.config import Settings, get_settings
from opentrade.store.db import Database


def open_database(settings: Settings | None = None, *, migrate: bool = True) -> Database:
    settings = settings or get_settings()
    return Database(settings.resolved_database_url, migrate=migrate)
