"""Which database the tests run on: SQLite files (the default) or a PostgreSQL server.

    OPENTRADE_TEST_DATABASE=postgresql OPENTRADE_TEST_POSTGRES_URL=postgresql+psycopg://postgres@/postgres?host=/sock \\
        python -m pytest -q                    # or: python -m pytest -q --database=postgresql

The URL names a role that may create databases (``scripts/with_postgres.sh`` starts a throwaway server and sets it).
Every fixture that would make a SQLite file then makes a fresh PostgreSQL database instead: an empty one, or a copy
of a template (``CREATE DATABASE … TEMPLATE``: a file copy on the server, ~0.1 s) such as the migrated schema or the
demo instance. Databases are dropped when their fixture ends, and any left at the end of the session.
"""

from __future__ import annotations

import datetime as dt
import itertools
import os
import re
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, make_url, text
from sqlalchemy.pool import NullPool

ENV_KIND, ENV_URL = "OPENTRADE_TEST_DATABASE", "OPENTRADE_TEST_POSTGRES_URL"
KINDS = ("sqlite", "postgresql")


def kind() -> str:
    value = os.environ.get(ENV_KIND, "sqlite").strip().lower() or "sqlite"
    return "postgresql" if value in ("postgres", "pg") else value


def on_postgresql() -> bool:
    return kind() == "postgresql"


# A test about SQLite itself (its files, PRAGMAs, WAL) with no PostgreSQL counterpart worth writing: skipped on
# PostgreSQL by tests/conftest.py at collection (--database is only known after this module is imported).
SQLITE_ONLY_REASON = "about SQLite's files (PRAGMAs, WAL, file copies)"
sqlite_only = pytest.mark.sqlite_only(reason=SQLITE_ONLY_REASON)


class PostgresServer:
    """Creates and drops this session's databases (names ``ot<pid>_<n>_<label>``) through a superuser URL."""

    def __init__(self, url: str):
        self.url = make_url(url)
        if not self.url.drivername.startswith("postgresql"):
            raise pytest.UsageError(f"{ENV_URL} must be a postgresql URL, not {self.url.drivername}")
        self.prefix = f"ot{os.getpid()}_"
        self._numbers = itertools.count()
        self._engine: Engine | None = None
        self._migrated: str | None = None

    @property
    def engine(self) -> Engine:
        if self._engine is None:
            self._engine = create_engine(self.url, isolation_level="AUTOCOMMIT", poolclass=NullPool)
        return self._engine

    def url_of(self, name: str) -> str:
        return self.url.set(database=name).render_as_string(hide_password=False)

    def create(self, label: str = "db", *, template: str | None = None) -> str:
        """A new database (a copy of ``template``, a database name, if given); returns its URL."""
        name = f"{self.prefix}{next(self._numbers)}_{label}"[:63].lower()
        with self.engine.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{name}" TEMPLATE "{template or "template0"}" ENCODING \'UTF8\'')
        return self.url_of(name)

    def drop(self, url: str) -> None:
        name = make_url(url).database
        with self.engine.connect() as conn:  # FORCE: a pooled connection left open somewhere does not block it
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def migrated(self) -> str:
        """Name of a session template at the head migration (migrated once, then copied per test)."""
        if self._migrated is None:
            from opentrade.store.db import Database

            url = self.create("migrated")
            Database(url).dispose()
            self._migrated = make_url(url).database
        return self._migrated

    def drop_all(self) -> None:
        if self._engine is None:
            return
        with self.engine.connect() as conn:
            names = conn.exec_driver_sql("SELECT datname FROM pg_database WHERE datname LIKE %(p)s",
                                         {"p": self.prefix.replace("_", r"\_") + "%"}).scalars().all()
            for name in names:
                conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        self._engine.dispose()
        self._engine = None


_server: PostgresServer | None = None


def server() -> PostgresServer:
    global _server
    if _server is None:
        url = os.environ.get(ENV_URL)
        if not url:
            raise pytest.UsageError(f"{ENV_KIND}=postgresql needs {ENV_URL} (see scripts/with_postgres.sh)")
        _server = PostgresServer(url)
    return _server


def shutdown() -> None:
    if _server is not None:
        _server.drop_all()


def new_url(path: Path, *, migrated: bool = False) -> str:
    """A fresh database: on SQLite the file ``path`` (not created yet), on PostgreSQL a new database named after
    it — empty, or at the head migration when ``migrated`` (quicker than migrating again)."""
    if not on_postgresql():
        return f"sqlite:///{path}"
    pg = server()
    return pg.create(path.stem, template=pg.migrated() if migrated else None)


def copy_url(source: str, path: Path) -> str:
    """A private copy of the database at ``source`` (nobody may be connected to it)."""
    if not on_postgresql():
        import sqlite3

        with sqlite3.connect(make_url(source).database) as src, sqlite3.connect(path) as dst:
            src.backup(dst)
        src.close()
        dst.close()
        return f"sqlite:///{path}"
    return server().create(path.stem, template=make_url(source).database)


def drop_url(url: str) -> None:
    if url.startswith("postgresql"):
        server().drop(url)


# --- plain SQL in tests, on either database ---------------------------------------------------------------------


def _as_sqlite(value: object) -> object:
    """A value as SQLite's driver returns it (what the tests' expectations are written in): dates and times as ISO
    text, booleans as 0/1, whole numbers from PostgreSQL's numeric sums as int."""
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ", timespec="microseconds")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value


class _Rows(list):
    def fetchone(self) -> tuple | None:
        return self[0] if self else None

    def fetchall(self) -> list[tuple]:
        return list(self)


class PlainSQL:
    """A stand-in for ``sqlite3.connect(path)`` in tests: ``execute(sql, params)`` with ``?`` placeholders on the
    test database, whichever it is, returning rows as SQLite would (see :func:`_as_sqlite`). Read-only use."""

    def __init__(self, engine: Engine):
        self._conn = engine.connect()

    def execute(self, sql: str, params: tuple | list = ()) -> _Rows:
        numbers = itertools.count()
        statement = re.sub(r"\?", lambda _: f":p{next(numbers)}", sql)
        result = self._conn.execute(text(statement), {f"p{i}": v for i, v in enumerate(params)})
        return _Rows(tuple(_as_sqlite(v) for v in row) for row in result) if result.returns_rows else _Rows()

    def close(self) -> None:
        self._conn.close()

    def __enter__(self) -> PlainSQL:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
