"""Bulk upsert of a polars frame by natural key, in chunks, on the caller's transaction.

The statement is built by SQLAlchemy (dialect-correct ``INSERT … ON CONFLICT … DO UPDATE``, bound parameters)
and executed with the driver's ``executemany`` on plain tuples: per-row ORM or type processing would cost more
than the database work itself on a million rows.
"""

from __future__ import annotations

from collections.abc import Callable

import polars as pl
from sqlalchemy import Connection, Table
from sqlalchemy.dialects import postgresql, sqlite

CHUNK_ROWS = 100_000


def _insert(conn: Connection, table: Table):
    dialect = conn.dialect.name
    if dialect == "sqlite":
        return sqlite.insert(table)
    if dialect == "postgresql":
        return postgresql.insert(table)
    raise NotImplementedError(f"upsert is not implemented for {dialect}")


def _driver_ready(frame: pl.DataFrame) -> pl.DataFrame:
    """Dates as ISO text (SQLAlchemy's SQLite storage format) and booleans as 0/1, as the driver stores them."""
    return frame.with_columns(
        *[pl.col(c).dt.strftime("%Y-%m-%d") for c, t in frame.schema.items() if t == pl.Date],
        *[pl.col(c).cast(pl.Int8) for c, t in frame.schema.items() if t == pl.Boolean],
    )


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
    compiled = stmt.compile(dialect=conn.dialect, column_keys=columns)
    positional = conn.dialect.paramstyle in ("qmark", "numeric", "format")
    order = list(compiled.positiontup) if positional else columns
    data = _driver_ready(frame.select(order))
    total, done = frame.height, 0
    for chunk in data.iter_slices(CHUNK_ROWS):
        params = list(chunk.iter_rows()) if positional else chunk.to_dicts()
        conn.exec_driver_sql(str(compiled), params)
        done += chunk.height
        if progress:
            progress(done, total)
