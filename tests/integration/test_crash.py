"""An import killed with SIGKILL at any point leaves the database as it was; the next run needs no manual step."""

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

from opentrade.store.checksum import content_checksum, table_counts
from opentrade.store.db import Database
from tests.conftest import make_uscc, write_csv
from tests.integration.test_import import HEADER, firm_rows

pytestmark = pytest.mark.slow
ROWS = 60_000


def _import(db_path: Path, csv_path: Path) -> subprocess.Popen:
    env = {**os.environ, "OPENTRADE_DATABASE_URL": f"sqlite:///{db_path}"}
    return subprocess.Popen(
        [sys.executable, "-m", "opentrade.cli.main", "import", "enterprises", str(csv_path)],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )


def _fingerprint(db_path: Path) -> tuple[dict[str, int], str]:
    """Row counts and content; the import log's timestamps are left out so two complete imports compare equal."""
    db = Database(f"sqlite:///{db_path}")
    try:
        return table_counts(db.engine), content_checksum(db.engine, exclude=("import_run",))
    finally:
        db.dispose()


def test_sigkill_during_import_leaves_database_unchanged(tmp_path: Path) -> None:
    db_path = tmp_path / "registry.db"
    seed = write_csv(tmp_path / "seed.csv", HEADER, firm_rows(200, start=900_000))
    assert _import(db_path, seed).wait(timeout=120) == 0
    before = _fingerprint(db_path)

    rows = firm_rows(ROWS)
    rows[0][0] = make_uscc(123_456_789)
    big = write_csv(tmp_path / "big.csv", HEADER, rows)

    # How long does a whole import take here? Kill points are spread over that span.
    probe = tmp_path / "probe.db"
    shutil.copy(db_path, probe)
    started = time.monotonic()
    assert _import(probe, big).wait(timeout=300) == 0
    span = time.monotonic() - started
    complete = _fingerprint(probe)

    pristine = tmp_path / "pristine.db"
    shutil.copy(db_path, pristine)
    rng = random.Random(4754)
    unchanged = 0
    for _ in range(20):
        if unchanged >= 4:
            break
        proc = _import(db_path, big)
        time.sleep(rng.uniform(0.05, 0.7) * span)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=60)
        with sqlite3.connect(db_path) as conn:
            assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        state = _fingerprint(db_path)
        # Never a partial import: either as before, or (killed after the commit) the whole file in.
        assert state in (before, complete)
        if state == before:
            unchanged += 1
        else:
            shutil.copy(pristine, db_path)
    assert unchanged >= 3  # most kills land before the commit, so the rollback path is really exercised

    # Restart after the crashes: the same command succeeds with no manual recovery.
    proc = _import(db_path, big)
    assert proc.wait(timeout=300) == 0, proc.stderr.read().decode() if proc.stderr else ""
    counts, _ = _fingerprint(db_path)
    assert counts["enterprise"] == 200 + ROWS
