"""Engine and session wiring, and migrations (run automatically on first use)."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from opentrade.errors import StorageFullError, StoreError

log = logging.getLogger(__name__)
MIGRATIONS = Path(__file__).with_name("migrations")


def _sqlite_pragmas(dbapi_conn, _record) -> None:
    cur = dbapi_conn.cursor()
    # WAL: readers (the web cockpit) never block the importer, and a killed writer leaves the file as it was.
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=30000")
    cur.close()


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite:///"):
        path = Path(url.removeprefix("sqlite:///"))
        if str(path) not in ("", ":memory:"):
            path.parent.mkdir(parents=True, exist_ok=True)
    # A server database: a pooled connection may have been closed by a server restart meanwhile; test it first.
    server = not url.startswith("sqlite")
    engine = create_engine(url, future=True, pool_pre_ping=server)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    return engine


# The newest migration. Checked against the migrations folder by a test, so that every command can tell an
# up-to-date database by one query, without importing Alembic (a fifth of a CLI command's start-up).
HEAD_REVISION = "0003"


def alembic_config(engine: Engine):
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["engine"] = engine
    return cfg


def needs_upgrade(engine: Engine) -> bool:
    with engine.connect() as conn:
        try:
            current = conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
        except OperationalError:
            return True  # a new database: no version table yet
        except Exception as exc:  # e.g. PostgreSQL's UndefinedTable
            if "alembic_version" in str(exc):
                return True
            raise
    return current != HEAD_REVISION


def upgrade(engine: Engine, revision: str = "head") -> None:
    from alembic import command

    try:
        command.upgrade(alembic_config(engine), revision)
    except OperationalError as exc:  # pragma: no cover - depends on the machine
        raise translate_operational_error(exc) from exc


def translate_operational_error(exc: OperationalError) -> StoreError:
    text = str(exc.orig) if exc.orig is not None else str(exc)
    # PostgreSQL says "No space left on device" with SQLSTATE 53100 (disk_full).
    if "full" in text.lower() or getattr(exc.orig, "sqlstate", None) == "53100":
        return StorageFullError(f"the database is full (disk or page limit): {text}")
    return StoreError(f"database error: {text}")


class Database:
    """One database: an engine plus a session factory; migrated to head on first use."""

    def __init__(self, url: str, *, migrate: bool = True):
        self.url = url
        self.engine = make_engine(url)
        if migrate and needs_upgrade(self.engine):
            log.info("migrating %s to head", url)
            upgrade(self.engine)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session inside one transaction: committed on success, rolled back on any error."""
        with self._sessions() as session:
            try:
                with session.begin():
                    yield session
            except OperationalError as exc:
                raise translate_operational_error(exc) from exc

    def dispose(self) -> None:
        self.engine.dispose()
