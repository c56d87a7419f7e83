"""A database that runs out of space: the import stops with a clear StorageFullError naming the file and saying
"database is full", a non-zero exit code, and the database exactly as it was; once there is room, the same import
goes through with no manual step.

Two ways to run out: SQLite's page limit (``PRAGMA max_page_count``, set on every connection by a connect event),
and a real full file system (a 2 MiB tmpfs; skipped where mounting is not allowed)."""

from __future__ import annotations

import sqlite3
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import event
from typer.testing import CliRunner

from opentrade import bootstrap
from opentrade.cli import main as cli_main
from opentrade.errors import StorageFullError
from opentrade.services.importer import import_file
from opentrade.store.checksum import content_checksum, table_counts
from opentrade.store.db import Database
from tests import databases
from tests.conftest import write_csv
from tests.integration.test_import import HEADER, firm_rows

runner = CliRunner()
pytestmark = databases.sqlite_only  # PRAGMA max_page_count and a file on a small disk are SQLite's


def _limit_pages(db: Database, extra: int):
    """Allow the file only ``extra`` pages more than it has now (every new connection gets the limit)."""
    with db.engine.connect() as conn:
        pages = conn.exec_driver_sql("PRAGMA page_count").scalar_one()

    @event.listens_for(db.engine, "connect")
    def _limit(dbapi_conn, _record) -> None:
        dbapi_conn.execute(f"PRAGMA max_page_count={pages + extra}")

    db.engine.dispose()  # connections opened before the limit
    return _limit


@pytest.mark.parametrize("rows", [3_000, 25_000])  # the executemany path and the staged (ADBC) path
def test_page_limit_stops_the_import_cleanly(tmp_path: Path, db: Database, monkeypatch, rows: int) -> None:
    import_file(db, "enterprises", write_csv(tmp_path / "seed.csv", HEADER, firm_rows(100, start=900_000)))
    before_counts, before = table_counts(db.engine), content_checksum(db.engine)
    limit = _limit_pages(db, extra=20)
    monkeypatch.setattr(bootstrap, "open_database", lambda **_: db)

    path = write_csv(tmp_path / "企业名录.csv", HEADER, firm_rows(rows))
    result = runner.invoke(cli_main.app, ["import", "enterprises", str(path)])
    assert result.exit_code == StorageFullError.exit_code != 0, result.output
    message = " ".join(result.output.split())
    assert "database is full" in message and "企业名录.csv" in message and "Traceback" not in message
    assert table_counts(db.engine) == before_counts and content_checksum(db.engine) == before
    with sqlite3.connect(db.url.removeprefix("sqlite:///")) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"

    # Room again (the limit lifted): the same command succeeds.
    event.remove(db.engine, "connect", limit)
    db.engine.dispose()
    result = runner.invoke(cli_main.app, ["import", "enterprises", str(path)])
    assert result.exit_code == 0, result.output
    assert table_counts(db.engine)["enterprise"] == 100 + rows


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    mount = tmp_path / f"tmpfs-{uuid.uuid4().hex[:8]}"
    mount.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(mount)], capture_output=True,
                          check=False)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs here: {done.stderr.decode(errors='replace').strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], capture_output=True, check=False)


def test_full_file_system_stops_the_import_cleanly(tmp_path: Path, small_disk: Path, monkeypatch) -> None:
    db = Database(f"sqlite:///{small_disk / 'registry.db'}")
    try:
        import_file(db, "enterprises", write_csv(tmp_path / "seed.csv", HEADER, firm_rows(100, start=900_000)))
        before_counts, before = table_counts(db.engine), content_checksum(db.engine)
        monkeypatch.setattr(bootstrap, "open_database", lambda **_: db)

        path = write_csv(tmp_path / "firms.csv", HEADER, firm_rows(8_000))
        result = runner.invoke(cli_main.app, ["import", "enterprises", str(path)])
        assert result.exit_code == StorageFullError.exit_code != 0, result.output
        message = " ".join(result.output.split())
        assert "database is full" in message and "firms.csv" in message and "Traceback" not in message
        assert table_counts(db.engine) == before_counts and content_checksum(db.engine) == before
        with sqlite3.connect(small_disk / "registry.db") as conn:
            assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"

        # A file that fits goes through on the same full-looking disk: the rolled-back WAL space is reused.
        small = write_csv(tmp_path / "few.csv", HEADER, firm_rows(20, start=700_000))
        result = runner.invoke(cli_main.app, ["import", "enterprises", str(small)])
        assert result.exit_code == 0, result.output
        assert table_counts(db.engine)["enterprise"] == 120
    finally:
        db.dispose()
