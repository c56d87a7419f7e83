"""Bulk upsert of a polars frame by natural key, in chunks, on the caller's transaction (SQLite and PostgreSQL)."""

from __future__ import annotations

from collections.abc import Callable

import polars as pl
from sqlalchemy import Connection, Table
from sqlalchemy.dialects import postgresql, sqlite

CHUNK_ROWS = 50_000


def _insert(conn: Connection, table: Table):
    dialect = conn.dialect.name
    if dialect == "sqlite":
        return sqlite.insert(table)
    if dialect == "postgresql":
        return postgresql.insert(table)
    raise NotImplementedError(f"upsert is not implemented for {dialect}")


def upsert_frame(
    conn: Connection,
    table: Table,
    frame: pl.DataFrame,
    *,
    key: list[str],
    update: list[str],
    progress: Callable[[int, int], None] | None = None,
) -> None:
    columns = [c for c in frame.columns if c in table.c]
    stmt = _insert(conn, table)
    update = [c for c in update if c in columns]
    if update:
        stmt = stmt.on_conflict_do_update(index_elements=key, set_={c: stmt.excluded[c] for c in update})
    else:
        stmt = stmt.on_conflict_do_nothing(index_elements=key)
    total = frame.height
    done = 0
    for chunk in frame.select(columns).iter_slices(CHUNK_ROWS):
        conn.execute(stmt, chunk.to_dicts())
        done += chunk.height
        if progress:
            progress(done, total)
