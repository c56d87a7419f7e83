"""Backups and restores: the content comes back exactly (checksum), foreign or damaged files are refused before the
database is touched, a backup is consistent while others read and write, an older backup is migrated to head.

Tests on the ``db`` fixture run on the suite's database (SQLite, or PostgreSQL with --database=postgresql); the
explicit PostgreSQL test runs whenever OPENTRADE_TEST_POSTGRES_URL names a server (tests/databases.py)."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import threading
from pathlib import Path

import pytest
from sqlalchemy import text
from typer.testing import CliRunner

from opentrade.cli.main import app
from opentrade.errors import InputFileError
from opentrade.services.backup import CHECKSUM_EXCLUDE, backup, metadata_path, read_metadata, restore
from opentrade.services.importer import import_file
from opentrade.store.checksum import content_checksum, table_counts
from opentrade.store.db import HEAD_REVISION, Database, upgrade
from tests import databases
from tests.conftest import write_csv
from tests.integration.test_import import HEADER, firm_rows

runner = CliRunner()


def _content(db: Database) -> str:
    return content_checksum(db.engine, exclude=CHECKSUM_EXCLUDE)


def _revision_counter(db: Database) -> int:
    with db.engine.connect() as conn:
        return conn.execute(text("SELECT value FROM registry_revision WHERE id = 1")).scalar_one()


def _import(db: Database, folder: Path, n: int, start: int, name: str) -> None:
    import_file(db, "enterprises", write_csv(folder / name, HEADER, firm_rows(n, start=start)), write_rejects=False)


def test_backup_change_restore_brings_back_the_same_content(tmp_path: Path, db: Database) -> None:
    _import(db, tmp_path, 300, 0, "a.csv")
    info = backup(db, tmp_path / "registry.bak")
    meta = json.loads(metadata_path(info.path).read_text())
    assert meta["content_checksum"] == _content(db) == info.content_checksum
    assert meta["revision"] == HEAD_REVISION and meta["counts"]["enterprise"] == 300
    saved_counter = _revision_counter(db)

    _import(db, tmp_path, 200, 10_000, "b.csv")
    with db.engine.begin() as conn:
        conn.execute(text("UPDATE enterprise SET name_en = 'changed' WHERE id < 50"))
    assert _content(db) != info.content_checksum
    live_counter = _revision_counter(db)

    result = restore(db, info.path)
    assert result.checksum_verified and not result.migrated
    assert _content(db) == info.content_checksum == result.content_checksum
    assert table_counts(db.engine)["enterprise"] == 300
    # The revision counter moves past both, so that no cached figure of either state is reused.
    assert _revision_counter(db) > max(saved_counter, live_counter)
    if db.engine.dialect.name == "sqlite":
        with sqlite3.connect(db.url.removeprefix("sqlite:///")) as conn:
            assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
            assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    # The restored database takes imports as before.
    _import(db, tmp_path, 10, 20_000, "c.csv")
    assert table_counts(db.engine)["enterprise"] == 310


@databases.sqlite_only
def test_a_folder_as_target_gets_a_time_stamped_file_and_existing_files_are_kept(tmp_path: Path, db) -> None:
    _import(db, tmp_path, 5, 0, "a.csv")
    folder = tmp_path / "backups"
    folder.mkdir()
    info = backup(db, folder)
    assert info.path.parent == folder and info.path.name.startswith("opentrade-") and info.path.suffix == ".db"
    with pytest.raises(InputFileError, match="exists already"):
        backup(db, info.path)
    assert backup(db, info.path, overwrite=True).content_checksum == info.content_checksum
    with pytest.raises(InputFileError, match="database itself"):
        backup(db, Path(db.url.removeprefix("sqlite:///")), overwrite=True)


def _damage(path: Path) -> None:
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))


def _forge_metadata(path: Path, like: Path) -> None:
    """Metadata copied from a real backup and made to match ``path`` byte for byte."""
    import hashlib

    meta = json.loads(metadata_path(like).read_text())
    meta |= {"sha256": hashlib.sha256(path.read_bytes()).hexdigest(), "size_bytes": path.stat().st_size}
    metadata_path(path).write_text(json.dumps(meta))


@databases.sqlite_only
@pytest.mark.parametrize("case", ["damaged", "truncated", "no_metadata", "foreign_metadata", "foreign_sqlite",
                                  "not_sqlite", "other_content", "newer_schema"])
def test_foreign_or_damaged_backups_are_refused_and_the_database_is_unchanged(tmp_path: Path, db, case) -> None:
    _import(db, tmp_path, 100, 0, "a.csv")
    good = backup(db, tmp_path / "good.bak").path
    _import(db, tmp_path, 50, 5000, "b.csv")
    before = content_checksum(db.engine)  # the whole content, the revision counter included

    target = tmp_path / f"{case}.bak"
    shutil.copy(good, target)
    shutil.copy(metadata_path(good), metadata_path(target))
    message = "does not match its metadata"
    if case == "damaged":
        _damage(target)
    elif case == "truncated":
        target.write_bytes(target.read_bytes()[:8192])
    elif case == "no_metadata":
        metadata_path(target).unlink()
        message = "not an opentrade backup"
    elif case == "foreign_metadata":
        metadata_path(target).write_text(json.dumps({"name": "something else"}))
        message = "not an opentrade backup"
    elif case == "foreign_sqlite":
        target.unlink()
        with sqlite3.connect(target) as conn:
            conn.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)")
        _forge_metadata(target, good)
        message = "not an opentrade database"
    elif case == "not_sqlite":
        target.write_bytes(b"PK\x03\x04 this is a zip, not a database" * 100)
        _forge_metadata(target, good)
        message = "not a SQLite database"
    elif case == "other_content":  # a real opentrade database, but not the one the metadata describes
        other = Database(f"sqlite:///{tmp_path / 'other.db'}")
        _import(other, tmp_path, 3, 90_000, "o.csv")
        other.dispose()
        target.unlink()
        with sqlite3.connect(tmp_path / "other.db") as src, sqlite3.connect(target) as dst:
            src.backup(dst)
            dst.execute("PRAGMA journal_mode=DELETE")
        _forge_metadata(target, good)
        message = "content checksum differs"
    elif case == "newer_schema":
        meta = json.loads(metadata_path(target).read_text())
        metadata_path(target).write_text(json.dumps(meta | {"revision": "9999"}))
        message = "does not know"

    with pytest.raises(InputFileError, match=message):
        restore(db, target)
    assert content_checksum(db.engine) == before
    result = runner.invoke(app, ["restore", str(target), "--yes"])
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert content_checksum(db.engine) == before


@databases.sqlite_only
@pytest.mark.slow  # writers and readers racing a backup: seconds of load
def test_backup_while_others_read_and_write_is_consistent(tmp_path: Path, db) -> None:
    _import(db, tmp_path, 2000, 0, "a.csv")
    state_before = _content(db)
    path = write_csv(tmp_path / "more.csv", HEADER, firm_rows(30_000, start=50_000))

    # A reader holding a read transaction open for the whole backup, and others reading all along.
    holder = sqlite3.connect(db.url.removeprefix("sqlite:///"), check_same_thread=False)
    holder.execute("BEGIN")
    held = holder.execute("SELECT count(*) FROM enterprise").fetchone()[0]
    stop, reads, errors = threading.Event(), [0], []

    def read() -> None:
        while not stop.is_set():
            try:
                with db.engine.connect() as conn:
                    conn.execute(text("SELECT count(*) FROM enterprise")).scalar_one()
                reads[0] += 1
            except Exception as exc:  # noqa: BLE001 - any failure is the finding
                errors.append(exc)

    writer = threading.Thread(target=import_file, args=(db, "enterprises", path), kwargs={"write_rejects": False})
    readers = [threading.Thread(target=read) for _ in range(2)]
    for t in readers:
        t.start()
    writer.start()
    infos = [backup(db, tmp_path / f"during-{i}.bak") for i in range(3)]
    writer.join(timeout=300)
    stop.set()
    for t in readers:
        t.join(timeout=30)
    assert holder.execute("SELECT count(*) FROM enterprise").fetchone()[0] == held  # its snapshot, undisturbed
    holder.rollback()
    holder.close()
    state_after = _content(db)
    assert not errors and reads[0] > 0
    assert table_counts(db.engine)["enterprise"] == 32_000
    for info in infos:
        assert info.content_checksum in (state_before, state_after)  # never half an import
        with sqlite3.connect(info.path) as conn:
            assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert read_metadata(info.path)["content_checksum"] == info.content_checksum


@databases.sqlite_only
def test_an_older_backup_is_migrated_to_head(tmp_path: Path, db) -> None:
    _import(db, tmp_path, 40, 0, "a.csv")
    old = Database(f"sqlite:///{tmp_path / 'old.db'}", migrate=False)
    upgrade(old.engine, "0001")
    info = backup(old, tmp_path / "old.bak")
    old.dispose()
    assert info.revision == "0001" and info.content_checksum is None

    result = restore(db, info.path)
    assert result.migrated and (result.from_revision, result.to_revision) == ("0001", HEAD_REVISION)
    with db.engine.connect() as conn:
        assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar_one() == HEAD_REVISION
    assert table_counts(db.engine)["enterprise"] == 0  # the old backup had no firms
    _import(db, tmp_path, 5, 100, "b.csv")


def test_cli_backup_and_restore_asks_first(tmp_path: Path, db) -> None:
    _import(db, tmp_path, 20, 0, "a.csv")
    out = tmp_path / "cli.bak"
    result = runner.invoke(app, ["backup", str(out)])
    assert result.exit_code == 0, result.output
    assert "backup written" in result.output and metadata_path(out).is_file()
    saved = read_metadata(out)["content_checksum"]
    _import(db, tmp_path, 5, 100, "b.csv")
    changed = content_checksum(db.engine)

    result = runner.invoke(app, ["restore", str(out)], input="n\n")
    assert result.exit_code == 1 and content_checksum(db.engine) == changed  # declined: nothing happens
    result = runner.invoke(app, ["restore", str(out)], input="y\n")
    assert result.exit_code == 0, result.output
    assert "equals the backup's" in result.output and _content(db) == saved
    result = runner.invoke(app, ["restore", str(tmp_path / "missing.bak"), "--yes"])
    assert result.exit_code == 2 and "file not found" in result.output


@pytest.mark.skipif(not os.environ.get(databases.ENV_URL), reason=f"set {databases.ENV_URL} to a PostgreSQL server "
                    "URL that may create databases (scripts/with_postgres.sh does)")
@pytest.mark.skipif(not shutil.which("pg_dump"), reason="pg_dump/pg_restore/psql not installed")
def test_postgres_backup_change_restore(tmp_path: Path) -> None:
    url = databases.server().create("backup")
    pg = Database(url)
    try:
        _import(pg, tmp_path, 300, 0, "a.csv")
        info = backup(pg, tmp_path / "pg.dump")
        assert info.path.read_bytes()[:5] == b"PGDMP" and info.content_checksum == _content(pg)
        _import(pg, tmp_path, 100, 10_000, "b.csv")
        with pg.engine.begin() as conn:
            conn.execute(text("CREATE TABLE not_ours (x integer)"))  # left alone by the restore
        changed = content_checksum(pg.engine)

        damaged = tmp_path / "damaged.dump"
        shutil.copy(info.path, damaged)
        shutil.copy(metadata_path(info.path), metadata_path(damaged))
        _damage(damaged)
        with pytest.raises(InputFileError, match="does not match"):
            restore(pg, damaged)
        assert content_checksum(pg.engine) == changed

        result = restore(pg, info.path)
        assert result.checksum_verified and _content(pg) == info.content_checksum
        assert table_counts(pg.engine)["enterprise"] == 300
        with pg.engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM not_ours")).scalar_one() == 0

        # An archive of an older schema: the tables it lacks go, the migrations bring them back.
        old_url = databases.server().create("backup_old")
        old = Database(old_url, migrate=False)
        upgrade(old.engine, "0001")
        old_info = backup(old, tmp_path / "old.dump")
        old.dispose()
        databases.drop_url(old_url)
        result = restore(pg, old_info.path)
        assert result.migrated and result.from_revision == "0001"
        assert table_counts(pg.engine)["enterprise"] == 0
    finally:
        pg.dispose()
        databases.drop_url(url)
