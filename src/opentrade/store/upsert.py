"""Bulk upsert of a polars frame by natural key, on the caller's transaction.

Two paths, same statement (built by SQLAlchemy: dialect-correct ``INSERT … ON CONFLICT … DO UPDATE``):

* SQLite with a staging area: the rows go, as Arrow columns through the ADBC SQLite driver, into a table of a
  temporary staging database attached to the caller's connection; one ``INSERT … SELECT … ON CONFLICT`` then
  moves them inside the caller's transaction. No Python object is made per row, and a killed import leaves only a
  temporary file behind, never a half-written registry.
* Otherwise: the driver's ``executemany`` on plain tuples, in chunks.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl
from sqlalchemy import Connection, Table, column, literal, select, table, true
from sqlalchemy.dialects import postgresql, sqlite

CHUNK_ROWS = 100_000
Progress = Callable[[int, int], None]


STAGE_MIN_ROWS = 20_000  # below this, executemany is as quick and needs no staging file
MAX_STAGES = 8  # SQLite attaches at most 10 databases to a connection by default


@dataclass
class StagingArea:
    """Temporary SQLite files attached to a connection (``stage_0``, ``stage_1`` …) for one transaction.

    One file per staged table: inside a transaction SQLite keeps reading the schema of an attached file as it was
    when first read, so a table added later by another connection would not be seen."""

    folder: Path
    attached: list[str] = field(default_factory=list)

    def next(self) -> tuple[str, Path] | None:
        if len(self.attached) >= MAX_STAGES:
            return None
        alias = f"stage_{len(self.attached)}"
        self.attached.append(alias)
        return alias, self.folder / f"{alias}.db"


@contextmanager
def staging_area(conn: Connection) -> Iterator[StagingArea | None]:
    """Staging for bulk writes (SQLite only). Use it around — not inside — the transaction: SQLite cannot detach a
    database while a transaction is open, so the files are detached after the commit or rollback."""
    if conn.dialect.name != "sqlite":
        yield None
        return
    area = StagingArea(Path(tempfile.mkdtemp(prefix="opentrade-stage-")))
    try:
        yield area
    finally:
        if (
            conn.in_transaction()
        ):  # an error inside the caller's block: its transaction is rolled back already
            conn.rollback()
        for alias in area.attached:
            conn.exec_driver_sql(f"DETACH DATABASE {alias}")
        conn.commit()
        shutil.rmtree(area.folder, ignore_errors=True)


def _insert(conn: Connection, target: Table):
    dialect = conn.dialect.name
    if dialect == "sqlite":
        return sqlite.insert(target)
    if dialect == "postgresql":
        return postgresql.insert(target)
    raise NotImplementedError(f"upsert is not implemented for {dialect}")


def _on_conflict(stmt, *, key: list[str], update: list[str]):
    if update:
        return stmt.on_conflict_do_update(index_elements=key, set_={c: stmt.excluded[c] for c in update})
    return stmt.on_conflict_do_nothing(index_elements=key)


def _driver_ready(frame: pl.DataFrame) -> pl.DataFrame:
    """Dates as ISO text (SQLAlchemy's SQLite storage format) and booleans as 0/1, as the driver stores them."""
    return frame.with_columns(
        *[pl.col(c).dt.strftime("%Y-%m-%d") for c, t in frame.schema.items() if t == pl.Date],
        *[pl.col(c).cast(pl.Int8) for c, t in frame.schema.items() if t == pl.Boolean],
    )


def upsert_frame(
    conn: Connection,
    target: Table,
    frame: pl.DataFrame,
    *,
    key: list[str],
    update: list[str],
    progress: Progress | None = None,
    stage: StagingArea | None = None,
) -> None:
    columns = [c for c in frame.columns if c in target.c]
    update = [c for c in update if c in columns]
    data = _driver_ready(frame.select(columns))
    slot = stage.next() if stage is not None and frame.height >= STAGE_MIN_ROWS else None
    if slot is not None:
        _upsert_staged(conn, target, data, key=key, update=update, slot=slot)
        if progress:
            progress(frame.height, frame.height)
        return
    stmt = _on_conflict(_insert(conn, target), key=key, update=update)
    compiled = stmt.compile(dialect=conn.dialect, column_keys=columns)
    positional = conn.dialect.paramstyle in ("qmark", "numeric", "format")
    order = list(compiled.positiontup) if positional else columns
    data = data.select(order)
    done = 0
    for chunk in data.iter_slices(CHUNK_ROWS):
        if positional:
            params = list(zip(*(s.to_list() for s in chunk.iter_columns()), strict=True))
        else:
            params = chunk.to_dicts()
        conn.exec_driver_sql(str(compiled), params)
        done += chunk.height
        if progress:
            progress(done, frame.height)


def _upsert_staged(
    conn: Connection,
    target: Table,
    data: pl.DataFrame,
    *,
    key: list[str],
    update: list[str],
    slot: tuple[str, Path],
) -> None:
    alias, path = slot
    # A column with one value throughout (the source file, the synthetic flag) travels as one bound parameter.
    constant = {
        c: data.get_column(c)[0]
        for c in data.columns
        if data.height
        and data.get_column(c).null_count() == 0
        and (data.get_column(c) == data.get_column(c)[0]).all()
        and c not in key
    }
    varying = [c for c in data.columns if c not in constant]
    # Rows in primary-key order: SQLite then appends to its B-tree instead of splitting pages all over it.
    pk = [c.name for c in target.primary_key.columns]
    staged_rows = data.select(varying)
    if all(c in varying for c in pk):
        staged_rows = staged_rows.sort(pk)
    staged_rows.write_database("rows", f"sqlite:///{path}", engine="adbc", if_table_exists="fail")
    conn.exec_driver_sql(f"ATTACH DATABASE ? AS {alias}", (str(path),))
    staged = table("rows", *[column(c) for c in varying], schema=alias)
    # `WHERE true` keeps SQLite from reading ON CONFLICT as part of the SELECT (its documented parsing ambiguity).
    rows = select(
        *[staged.c[c] if c in varying else literal(constant[c]).label(c) for c in data.columns]
    ).where(true())
    stmt = _on_conflict(_insert(conn, target).from_select(list(data.columns), rows), key=key, update=update)
    conn.execute(stmt)
