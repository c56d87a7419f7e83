"""The production entry point (opentrade.asgi:create): serves a database at head, refuses one that needs a
migration (the workers must not race to migrate), and never loads the demo into an empty database."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from opentrade import asgi
from opentrade.config import get_settings
from opentrade.errors import ConfigError
from opentrade.store.checksum import table_counts
from opentrade.store.db import Database


def test_serves_a_migrated_database_as_it_is(db: Database, tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("OPENTRADE_DATA_DIR", str(tmp_path))
    get_settings.cache_clear()
    client = TestClient(asgi.create())
    assert client.get("/api/v1/enterprises").json()["total"] == 0
    assert table_counts(db.engine)["enterprise"] == 0  # no demo loaded behind the operator's back


def test_refuses_a_database_that_needs_a_migration(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("OPENTRADE_DATABASE_URL", f"sqlite:///{tmp_path / 'new.db'}")
    monkeypatch.setenv("OPENTRADE_DATA_DIR", str(tmp_path))
    get_settings.cache_clear()
    try:
        with pytest.raises(ConfigError, match="opentrade db upgrade"):
            asgi.create()
    finally:
        get_settings.cache_clear()
