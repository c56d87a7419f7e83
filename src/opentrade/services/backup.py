"""Backups of the whole database, and restores that prove they brought back what was saved.

* **SQLite**: SQLite's online backup API copies the file page by page inside one read transaction, so the copy is
  consistent while the server keeps reading and writing (WAL). The copy is a single self-contained file.
* **PostgreSQL**: ``pg_dump -Fc`` (custom format) reading an exported snapshot, so that the content checksum is
  taken of exactly the state that was dumped. The connection parameters of the URL are passed to the client tools
  through libpq's environment variables (``PGHOST``, ``PGPASSWORD`` …), never on the command line.

Beside every backup ``PATH`` lies ``PATH.json``: the format marker, the schema revision, the SHA-256 of the file,
the row counts and the content checksum (``store.checksum.content_checksum`` of every table except the registry
revision counter, which a restore moves forward so that caches of derived figures are never reused).

A restore checks before it writes: the metadata is an opentrade backup's, the file's SHA-256 matches it, the file is
an opentrade database of a schema revision this version knows. A SQLite backup is then copied, checked
(``integrity_check``, content checksum), migrated to head if older, and written into the live database in one step
(the backup API again: other connections see the old content or the new, never a mix). A PostgreSQL archive is
restored with ``pg_restore --clean --if-exists`` piped into ``psql --single-transaction``: all or nothing.
After the restore the database's content checksum is compared with the backup's.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import shutil
import sqlite3
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

from sqlalchemy import (
    Connection,
    Engine,
    column,
    inspect,
    make_url,
    select,
    table,
    text,
    update,
)

from opentrade import __version__
from opentrade.errors import InputFileError, StorageFullError, StoreError
from opentrade.store import dumps
from opentrade.store.checksum import content_checksum, table_counts
from opentrade.store.db import HEAD_REVISION, Database, upgrade

FORMAT = "opentrade-backup"
FORMAT_VERSION = 1
REVISION_TABLE = "registry_revision"
CHECKSUM_EXCLUDE = (REVISION_TABLE,)  # moved forward by every restore: not content
_counter = table(REVISION_TABLE, column("id"), column("value"))  # as every schema revision since 0002 has it
_CHUNK = 1 << 22


@dataclass
class BackupInfo:
    path: Path
    metadata_path: Path
    dialect: str
    revision: str | None
    content_checksum: str | None
    sha256: str
    size_bytes: int
    counts: dict[str, int]
    created_at: str
    seconds: float


@dataclass
class RestoreResult:
    path: Path
    dialect: str
    from_revision: str
    to_revision: str
    migrated: bool
    checksum_verified: bool  # the backup's recorded checksum equals the restored content's
    content_checksum: str
    counts: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0


def metadata_path(path: Path) -> Path:
    return path.with_name(path.name + ".json")


def redacted(url: str) -> str:
    return make_url(url).render_as_string(hide_password=True)


# --- backup -----------------------------------------------------------------------------------------------------


def backup(db: Database, target: str | Path, *, overwrite: bool = False) -> BackupInfo:
    """Write a backup of ``db`` to ``target`` (a folder: a time-stamped file inside it) and its metadata beside it."""
    started = time.monotonic()
    dialect = db.engine.dialect.name
    target = Path(target)
    if target.is_dir():
        stamp = dt.datetime.now().strftime("%Y%m%dT%H%M%S")
        target = target / f"opentrade-{stamp}.{'db' if dialect == 'sqlite' else 'dump'}"
    if target.exists() and not overwrite:
        raise InputFileError(str(target), "the file exists already (use --force to replace it)")
    if not target.parent.is_dir():
        raise InputFileError(str(target), f"no such folder: {target.parent}")
    partial = target.with_name(f".{target.name}.partial-{os.getpid()}")
    try:
        if dialect == "sqlite":
            described = _backup_sqlite(db, partial, target)
        elif dialect == "postgresql":
            described = _backup_postgres(db, partial)
        else:
            raise StoreError(f"backups of {dialect} databases are not supported (SQLite and PostgreSQL are)")
        sha256, size = _sha256(partial), partial.stat().st_size
        _fsync(partial)
        os.replace(partial, target)
    except OSError as exc:
        raise _os_error(exc, target) from exc
    finally:
        partial.unlink(missing_ok=True)
    revision, checksum, counts, registry_revision = described
    info = BackupInfo(target, metadata_path(target), dialect, revision, checksum, sha256, size, counts,
                      dt.datetime.now(dt.UTC).isoformat(timespec="seconds"), 0.0)
    meta = {"format": FORMAT, "format_version": FORMAT_VERSION, "opentrade": __version__, "dialect": dialect,
            "created_at": info.created_at, "source": redacted(db.url), "file": target.name, "size_bytes": size,
            "sha256": sha256, "revision": revision, "content_checksum": checksum,
            "checksum_excludes": list(CHECKSUM_EXCLUDE), "registry_revision": registry_revision, "counts": counts}
    _write_json(info.metadata_path, meta)
    info.seconds = time.monotonic() - started
    return info


def _describe(bind: Engine | Connection) -> tuple[str | None, str | None, dict[str, int], int | None]:
    """Schema revision, content checksum and row counts (these two only at the revision this code knows)."""
    if isinstance(bind, Engine):
        with bind.connect() as conn:
            return _describe(conn)
    revision = _revision(bind)
    if revision != HEAD_REVISION:  # the models describe the head schema only
        return revision, None, {}, None
    return revision, content_checksum(bind, exclude=CHECKSUM_EXCLUDE), table_counts(bind), _registry_revision(bind)


def _revision(conn: Connection) -> str | None:
    if not inspect(conn).has_table("alembic_version"):
        return None
    return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()


def _registry_revision(conn: Connection) -> int:
    if not inspect(conn).has_table(REVISION_TABLE):
        return 0
    return int(conn.execute(select(_counter.c.value).where(_counter.c.id == 1)).scalar() or 0)


def _backup_sqlite(db: Database, partial: Path, target: Path):
    source = dumps.sqlite_path(db.url)
    if not source.is_file():
        raise StoreError(f"no database file at {source}")
    if target.resolve() == source.resolve():
        raise InputFileError(str(target), "this is the database itself: choose another file")
    check = dumps.sqlite_copy(source, partial, error_path=target)
    if check != "ok":
        raise StoreError(f"the copy of {source} fails SQLite's integrity check: {check}")
    engine = dumps.plain_engine(partial)
    try:
        return _describe(engine)
    finally:
        engine.dispose()


def _backup_postgres(db: Database, partial: Path):
    pg_dump = dumps.pg_tool("pg_dump")
    env = dumps.pg_env(db.url)
    with db.engine.connect() as conn:
        conn = conn.execution_options(isolation_level="REPEATABLE READ")
        with conn.begin(), tempfile.TemporaryFile() as errors:
            snapshot = conn.execute(text("SELECT pg_export_snapshot()")).scalar_one()
            proc = dumps.start_pg_dump(pg_dump, env, snapshot=snapshot, target=partial, errors=errors)
            try:
                described = _describe(conn)  # the same snapshot as the dump
            finally:
                code = proc.wait()  # the snapshot must stay open until pg_dump has taken it
            if code != 0:
                errors.seek(0)
                raise StoreError(f"pg_dump failed ({code}): {errors.read().decode(errors='replace').strip()}")
    return described


# --- restore ----------------------------------------------------------------------------------------------------


def read_metadata(source: str | Path) -> dict:
    """The backup's metadata, after checking that it is an opentrade backup's and that the file matches it."""
    source = Path(source)
    if not source.is_file():
        raise InputFileError(str(source), "file not found")
    meta_file = metadata_path(source)
    if not meta_file.is_file():
        raise InputFileError(str(source), f"not an opentrade backup: its metadata file {meta_file.name} is missing "
                                          "(every backup is written with PATH.json beside it)")
    try:
        meta = json.loads(meta_file.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputFileError(str(meta_file), f"not an opentrade backup's metadata: {exc}") from None
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        raise InputFileError(str(meta_file), "not an opentrade backup's metadata (no format marker)")
    if meta.get("format_version") != FORMAT_VERSION:
        raise InputFileError(str(meta_file), f"backup format {meta.get('format_version')!r} is not known to this "
                                             f"version of opentrade (it reads format {FORMAT_VERSION})")
    size = source.stat().st_size
    if size != meta.get("size_bytes") or _sha256(source) != meta.get("sha256"):
        raise InputFileError(str(source), "the file does not match its metadata (size or SHA-256 differ): it is "
                                          "damaged or not the file that was backed up; the database was not touched")
    return meta


def restore(db: Database, source: str | Path) -> RestoreResult:
    """Replace the content of ``db`` with the backup at ``source``; nothing is written unless every check passes."""
    started = time.monotonic()
    source = Path(source)
    meta = read_metadata(source)
    dialect = db.engine.dialect.name
    if meta.get("dialect") != dialect:
        raise InputFileError(str(source), f"a {meta.get('dialect')} backup cannot be restored into a {dialect} "
                                          "database")
    _known_revision(source, meta.get("revision"))
    if dialect == "sqlite":
        result = _restore_sqlite(db, source, meta)
    elif dialect == "postgresql":
        result = _restore_postgres(db, source, meta)
    else:
        raise StoreError(f"restores into {dialect} databases are not supported (SQLite and PostgreSQL are)")
    result.seconds = time.monotonic() - started
    return result


def _known_revision(source: Path, revision: object) -> None:
    from alembic.script import ScriptDirectory

    from opentrade.store.db import alembic_config

    if not isinstance(revision, str):
        raise InputFileError(str(source), "not an opentrade database: it has no schema revision")
    scripts = ScriptDirectory.from_config(alembic_config(None))  # type: ignore[arg-type]
    try:
        known = scripts.get_revision(revision) is not None
    except Exception:  # alembic's ResolutionError and friends
        known = False
    if not known:
        raise InputFileError(str(source), f"the backup has schema revision {revision!r}, which this version of "
                                          f"opentrade does not know (newest: {HEAD_REVISION}): upgrade opentrade first")


def _check_recorded(source: Path, meta: dict, revision: str, checksum: str) -> bool:
    """Whether the recorded checksum could be compared (same revision); raises when it differs."""
    if revision != meta.get("revision"):
        raise InputFileError(str(source), f"the file has schema revision {revision}, its metadata says "
                                          f"{meta.get('revision')}")
    if revision != HEAD_REVISION or not meta.get("content_checksum"):
        return False
    if checksum != meta["content_checksum"]:
        raise InputFileError(str(source), "the content checksum differs from the one recorded at backup time")
    return True


def _restore_sqlite(db: Database, source: Path, meta: dict) -> RestoreResult:
    live = dumps.sqlite_path(db.url)
    with source.open("rb") as fh:
        if fh.read(len(dumps.SQLITE_MAGIC)) != dumps.SQLITE_MAGIC:
            raise InputFileError(str(source), "not a SQLite database file")
    live.parent.mkdir(parents=True, exist_ok=True)
    # The work copy lives beside the live database: same disk, and a full disk shows before the live file is touched.
    with tempfile.TemporaryDirectory(dir=live.parent, prefix=".opentrade-restore-") as folder:
        work = Path(folder) / "restore.db"
        try:
            shutil.copyfile(source, work)
            check = dumps.sqlite_integrity(work)
        except sqlite3.DatabaseError as exc:
            raise InputFileError(str(source), f"not a readable SQLite database: {exc}") from None
        except OSError as exc:
            raise _os_error(exc, live) from exc
        if check != "ok":
            raise InputFileError(str(source), f"the backup fails SQLite's integrity check: {check}")
        engine = dumps.plain_engine(work)
        try:
            with engine.connect() as conn:
                revision = _revision(conn)
            _known_revision(source, revision)
            assert revision is not None
            verified = False
            if revision == HEAD_REVISION:
                verified = _check_recorded(source, meta, revision, content_checksum(engine, exclude=CHECKSUM_EXCLUDE))
            else:
                _check_recorded(source, meta, revision, "")
                upgrade(engine)
            _move_revision_past(engine, _live_registry_revision(db))
            checksum, counts = content_checksum(engine, exclude=CHECKSUM_EXCLUDE), table_counts(engine)
        finally:
            engine.dispose()
        dumps.sqlite_replace(work, live)  # one write transaction on the live file
    db.engine.dispose()  # pooled connections opened before the restore
    after = content_checksum(db.engine, exclude=CHECKSUM_EXCLUDE)
    if after != checksum:
        raise StoreError(f"{live}: after the restore the content checksum is {after}, expected {checksum}")
    return RestoreResult(source, "sqlite", revision, HEAD_REVISION, revision != HEAD_REVISION, verified, after,
                         counts)


def _live_registry_revision(db: Database) -> int:
    try:
        with db.engine.connect() as conn:
            return _registry_revision(conn)
    except Exception:  # an empty or unreadable live database: nothing to stay ahead of
        return 0


def _move_revision_past(bind: Engine, live: int) -> None:
    """Past both the backup's and the live database's counter: a running server's cached figures of either are
    never taken for the restored data's."""
    with bind.begin() as conn:
        ahead = max(live, _registry_revision(conn)) + 1
        conn.execute(update(_counter).where(_counter.c.id == 1).values(value=ahead))


# PostgreSQL -----------------------------------------------------------------------------------------------------

def _restore_postgres(db: Database, source: Path, meta: dict) -> RestoreResult:
    pg_restore, psql = dumps.pg_tool("pg_restore"), dumps.pg_tool("psql")
    archive = dumps.pg_archive_objects(pg_restore, source)
    tables = archive["TABLE"]
    if "alembic_version" not in tables:
        raise InputFileError(str(source), "not an opentrade backup: the archive has no alembic_version table")
    live_revision = _live_registry_revision(db)
    from opentrade.store.models import Base

    # Objects of opentrade that the archive lacks (a backup of an older schema) are dropped in the same
    # transaction, so that the migrations after the restore find the schema that the archive's revision says.
    ours = set(Base.metadata.tables) | {"alembic_version"}
    with db.engine.connect() as conn:
        present = set(inspect(conn).get_table_names())
        functions = conn.execute(text(dumps.OUR_TRIGGER_FUNCTIONS), {"ours": sorted(ours)}).all()
    prelude = "".join(f'DROP TABLE IF EXISTS "{name}" CASCADE;\n' for name in sorted((present & ours) - tables))
    prelude += "".join(f"DROP FUNCTION IF EXISTS {signature} CASCADE;\n" for name, signature in functions
                       if name not in archive["FUNCTION"])
    db.engine.dispose()
    env = dumps.pg_env(db.url)
    dumps.pg_restore_into(pg_restore, psql, env, source=source, prelude=prelude)
    with db.engine.connect() as conn:
        revision = _revision(conn) or ""
    verified = False
    if revision == HEAD_REVISION:
        verified = _check_recorded(source, meta, revision, content_checksum(db.engine, exclude=CHECKSUM_EXCLUDE))
    else:
        upgrade(db.engine)
    _move_revision_past(db.engine, live_revision)
    return RestoreResult(source, "postgresql", revision, HEAD_REVISION, revision != HEAD_REVISION, verified,
                         content_checksum(db.engine, exclude=CHECKSUM_EXCLUDE), table_counts(db.engine))


# --- files ------------------------------------------------------------------------------------------------------


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _write_json(path: Path, data: dict) -> None:
    partial = path.with_name(f".{path.name}.partial-{os.getpid()}")
    try:
        partial.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        os.replace(partial, path)
    except OSError as exc:
        partial.unlink(missing_ok=True)
        raise _os_error(exc, path) from exc


def _os_error(exc: OSError, path: Path) -> StoreError:
    if exc.errno == 28:  # ENOSPC
        return StorageFullError(f"{path}: the disk is full ({exc.strerror})")
    return StoreError(f"{path}: {exc.strerror or exc}")


def info_dict(info: BackupInfo | RestoreResult) -> dict:
    return {k: str(v) if isinstance(v, Path) else v for k, v in asdict(info).items()}
