"""Schemathesis over the OpenAPI description, in-process against the ASGI app: bounded examples per operation and
no server errors (5xx) whatever the parameters, headers or uploaded files.

The schema is read when the module is collected (schemathesis' lazy ``from_fixture`` loader does not work with
pytest 9), from an app whose database a module fixture attaches: the OpenAPI description needs no database.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error

from opentrade.app import create_app
from opentrade.store.db import Database
from tests import databases
from tests.api.conftest import AdminTokens, api_settings, build_small_registry

MAX_EXAMPLES = 20

APP = create_app(None, api_settings(Path(tempfile.gettempdir()) / "opentrade-fuzz-no-data-dir",  # type: ignore[arg-type]
                                    secret_key="fuzz-secret-key-" + "x" * 32), web=False)
schema = schemathesis.openapi.from_asgi("/api/openapi.json", APP)


@pytest.fixture(scope="module", autouse=True)
def fuzz_db(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Database]:
    folder = tmp_path_factory.mktemp("fuzz")
    database = Database(databases.new_url(folder / "fuzz.db", migrated=True))
    build_small_registry(database, folder / "files")
    APP.state.db = database
    _ADMIN.clear()
    yield database
    APP.state.db = None
    database.dispose()
    databases.drop_url(database.url)


_ADMIN = AdminTokens("fuzz")


@schema.parametrize()
@settings(max_examples=MAX_EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), database=None)
def test_no_server_errors(case) -> None:
    token = _ADMIN.get(APP.state.db)
    case.call_and_validate(checks=[not_a_server_error], headers={"Authorization": f"Bearer {token}"})


def test_the_fuzzer_signs_in_as_an_admin(fuzz_db: Database) -> None:
    from fastapi.testclient import TestClient

    me = TestClient(APP).get("/api/v1/whoami", headers={"Authorization": f"Bearer {_ADMIN.get(fuzz_db)}"})
    assert me.json()["kind"] == "token" and me.json()["scopes"] == ["admin"] and me.json()["role"] == "admin"
