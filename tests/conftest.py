"""Shared fixtures: a real SQLite file per test, settings pointed at it, and small data factories."""

from __future__ import annotations

import csv
import random
from collections.abc import Iterator
from pathlib import Path

import pytest
from stdnum.cn import uscc as stdnum_uscc

from opentrade.config import get_settings
from opentrade.store.db import Database

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"


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
    url = f"sqlite:///{tmp_path / 'registry.db'}"
    monkeypatch.setenv("OPENTRADE_DATABASE_URL", url)
    get_settings.cache_clear()
    yield url
    get_settings.cache_clear()


@pytest.fixture
def db(db_url: str) -> Iterator[Database]:
    database = Database(db_url)
    yield database
    database.dispose()


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The Yangpu demo loaded once per session into a file that tests copy (never open it for writing)."""
    from opentrade.services.demo import load_demo

    path = tmp_path_factory.mktemp("demo-template") / "demo.db"
    database = Database(f"sqlite:///{path}")
    load_demo(database)
    with database.engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    database.dispose()
    return path


@pytest.fixture
def demo_copy(demo_template: Path, tmp_path: Path) -> Iterator[Database]:
    """A private copy of the demo database, free to change."""
    import sqlite3

    target = tmp_path / "demo.db"
    with sqlite3.connect(demo_template) as src, sqlite3.connect(target) as dst:
        src.backup(dst)
    database = Database(f"sqlite:///{target}")
    yield database
    database.dispose()
