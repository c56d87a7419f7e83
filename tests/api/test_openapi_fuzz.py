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

from opentrade.api.app import create_app
from opentrade.store.db import Database
from tests.api.conftest import TOKEN, api_settings, build_small_registry

MAX_EXAMPLES = 20

APP = create_app(None, api_settings(Path(tempfile.gettempdir()) / "opentrade-fuzz-no-data-dir",  # type: ignore[arg-type]
                                    admin_token=TOKEN), web=False)
schema = schemathesis.openapi.from_asgi("/api/openapi.json", APP)


@pytest.fixture(scope="module", autouse=True)
def fuzz_db(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Database]:
    folder = tmp_path_factory.mktemp("fuzz")
    database = Database(f"sqlite:///{folder / 'fuzz.db'}")
    build_small_registry(database, folder / "files")
    APP.state.db = database
    yield database
    APP.state.db = None
    database.dispose()


@schema.parametrize()
@settings(max_examples=MAX_EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), database=None)
def test_no_server_errors(case) -> None:
    case.call_and_validate(checks=[not_a_server_error], headers={"Authorization": f"Bearer {TOKEN}"})
