"""A content checksum of the whole database: every table's rows in primary-key order.

Used to prove that a rejected or killed import left the database exactly as it was, and that a restore is faithful.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Connection, Engine, func, select

from opentrade.store.models import Base

IGNORED_TABLES = {"alembic_version"}


@contextmanager
def _connected(bind: Engine | Connection) -> Iterator[Connection]:
    """A connection of its own from an engine; a connection as given (its transaction, e.g. a snapshot)."""
    if isinstance(bind, Connection):
        yield bind
        return
    with bind.connect() as conn:
        yield conn


def table_counts(engine: Engine | Connection) -> dict[str, int]:
    with _connected(engine) as conn:
        return {
            name: conn.execute(select(func.count()).select_from(table)).scalar_one()
            for name, table in sorted(Base.metadata.tables.items())
        }


def content_checksum(engine: Engine | Connection, *, exclude: tuple[str, ...] = ()) -> str:
    digest = hashlib.sha256()
    with _connected(engine) as conn:
        for name, table in sorted(Base.metadata.tables.items()):
            if name in IGNORED_TABLES or name in exclude:
                continue
            digest.update(name.encode())
            for row in conn.execute(select(table).order_by(*table.primary_key.columns)):
                digest.update(repr(tuple(row)).encode())
    return digest.hexdigest()
