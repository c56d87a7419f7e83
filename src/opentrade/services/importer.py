"""Import a registry file: read → validate every row → write all rows in one transaction, or nothing.

All-or-nothing: validation runs on the whole file before a single write, and the writes share one transaction,
so a rejected file — or a process killed half-way — leaves the database exactly as it was.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

import polars as pl
from sqlalchemy import Connection, func, select
from sqlalchemy.exc import OperationalError

from opentrade.domain.classify import classify_frame
from opentrade.errors import ImportRejected, InputFileError
from opentrade.ingest.readers import RawTable, read_table
from opentrade.ingest.report import RejectReport
from opentrade.ingest.schemas import SPECS, EntitySpec
from opentrade.ingest.validate import ROW, Validated, add_issues, validate
from opentrade.ingest.values import USCC, Parser
from opentrade.options import DATUMS, Options, given
from opentrade.refdata.standards import Taxonomy
from opentrade.store import audit, revision
from opentrade.store.db import Database, translate_operational_error
from opentrade.store.lookup import key_ids, tune_for_bulk_writes
from opentrade.store.models import Base, Enterprise, Event, HeritageSite, ImportRun, Space, table_of
from opentrade.store.upsert import StagingArea, staging_area, upsert_frame

Progress = Callable[[int, int], None]  # (rows written so far, rows in all)


@dataclass
class ImportResult:
    kind: str
    path: str
    encoding: str
    rows: int
    inserted: int = 0
    updated: int = 0
    dry_run: bool = False
    notes: list[str] = field(default_factory=list)


def spec_for(kind: str) -> EntitySpec:
    try:
        return SPECS[kind]
    except KeyError:
        raise InputFileError(kind, f"unknown import kind {kind!r}; choose one of: {', '.join(SPECS)}") from None


def import_file(
    db: Database,
    kind: str,
    path: str | Path,
    *,
    options: Options | None = None,
    dry_run: bool = False,
    write_rejects: bool = True,
    progress: Progress | None = None,
) -> ImportResult:
    """Import the file at ``path`` as ``kind``. From ``options`` (default: the environment's): the limits of size
    and rows, the taxonomy that classifies firms, the coordinates' datum — "wgs84" (stored as is) or "gcj02"
    (AMap/Tencent maps, converted to WGS-84 on import) — and the actor and address the audit log records."""
    opts = given(options)
    spec = spec_for(kind)
    path = Path(path)
    max_bytes = opts.max_import_bytes
    # The checksum for the import log is computed beside the reading and validation (hashlib works without the GIL);
    # a file that read_table will refuse for its size is not hashed.
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="opentrade-sha256") as pool:
        digest = pool.submit(_sha256, path) if _within(path, max_bytes) else ""
        raw = read_table(path, max_bytes=max_bytes)
        return import_table(db, spec, raw, options=opts, dry_run=dry_run, write_rejects=write_rejects,
                            progress=progress, sha256=digest)


def _within(path: Path, max_bytes: int | None) -> bool:
    try:
        return path.is_file() and (max_bytes is None or path.stat().st_size <= max_bytes)
    except OSError:
        return False


def import_table(
    db: Database,
    spec: EntitySpec,
    raw: RawTable,
    *,
    options: Options | None = None,
    dry_run: bool = False,
    write_rejects: bool = True,
    progress: Progress | None = None,
    sha256: str | Future[str] = "",
    source_label: str | None = None,
) -> ImportResult:
    """Validate and write one table in its own transaction."""
    try:
        with db.engine.connect() as conn, staging_area(conn) as stage, conn.begin():
            return import_on(conn, spec, raw, options=options, dry_run=dry_run, write_rejects=write_rejects,
                             progress=progress, sha256=sha256, source_label=source_label, stage=stage)
    except OperationalError as exc:  # e.g. a full disk: say which file was not imported
        error = translate_operational_error(exc)
        raise type(error)(f"{raw.path}: not imported, nothing was written: {error}") from exc


def import_on(
    conn: Connection,
    spec: EntitySpec,
    raw: RawTable,
    *,
    options: Options | None = None,
    dry_run: bool = False,
    write_rejects: bool = True,
    progress: Progress | None = None,
    sha256: str | Future[str] = "",
    source_label: str | None = None,
    stage: StagingArea | None = None,
) -> ImportResult:
    """Validate and write one table on the caller's transaction (so several tables can land together or not at all).

    Raises ImportRejected, after writing nothing, when any row breaks a rule.
    """
    opts = given(options)
    datum = opts.datum
    if datum not in DATUMS:
        raise InputFileError(raw.path, f"unknown coordinate datum {datum!r}; use one of: {', '.join(DATUMS)}")
    validated = validate(raw, spec, max_rows=opts.max_import_rows)
    source = source_label or Path(raw.path).name
    result = ImportResult(spec.kind, raw.path, raw.encoding, validated.rows, dry_run=dry_run,
                          notes=raw.notes + validated.notes)
    tune_for_bulk_writes(conn)
    rows = _to_table_rows(conn, spec, validated, source=source, taxonomy=opts.taxonomy)
    if datum == "gcj02" and {"lat", "lon"} <= set(rows.columns):
        rows = _to_wgs84(rows)
    if validated.issues.height:
        report = RejectReport(raw.path, spec.kind, validated.rows, validated.issues)
        if write_rejects:
            report.write()
        raise ImportRejected(report)
    if dry_run:
        return result
    table = Base.metadata.tables[spec.table]
    update, n_rows = _updatable(spec, validated), validated.rows
    validated.frame = validated.frame.clear()  # `rows` has all that is still needed: free the rest before writing
    before = conn.execute(select(func.count()).select_from(table)).scalar_one()
    upsert_frame(conn, table, rows, key=_db_key(spec), update=update, progress=progress, stage=stage)
    # Keys are unique within a file (validated), so into an empty table every row is new: no second count.
    after = conn.execute(select(func.count()).select_from(table)).scalar_one() if before else n_rows
    if isinstance(sha256, Future):
        sha256 = sha256.result()
    conn.execute(table_of(ImportRun).insert().values(kind=spec.kind, path=raw.path, sha256=sha256, rows=n_rows))
    result.inserted, result.updated = after - before, n_rows - (after - before)
    audit.record(conn, actor=opts.actor, action="import", entity=spec.table, ip=opts.ip,
                 after={"kind": spec.kind, "file": source, "sha256": sha256, "rows": n_rows,
                        "inserted": result.inserted, "updated": result.updated})
    revision.bump(conn)
    return result


def _to_wgs84(rows: pl.DataFrame) -> pl.DataFrame:
    from opentrade.domain.geo import gcj02_to_wgs84

    lat, lon = gcj02_to_wgs84(rows.get_column("lat").to_numpy(), rows.get_column("lon").to_numpy())
    return rows.with_columns(pl.Series("lat", lat).fill_nan(None), pl.Series("lon", lon).fill_nan(None))


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(1 << 22):
            digest.update(chunk)
    return digest.hexdigest()


# --- from validated values to table rows ----------------------------------------------------------------------


def _db_key(spec: EntitySpec) -> list[str]:
    return [_REFERENCE_IDS[k] if k in spec.references else k for k in spec.key]


def _updatable(spec: EntitySpec, validated: Validated) -> list[str]:
    """On re-import only the columns the file carries change (plus what is derived from them)."""
    present = {m.field for m in validated.mapped} | {"source"}
    cols = {_REFERENCE_IDS[f] if f in spec.references else f for f in present}
    if spec.kind == "enterprises" and present & {"industry_code", "business_scope"}:
        cols |= {"de_category", "de_subcategory", "de_basis", "de_approximate", "clusters", "cluster_basis"}
    return sorted(cols - set(_db_key(spec)))


# A reference column of an import file → (natural key, id, rule when unknown, parser naming a malformed value).
_REFERENCES = {
    "uscc": (Enterprise.uscc, Enterprise.id,
             "unknown enterprise: this USCC is not in the registry (import enterprises first)", USCC()),
    "heritage_site": (HeritageSite.name_zh, HeritageSite.id, "unknown heritage site (import heritage first)", None),
    "space": (Space.name, Space.id, "unknown space (import spaces first)", None),
    "event": (Event.name_en, Event.id, "unknown event: no event has this English name (import events first)", None),
}
_REFERENCE_IDS = {"uscc": "enterprise_id", "heritage_site": "heritage_site_id", "space": "space_id",
                  "event": "event_id"}


def _resolve(conn: Connection, validated: Validated, *, field: str, target, target_id, rule: str,
             check: Parser | None = None) -> pl.Series:
    """Turn a reference (USCC, heritage name) into the referenced id; unknown references become issues — with the
    reason the value itself is wrong (``check``) where it is, else ``rule``."""
    # A name two records share (an event held every year) means the newest record: ids grow with time.
    known = key_ids(conn, target, target_id).sort("__id").unique("__key", keep="last", maintain_order=True)
    joined = validated.frame.select(ROW, field).join(
        known, left_on=field, right_on="__key", how="left", maintain_order="left"
    )
    unknown = joined.filter(pl.col(field).is_not_null() & pl.col("__id").is_null())
    if unknown.height:
        reason = pl.lit(rule)
        if check is not None:
            reason = pl.coalesce(check.parse(pl.col(field))[1], reason)
        unknown = unknown.with_columns(reason.alias("__rule"))
        for text, rows in unknown.group_by("__rule", maintain_order=True):
            add_issues(validated, rows.get_column(ROW), field=field, rule=str(text[0]))
    return joined.get_column("__id")


def _to_table_rows(conn: Connection, spec: EntitySpec, validated: Validated, *, source: str,
                   taxonomy: Taxonomy) -> pl.DataFrame:
    frame = validated.frame
    if not frame.get_column(ROW).is_sorted():
        frame = frame.sort(ROW)
    # A column the file leaves empty takes the model's default where the database needs a value (status, stage).
    table = Base.metadata.tables[spec.table]
    # Columns the spec does not carry at all (a row version) are inserted with their default too.
    defaults = {c.name: cast(Any, c.default).arg for c in table.c
                if not c.nullable and not c.primary_key and c.default is not None and c.default.is_scalar}
    frame = frame.with_columns(pl.col(k).fill_null(v) if k in frame.columns else pl.lit(v).alias(k)
                               for k, v in defaults.items())
    if spec.kind == "enterprises":
        frame = classify_frame(frame, taxonomy=taxonomy)
    for ref in spec.references:
        target, target_id, rule, check = _REFERENCES[ref]
        ids = _resolve(conn, validated, field=ref, target=target, target_id=target_id, rule=rule, check=check)
        frame = frame.with_columns(ids.alias(_REFERENCE_IDS[ref])).drop(ref)
    frame = frame.drop(ROW)
    # Where the data carries its own source (a statistic's citation), that one is kept.
    return frame if "source" in frame.columns else frame.with_columns(pl.lit(source).alias("source"))

