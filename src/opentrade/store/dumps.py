"""The SQL-dialect side of backups: SQLite's online backup and integrity check, PostgreSQL's client tools
(``pg_dump``, ``pg_restore``, ``psql``) with the connection passed through libpq's environment. What to back up,
the metadata and the checks before and after a restore are :mod:`opentrade.services.backup`'s."""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
import subprocess
import tempfile
from contextlib import closing
from pathlib import Path
from typing import IO

from sqlalchemy import Engine, create_engine, make_url
from sqlalchemy.engine import URL

from opentrade.errors import InputFileError, StorageFullError, StoreError

SQLITE_MAGIC = b"SQLite format 3\x00"
PG_MAGIC = b"PGDMP"


# --- SQLite -----------------------------------------------------------------------------------------------------


def sqlite_path(url: str) -> Path:
    name = make_url(url).database
    if not name or name == ":memory:":
        raise StoreError("an in-memory SQLite database cannot be backed up or restored: use a database file")
    return Path(name)


def plain_engine(path: Path) -> Engine:
    """A file opened as it is: no WAL switch, no migration (make_engine's pragmas would change the copy)."""
    return create_engine(URL.create("sqlite", database=str(path)))


def sqlite_copy(source: Path, target: Path, *, error_path: Path) -> str:
    """Copy the live database at ``source`` into ``target`` as one plain file; returns its integrity check."""
    try:
        src = sqlite3.connect(source, timeout=30)
        dst = sqlite3.connect(target)
        try:
            src.backup(dst)  # all pages in one step: one read transaction, one consistent state
            dst.execute("PRAGMA journal_mode=DELETE")  # the copy carries the WAL flag: make it one plain file
            return str(dst.execute("PRAGMA integrity_check").fetchone()[0])
        finally:
            dst.close()
            src.close()
    except sqlite3.Error as exc:
        raise sqlite_error(exc, error_path) from exc


def sqlite_integrity(path: Path) -> str:
    """SQLite's integrity check of a file ("ok"); sqlite3.DatabaseError when it is no database."""
    with closing(sqlite3.connect(path)) as conn:
        return str(conn.execute("PRAGMA integrity_check").fetchone()[0])


def sqlite_replace(work: Path, live: Path) -> None:
    """Write the content of ``work`` into the live database in one write transaction (other connections see the
    old content or the new, never a mix)."""
    try:
        src, dst = sqlite3.connect(work), sqlite3.connect(live, timeout=30)
        try:
            src.backup(dst)
            dst.execute("PRAGMA journal_mode=WAL")
        finally:
            dst.close()
            src.close()
    except sqlite3.Error as exc:
        raise sqlite_error(exc, live) from exc


def sqlite_error(exc: sqlite3.Error, path: Path) -> StoreError:
    if "full" in str(exc).lower():
        return StorageFullError(f"{path}: the database is full (disk or page limit): {exc}")
    return StoreError(f"{path}: {exc}")


# --- PostgreSQL -------------------------------------------------------------------------------------------------

# libpq's environment variables for the URL's query parameters (https://www.postgresql.org/docs/current/libpq-envars.html)
_PG_QUERY_ENV = {"host": "PGHOST", "port": "PGPORT", "user": "PGUSER", "password": "PGPASSWORD",
                 "dbname": "PGDATABASE", "sslmode": "PGSSLMODE", "sslcert": "PGSSLCERT", "sslkey": "PGSSLKEY",
                 "sslrootcert": "PGSSLROOTCERT", "sslcrl": "PGSSLCRL", "connect_timeout": "PGCONNECT_TIMEOUT",
                 "application_name": "PGAPPNAME", "options": "PGOPTIONS", "service": "PGSERVICE",
                 "target_session_attrs": "PGTARGETSESSIONATTRS", "passfile": "PGPASSFILE"}


def pg_env(url: str) -> dict[str, str]:
    """The URL's connection parameters as libpq environment variables (a password never shows in ``ps``)."""
    u = make_url(url)
    env = dict(os.environ)  # PGPASSFILE, PGSSLROOTCERT … set for the process still apply; the URL wins
    for name, value in u.query.items():
        if name in _PG_QUERY_ENV:
            env[_PG_QUERY_ENV[name]] = value if isinstance(value, str) else value[-1]
    for var, part in (("PGHOST", u.host), ("PGPORT", u.port), ("PGUSER", u.username), ("PGPASSWORD", u.password),
                      ("PGDATABASE", u.database)):
        if part:
            env[var] = str(part)
    return env


def pg_tool(name: str) -> str:
    found = shutil.which(name)
    if not found:
        raise StoreError(f"{name} not found: PostgreSQL backups need the PostgreSQL client tools (pg_dump, "
                         "pg_restore, psql) of the server's major version or newer on PATH (Debian: apt-get install "
                         "postgresql-client)")
    return found


def start_pg_dump(pg_dump: str, env: dict[str, str], *, snapshot: str, target: Path, errors: IO[bytes]
                  ) -> subprocess.Popen[bytes]:
    """``pg_dump -Fc`` of an exported snapshot into ``target`` (the caller keeps the snapshot open until it ends)."""
    return subprocess.Popen([pg_dump, "--format=custom", f"--snapshot={snapshot}", f"--file={target}"],
                            env=env, stdout=subprocess.DEVNULL, stderr=errors)


def pg_archive_objects(pg_restore: str, source: Path) -> dict[str, set[str]]:
    """Names of the tables and functions in a custom-format archive (its table of contents); refuses files that
    are not such archives."""
    with source.open("rb") as fh:
        if fh.read(len(PG_MAGIC)) != PG_MAGIC:
            raise InputFileError(str(source), "not a pg_dump custom-format archive")
    proc = subprocess.run([pg_restore, "--list", str(source)], capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise InputFileError(str(source), f"pg_restore cannot read the archive: {proc.stderr.strip()}")
    found: dict[str, set[str]] = {"TABLE": set(), "FUNCTION": set()}
    for m in re.finditer(r"^\d+; \d+ \d+ (TABLE|FUNCTION) \S+ ([^\s(]+)", proc.stdout, re.M):
        found[m.group(1)].add(m.group(2))
    return found


# Trigger functions in the public schema used by no trigger outside opentrade's tables (migration 0003's guard of
# the audit log, say): they go with the tables when a backup of an older schema, which lacks them, is restored.
OUR_TRIGGER_FUNCTIONS = """
SELECT p.proname, p.oid::regprocedure::text FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
WHERE n.nspname = 'public' AND p.prorettype = 'trigger'::regtype AND NOT EXISTS (
    SELECT 1 FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
    WHERE t.tgfoid = p.oid AND c.relname <> ALL(:ours))
"""


def pg_restore_into(pg_restore: str, psql: str, env: dict[str, str], *, source: Path, prelude: str) -> None:
    """``pg_restore --clean`` of the archive piped into ``psql --single-transaction`` after ``prelude``: all or
    nothing."""
    with tempfile.TemporaryDirectory(prefix="opentrade-restore-") as folder:
        first = Path(folder) / "prelude.sql"
        first.write_text(prelude or "SELECT 1;\n")
        dump = subprocess.Popen([pg_restore, "--clean", "--if-exists", "--no-owner", "--no-privileges", "--file=-",
                                 str(source)], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        apply = subprocess.run([psql, "--no-psqlrc", "--quiet", "--set=ON_ERROR_STOP=1", "--single-transaction",
                                f"--file={first}", "--file=-"], stdin=dump.stdout, env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, check=False)
        assert dump.stdout is not None
        dump.stdout.close()
        dump_err = dump.stderr.read().decode(errors="replace") if dump.stderr else ""
        if dump.wait() != 0:
            raise StoreError(f"pg_restore failed ({dump.returncode}); nothing was changed: {dump_err.strip()}")
        if apply.returncode != 0:
            raise StoreError(f"the restore was rolled back, nothing was changed: "
                             f"{apply.stderr.decode(errors='replace').strip()}")
