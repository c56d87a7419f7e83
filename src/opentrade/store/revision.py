"""The registry revision: a counter that every write transaction raises, in the same transaction as its write.

Caches of derived results (headline figures, market rankings) key on it, so they are never older than the data,
and all server processes sharing one database see the same value. Reading it is one primary-key lookup.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Connection, select, update

from opentrade.store.db import Database
from opentrade.store.models import RegistryRevision, table_of

_table = table_of(RegistryRevision)


def bump(conn: Connection) -> None:
    """Raise the counter inside the caller's (write) transaction."""
    conn.execute(update(_table).where(_table.c.id == 1)
                 .values(value=_table.c.value + 1, changed_at=dt.datetime.now(dt.UTC).replace(tzinfo=None)))


def current(db: Database) -> int:
    with db.engine.connect() as conn:
        return int(conn.execute(select(_table.c.value).where(_table.c.id == 1)).scalar() or 0)
