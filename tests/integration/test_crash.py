"""An import killed with SIGKILL at any point leaves the database as it was; the next run needs no manual step.

On SQLite the file must survive (WAL, integrity check); on PostgreSQL the server must roll back the dead client's
transaction — the same claim seen from the client's side."""

from __future__ import annotations

import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import make_url

from opentrade.store.checksum import content_checksum, table_counts
from opentrade.store.db import Database
from tests import databases
from tests.conftest import make_uscc, write_csv
from tests.integration.test_import import HEADER, firm_rows

pytestmark = pytest.mark.slow
ROWS = 60_000


def _import(url: str, csv_path: Path) -> subprocess.Popen:
    env = {**os.environ, "OPENTRADE_DATABASE_URL": url}
    return subprocess.Popen(
        [sys.executable, "-m", "opentrade.cli.main", "import", "enterprises", str(csv_path)],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )


def _fingerprint(url: str) -> tuple[dict[str, int], str]:
    """Row counts and content; the import and audit logs (timestamps) are left out so two complete imports compare
    equal."""
    db = Database(url)
    try:
        return table_counts(db.engine), content_checksum(db.engine, exclude=("import_run", "audit_log", "registry_revision"))
    finally:
        db.dispose()


def _copy(url: str, path: Path) -> str:
    """A copy of the database at ``url`` (a file copy on SQLite, a new database from it as template on PostgreSQL)."""
    if databases.on_postgresql():
        return databases.copy_url(url, path)
    shutil.copy(make_url(url).database, path)
    return f"sqlite:///{path}"


def test_sigkill_during_import_leaves_database_unchanged(tmp_path: Path) -> None:
    db_path = tmp_path / "registry.db"
    db_url = databases.new_url(db_path)
    seed = write_csv(tmp_path / "seed.csv", HEADER, firm_rows(200, start=900_000))
    assert _import(db_url, seed).wait(timeout=120) == 0
    before = _fingerprint(db_url)

    rows = firm_rows(ROWS)
    rows[0][0] = make_uscc(123_456_789)
    big = write_csv(tmp_path / "big.csv", HEADER, rows)

    # How long does a whole import take here? Kill points are spread over that span.
    probe = _copy(db_url, tmp_path / "probe.db")
    started = time.monotonic()
    assert _import(probe, big).wait(timeout=300) == 0
    span = time.monotonic() - started
    complete = _fingerprint(probe)
    databases.drop_url(probe)

    pristine = _copy(db_url, tmp_path / "pristine.db")
    rng = random.Random(4754)
    unchanged = 0
    for _ in range(20):
        if unchanged >= 4:
            break
        proc = _import(db_url, big)
        time.sleep(rng.uniform(0.05, 0.7) * span)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=60)
        if not databases.on_postgresql():
            with sqlite3.connect(db_path) as conn:
                assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        state = _fingerprint(db_url)
        # Never a partial import: either as before, or (killed after the commit) the whole file in.
        assert state in (before, complete)
        if state == before:
            unchanged += 1
        elif databases.on_postgresql():  # DROP … WITH (FORCE) also ends a dead client's server process, if any
            databases.drop_url(db_url)
            db_url = _copy(pristine, tmp_path / "registry.db")
        else:
            shutil.copy(make_url(pristine).database, db_path)
    assert unchanged >= 3  # most kills land before the commit, so the rollback path is really exercised

    # Restart after the crashes: the same command succeeds with no manual recovery.
    proc = _import(db_url, big)
    assert proc.wait(timeout=300) == 0, proc.stderr.read().decode() if proc.stderr else ""
    counts, _ = _fingerprint(db_url)
    assert counts["enterprise"] == 200 + ROWS
    databases.drop_url(db_url)
    databases.drop_url(pristine)
