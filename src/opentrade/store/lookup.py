"""SQL-dialect specifics of the importer: reading a table's natural keys and ids fast, and tuning a connection for a
bulk write. SQLite gets hand-made paths (measured: see the comments); other databases the plain statements."""

from __future__ import annotations

from typing import Any

import polars as pl
from sqlalchemy import Connection, func, select


def tune_for_bulk_writes(conn: Connection) -> None:
    if conn.dialect.name == "sqlite":
        # A large page cache keeps index inserts for a million rows in memory; only for this connection.
        conn.exec_driver_sql("PRAGMA cache_size=-262144")


_SEP = "\x1f"  # ASCII unit separator
_LOOKUP_CHUNK = 1_000_000  # rows per query: SQLite caps a string at 1e9 bytes


def key_ids(conn: Connection, column_key: Any, column_id: Any) -> pl.DataFrame:
    """Every (natural key, id) of a table as a frame ``__key``, ``__id`` — for resolving a file's references."""
    if conn.dialect.name == "sqlite":
        # A few strings instead of a million tuples: SQLite joins the keys and the ids of up to a million rows (same
        # rows, same order), polars splits them. A key containing the separator is noticed by the count and sends
        # the whole lookup down the general path.
        parts, last = [], None
        while True:
            query = select(column_key.label("k"), column_id.label("i")).where(column_key.is_not(None))
            query = query.where(column_id > last) if last is not None else query
            chunk = query.order_by(column_id).limit(_LOOKUP_CHUNK).subquery()
            count, last, keys, ids = conn.execute(select(
                func.count(), func.max(chunk.c.i), func.group_concat(chunk.c.k, _SEP), func.group_concat(chunk.c.i, ",")
            )).one()
            if count:
                split = pl.Series("__key", [keys]).str.split(_SEP).explode()
                if split.len() != count:
                    break
                parts.append(pl.DataFrame([split, pl.Series("__id", [ids]).str.split(",").explode().cast(pl.Int64)]))
            if count < _LOOKUP_CHUNK:
                return pl.concat(parts) if parts else pl.DataFrame(schema={"__key": pl.String, "__id": pl.Int64})
    # Plain driver tuples: a million SQLAlchemy Row objects would cost more than the query.
    sql = str(select(column_key, column_id).compile(dialect=conn.dialect))
    rows = conn.exec_driver_sql(sql).cursor.fetchall()
    keys, ids = (list(c) for c in zip(*rows, strict=True)) if rows else ([], [])
    return pl.DataFrame({"__key": keys, "__id": ids}, schema={"__key": pl.String, "__id": pl.Int64})
