"""Bulk upsert of a polars frame by natural key, on the caller's transaction.

Three paths, same statement (built by SQLAlchemy: dialect-correct ``INSERT … ON CONFLICT … DO UPDATE``):

* SQLite with a staging area: the rows go, as Arrow columns through the ADBC SQLite driver, into tables of
  temporary staging databases attached to the caller's connection; ``INSERT … SELECT … ON CONFLICT`` then moves
  them inside the caller's transaction. No Python object is made per row, and a killed import leaves only
  temporary files behind, never a half-written registry. A large frame is staged in a few slices by a helper
  thread while the caller's connection moves the slices already staged (both run in C without the GIL).
* PostgreSQL, for a frame of at least ``COPY_MIN_ROWS``: the rows stream as CSV (written by polars, a slice at a
  time, beside the upload) through ``COPY`` (psycopg 3) into a temporary table; ``INSERT … SELECT … ON CONFLICT``
  then moves them, still inside the caller's transaction, so an import stays all-or-nothing.
* Otherwise: the driver's ``executemany`` on plain tuples, in chunks.
"""

from __future__ import annotations

import io
import shutil
import tempfile
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl
from sqlalchemy import Connection, Table, cast, column, exists, literal, null, select, table, true
from sqlalchemy.exc import IntegrityError

CHUNK_ROWS = 100_000
Progress = Callable[[int, int], None]


COPY_MIN_ROWS = 1_000  # PostgreSQL: below this, executemany (pipelined by psycopg) beats a temporary table
COPY_SLICE_ROWS = 100_000  # CSV made and sent a slice at a time: bounded memory, encoding beside the upload
STAGE_MIN_ROWS = 20_000  # below this, executemany is as quick and needs no staging file
MAX_STAGES = 8  # SQLite attaches at most 10 databases to a connection by default
SLICE_MIN_ROWS = 250_000  # a frame this large is staged in slices, overlapping staging with moving
MAX_SLICES = 4


@dataclass
class StagingArea:
    """Temporary SQLite files attached to a connection (``stage_0``, ``stage_1`` …) for one transaction.

    One file per staged table (or slice of one): inside a transaction SQLite keeps reading the schema of an attached
    file as it was when first read, so a table added later by another connection would not be seen."""

    folder: Path
    attached: list[str] = field(default_factory=list)
    reserved: int = 0

    def available(self) -> int:
        return MAX_STAGES - self.reserved

    def next(self) -> tuple[str, Path] | None:
        """Reserve a file and its alias; attach it with :meth:`attach` once it is written."""
        if self.reserved >= MAX_STAGES:
            return None
        alias = f"stage_{self.reserved}"
        self.reserved += 1
        return alias, self.folder / f"{alias}.db"

    def attach(self, conn: Connection, alias: str, path: Path) -> None:
        conn.exec_driver_sql(f"ATTACH DATABASE ? AS {alias}", (str(path),))
        self.attached.append(alias)


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
        from sqlalchemy.dialects import sqlite

        return sqlite.insert(target)
    if dialect == "postgresql":
        from sqlalchemy.dialects import postgresql

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
    if conn.dialect.name == "postgresql":  # psycopg adapts dates and booleans itself; COPY reads polars' CSV
        data = frame.select(columns)
        if frame.height >= COPY_MIN_ROWS:
            _upsert_copied(conn, target, data, key=key, update=update, progress=progress)
            return
    else:
        data = _driver_ready(frame.select(columns))
    if stage is not None and frame.height >= STAGE_MIN_ROWS and stage.available():
        _upsert_staged(conn, target, data, key=key, update=update, stage=stage, progress=progress)
        return
    stmt = _on_conflict(_insert(conn, target), key=key, update=update)
    compiled = stmt.compile(dialect=conn.dialect, column_keys=columns)
    positional = conn.dialect.paramstyle in ("qmark", "numeric", "format")
    order = list(compiled.positiontup) if positional else columns
    data = data.select(order)
    done = 0
    params: list[Any]
    for chunk in data.iter_slices(CHUNK_ROWS):
        if positional:
            params = list(zip(*(s.to_list() for s in chunk.iter_columns()), strict=True))
        else:
            params = chunk.to_dicts()
        conn.exec_driver_sql(str(compiled), params)
        done += chunk.height
        if progress:
            progress(done, frame.height)


def _constants(data: pl.DataFrame, key: list[str]) -> dict[str, object]:
    """Columns with one value throughout (the source file, the synthetic flag, a column the file lacks)."""
    if not data.height:
        return {}
    out: dict[str, object] = {}
    for c in data.columns:
        s = data.get_column(c)
        if c in key:
            continue
        nulls = s.null_count()
        if nulls == s.len():
            out[c] = None
        elif nulls == 0 and (s.head(64) == s[0]).all() and (s == s[0]).all():  # the head is a quick no
            out[c] = s[0]
    return out


def _in_key_order(frame: pl.DataFrame, pk: list[str]) -> pl.DataFrame:
    """Rows in primary-key order: SQLite then appends to its B-tree instead of splitting pages all over it. Two
    integer key columns are sorted as one packed 64-bit key (one radix-friendly column instead of two)."""
    if len(pk) == 2 and all(frame.schema[c].is_integer() for c in pk) and frame.height:
        a, b = pk
        lo_a, hi_a, lo_b, hi_b = frame.select(pl.col(a).min().alias("lo_a"), pl.col(a).max().alias("hi_a"),
                                              pl.col(b).min().alias("lo_b"), pl.col(b).max().alias("hi_b")).row(0)
        if None not in (lo_a, hi_a, lo_b, hi_b) and (hi_a - lo_a + 1) * (hi_b - lo_b + 1) < 2**62:
            span = hi_b - lo_b + 1
            packed = (pl.col(a).cast(pl.Int64) - lo_a) * span + (pl.col(b).cast(pl.Int64) - lo_b)
            return frame.sort(packed)
    return frame.sort(pk)


def _slices(rows: int, available: int) -> list[tuple[int, int]]:
    """(offset, length) of the slices to stage: doubling in size, so the first is staged quickly and each later
    one is staged while the previous ones are moved (moving is the slower of the two)."""
    n = max(1, min(MAX_SLICES, available, rows // SLICE_MIN_ROWS))
    weights = [2**i for i in range(n)]
    bounds = [rows * sum(weights[:i]) // sum(weights) for i in range(n + 1)]
    return [(bounds[i], bounds[i + 1] - bounds[i]) for i in range(n)]


def stage_frame(frame: pl.DataFrame, path: Path, name: str = "rows") -> None:
    """Write ``frame`` as table ``name`` of a new SQLite file through the ADBC driver (Arrow C stream in, one
    prepared INSERT in C). The file is scratch: no journal, no fsync, and 64 KiB pages (fewer, larger reads and
    writes than SQLite's default 4 KiB)."""
    import adbc_driver_manager as adbc
    import adbc_driver_sqlite

    database = adbc_driver_sqlite.connect(str(path))
    try:
        connection = adbc.AdbcConnection(database)
        try:
            statement = adbc.AdbcStatement(connection)
            try:
                for pragma in ("page_size=65536", "journal_mode=OFF", "synchronous=OFF"):
                    statement.set_sql_query(f"PRAGMA {pragma}")
                    statement.execute_update()
                statement.set_options(**{adbc.INGEST_OPTION_TARGET_TABLE: name,
                                         adbc.INGEST_OPTION_MODE: adbc.INGEST_OPTION_MODE_CREATE})
                statement.bind_stream(frame)
                statement.execute_update()
            finally:
                statement.close()
        finally:
            connection.close()
    finally:
        database.close()


def _upsert_staged(
    conn: Connection,
    target: Table,
    data: pl.DataFrame,
    *,
    key: list[str],
    update: list[str],
    stage: StagingArea,
    progress: Progress | None = None,
) -> None:
    # A column with one value throughout travels as one bound parameter (or NULL) instead of a staged column.
    constant = _constants(data, key)
    varying = [c for c in data.columns if c not in constant]
    columns = [*varying, *constant]
    pk = [c.name for c in target.primary_key.columns]
    staged_rows = data.select(varying)
    if all(c in varying for c in pk):
        staged_rows = _in_key_order(staged_rows, pk)
    slices = [(*stage.next(), staged_rows.slice(offset, length))  # type: ignore[misc]  # available() > 0
              for offset, length in _slices(staged_rows.height, stage.available())]

    def statement(alias: str):
        staged = table("rows", *[column(c) for c in varying], schema=alias)
        values = {c: null() if v is None else literal(v) for c, v in constant.items()}
        # `WHERE true` keeps SQLite from reading ON CONFLICT as part of the SELECT (its documented parsing ambiguity).
        rows = select(*[staged.c[c] for c in varying], *[values[c].label(c) for c in constant]).where(true())
        return _on_conflict(_insert(conn, target).from_select(columns, rows), key=key, update=update)

    # A helper thread stages the slices in order while this one moves each slice as soon as it is on disk; SQLite
    # on either side runs without the GIL. Slices are contiguous in key order, so the B-trees are still appended to.
    done = 0
    pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="opentrade-stage")
    try:
        written = [pool.submit(stage_frame, rows, path) for _, path, rows in slices]
        for (alias, path, rows), ready in zip(slices, written, strict=True):
            ready.result()
            stage.attach(conn, alias, path)
            conn.execute(statement(alias))
            done += rows.height
            if progress:
                progress(done, staged_rows.height)
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _upsert_copied(
    conn: Connection,
    target: Table,
    data: pl.DataFrame,
    *,
    key: list[str],
    update: list[str],
    progress: Progress | None = None,
) -> None:
    """PostgreSQL: COPY the frame into a temporary table, then one ``INSERT … SELECT … ON CONFLICT`` (plain INSERT
    into an empty table) on the caller's transaction: a failure anywhere rolls the whole import back, temporary
    table included."""
    constant = _constants(data, key)
    varying = [c for c in data.columns if c not in constant]
    columns = [*varying, *constant]
    pk = [c.name for c in target.primary_key.columns]
    if all(c in varying for c in pk):
        data = _in_key_order(data, pk)  # index pages filled left to right, as on SQLite
    rows = data.select(varying)
    quoted = conn.dialect.identifier_preparer.quote
    stage = f"opentrade_stage_{target.name}"
    # The staging table takes the target's column types (COPY parses the CSV into them) but none of its
    # constraints; ON COMMIT DROP is the safety net, the explicit DROP lets one transaction stage a table twice.
    names = ", ".join(quoted(c) for c in varying)
    conn.exec_driver_sql(f"CREATE TEMPORARY TABLE {stage} ON COMMIT DROP AS "  # noqa: S608  # names, not values
                         f"SELECT {names} FROM {quoted(target.name)} WITH NO DATA")
    # Quoting every non-numeric value keeps an empty string apart from NULL (unquoted empty) and a lone "\." line
    # from COPY's end-of-data marker.
    def csv(part: pl.DataFrame) -> bytes:
        buffer = io.BytesIO()
        part.write_csv(buffer, include_header=False, quote_style="non_numeric")
        return buffer.getvalue()

    done = 0
    # psycopg 3's cursor, on the transaction SQLAlchemy has begun; one slice is encoded (polars, without the GIL)
    # while the previous one is sent.
    driver = conn.connection.driver_connection
    assert driver is not None  # a live connection inside the caller's transaction
    with (driver.cursor() as cursor,
          ThreadPoolExecutor(max_workers=1, thread_name_prefix="opentrade-csv") as pool,
          cursor.copy(f"COPY {stage} ({names}) FROM STDIN (FORMAT csv)") as copy):
        pending = None
        for part in rows.iter_slices(COPY_SLICE_ROWS):
            ready, pending = pending, (pool.submit(csv, part), part.height)
            if ready is not None:
                copy.write(ready[0].result())
                done += ready[1]
                if progress:  # staging counts as half the work; the move below is the other half
                    progress(done // 2, rows.height)
        if pending is not None:
            copy.write(pending[0].result())
    staged = table(stage, *[column(c) for c in varying])
    values = {c: null() if v is None else cast(literal(v, target.c[c].type), target.c[c].type)
              for c, v in constant.items()}
    insert = _insert(conn, target).from_select(columns, select(*[staged.c[c] for c in varying],
                                                                *[values[c].label(c) for c in constant]))
    first_load = not conn.execute(select(exists().select_from(target))).scalar()
    if not (first_load and _plain_insert(conn, insert)):
        conn.execute(_on_conflict(insert, key=key, update=update))
    conn.exec_driver_sql(f"DROP TABLE {stage}")
    if first_load:  # no statistics yet: without them the planner guesses (the headline figures took twice as long)
        conn.exec_driver_sql(f"ANALYZE {quoted(target.name)}")
    if progress:
        progress(rows.height, rows.height)


def _plain_insert(conn: Connection, insert) -> bool:
    """Into an empty table nothing conflicts: a plain INSERT spares ON CONFLICT's speculative insertion (a fifth of
    the INSERT's time in a first load of a million firms). Should a concurrent import fill the table meanwhile, its unique violation rolls back to a
    savepoint and False says: upsert instead."""
    try:
        with conn.begin_nested():
            conn.execute(insert)
    except IntegrityError as exc:
        if getattr(exc.orig, "sqlstate", None) != "23505":  # unique_violation; a foreign key error is an error
            raise
        return False
    return True
