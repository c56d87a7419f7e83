"""Shared fixtures: a real database per test (a SQLite file, or a PostgreSQL database with --database=postgresql:
see tests/databases.py), settings pointed at it, and small data factories."""

from __future__ import annotations

import csv
import os
import random
from collections.abc import Iterator
from pathlib import Path

import pytest
from stdnum.cn import uscc as stdnum_uscc

from opentrade.config import get_settings
from opentrade.store.db import Database
from tests import databases

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--database", choices=databases.KINDS, default=None,
                     help=f"database the tests run on (default: ${databases.ENV_KIND} or sqlite); postgresql needs "
                          f"${databases.ENV_URL}")


def pytest_configure(config: pytest.Config) -> None:
    # pytest-xdist workers inherit COLUMNS=80 from the controller; Rich would fix the CLI's width from it when
    # opentrade.cli is first imported, so commands would print narrower tables than in a plain run.
    if os.environ.get("PYTEST_XDIST_WORKER"):
        os.environ.pop("COLUMNS", None)
    chosen = config.getoption("--database", default=None)
    if chosen:
        os.environ[databases.ENV_KIND] = chosen
    if databases.kind() not in databases.KINDS:
        raise pytest.UsageError(f"{databases.ENV_KIND} must be one of {', '.join(databases.KINDS)}")
    if databases.on_postgresql():
        databases.server()  # a missing URL is a usage error now, not an error in every test
    config.addinivalue_line("markers", "sqlite_only(reason): skipped when the tests run on PostgreSQL")


#: test tiers: ``make check`` deselects these; ``make test`` runs everything
BROWSER_DIRS = ("web",)  # real Chromium
FUZZ_FILES = ("tests/fuzz/", "tests/api/test_openapi_fuzz.py", "tests/api/test_openapi_stateful.py")


@pytest.hookimpl(tryfirst=True)  # before -m deselects by marker
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    root = Path(str(config.rootpath))
    for item in items:
        where = Path(str(item.fspath)).resolve().relative_to(root).as_posix()
        if where.split("/")[1:2] == list(BROWSER_DIRS):
            item.add_marker(pytest.mark.browser)
            item.add_marker(pytest.mark.slow)
        if where.startswith(FUZZ_FILES):
            item.add_marker(pytest.mark.fuzz)
            item.add_marker(pytest.mark.slow)
    if not databases.on_postgresql():
        return
    for item in items:
        marker = item.get_closest_marker("sqlite_only")
        if marker is not None:
            item.add_marker(pytest.mark.skip(reason=marker.kwargs.get("reason", databases.SQLITE_ONLY_REASON)))


def pytest_report_header(config: pytest.Config) -> str:
    if databases.on_postgresql():
        return f"database: postgresql ({databases.server().url.render_as_string(hide_password=True)})"
    return "database: sqlite"


def pytest_sessionfinish(session: pytest.Session) -> None:
    databases.shutdown()


def make_uscc(i: int, *, prefix: str = "91310110") -> str:
    """A valid unified social credit code, deterministic in ``i``."""
    rng = random.Random(i)
    body = prefix + "".join(rng.choice(ALPHABET) for _ in range(17 - len(prefix)))
    return body + stdnum_uscc.calc_check_digit(body)


def write_csv(path: Path, header: list[str], rows: list[list[object]], *, encoding: str = "utf-8") -> Path:
    with path.open("w", encoding=encoding, newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        writer.writerows(rows)
    return path


@pytest.fixture
def db_url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    url = databases.new_url(tmp_path / "registry.db", migrated=True)
    monkeypatch.setenv("OPENTRADE_DATABASE_URL", url)
    get_settings.cache_clear()
    yield url
    get_settings.cache_clear()
    databases.drop_url(url)


@pytest.fixture
def db(db_url: str) -> Iterator[Database]:
    database = Database(db_url)
    yield database
    database.dispose()


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The URL of the Yangpu demo loaded once per session into a database that tests copy (never open it for
    writing)."""
    from opentrade.services.demo import load_demo

    url = databases.new_url(tmp_path_factory.mktemp("demo-template") / "demo.db")
    database = Database(url)
    load_demo(database)
    if database.engine.dialect.name == "sqlite":
        with database.engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    database.dispose()  # PostgreSQL copies a template only while nobody is connected to it
    return url


@pytest.fixture(scope="session")
def demo_shared(demo_template: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Database]:
    """One copy of the demo for the whole session, for tests that only read it (a test that writes takes
    :func:`demo_copy`)."""
    database = Database(databases.copy_url(demo_template, tmp_path_factory.mktemp("demo-shared") / "demo.db"))
    yield database
    database.dispose()
    databases.drop_url(database.url)


@pytest.fixture
def demo_copy(demo_template: str, tmp_path: Path) -> Iterator[Database]:
    """A private copy of the demo database, free to change."""
    database = Database(databases.copy_url(demo_template, tmp_path / "demo.db"))
    yield database
    database.dispose()
    databases.drop_url(database.url)
