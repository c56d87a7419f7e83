"""Loading the built-in Yangpu instance: the seed's named entities and the synthetic registry, written through
:func:`opentrade.services.importer.import_on` — the path user files take — in one transaction."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Mapping, Sequence
from importlib import resources
from typing import Any

import polars as pl
import yaml
from sqlalchemy import Connection, func, select

from opentrade.ingest.readers import RawTable
from opentrade.ingest.schemas import SPECS, EntitySpec
from opentrade.options import Options, given
from opentrade.services.demo.columns import columns_of as _columns
from opentrade.services.demo.generator import AS_OF, NAMED_FILE, SEED, SYNTHETIC_LABEL, YEARS, _Generator
from opentrade.services.importer import ImportResult, import_on
from opentrade.store.db import Database
from opentrade.store.models import Enterprise
from opentrade.store.upsert import StagingArea, staging_area

Run = Callable[[str, str, dict[str, list[Any]]], None]


def ensure_demo(db: Database, *, options: Options | None = None) -> bool:
    """Load the demo when the registry has no enterprises yet; True when it loaded."""
    with db.engine.connect() as conn:
        if conn.execute(select(func.count()).select_from(Enterprise)).scalar_one():
            return False
    load_demo(db, options=options)
    return True


def load_demo(db: Database, *, options: Options | None = None) -> str:
    """Load (or reload, idempotently) the built-in Yangpu instance; returns a one-paragraph summary. The generator
    classifies with the taxonomy of ``options`` (default: the environment's), as the importer then does."""
    started = time.perf_counter()
    opts = given(options)
    named = _read_named()
    gen = _Generator(named, opts.taxonomy)
    gen.run()

    seed_label = f"demo: {named['source']}"[:300]
    uni_label = (f"demo: Fudan and Tongji named in {named['source']}; other names real Yangpu universities or "
                 "marked (synthetic); all student figures are demo calibration values")[:300]
    results: list[ImportResult] = []
    # One transaction for the whole instance: a load that is interrupted leaves no half-instance behind.
    with db.engine.connect() as conn, staging_area(conn) as stage, conn.begin():

        def run(kind: str, label: str, columns: dict[str, list[Any]]) -> None:
            if columns and list(columns.values())[0]:
                results.append(_import(conn, SPECS[kind], label, columns, stage=stage, options=opts))

        _load_all(run, gen, named, seed_label=seed_label, uni_label=uni_label, conn=conn)
    inserted = sum(r.inserted for r in results)
    updated = sum(r.updated for r in results)
    s = gen.stats
    return (
        f"Loaded the built-in Yangpu instance ({inserted:,} records inserted, {updated:,} updated, "
        f"{time.perf_counter() - started:.1f} s). Named from the seed report ({named['source']}): "
        f"{len(named['enterprises'])} multinationals (real names, placeholder codes and figures), "
        f"{len(named['projects'])} investment projects, {len(named['partners'])} partners, "
        f"{len(named['events'])} event, {len(named['heritage'])} heritage sites, {len(named['universities'])} "
        f"universities (student figures are calibration values) and {len(named['statistics'])} district "
        f"statistics. Synthetic registry (seed {SEED}, every record flagged synthetic): {s['firms']:,} enterprises; "
        f"with the named ones, {s['active']:,} firms are active at {AS_OF} ({s['digital']:,} digital-economy core, {s['foreign']:,} foreign- or "
        f"HK/Macao/Taiwan-invested, {s['mnc']} MNC headquarters/R&D centres), {s['years']:,} yearly figures "
        f"{YEARS[0]}-{YEARS[-1]}, {s['heritage']:,} heritage sites, {s['spaces']} spaces and {s['projects']} "
        f"projects, calibrated so that the KPIs at {AS_OF} reproduce the seed's figures."
    )


def _load_all(run: Run, gen: _Generator, named: dict[str, Any], *, seed_label: str, uni_label: str,
              conn: Connection | None = None) -> None:
    from opentrade.services.demo.operations import Operations

    ops = Operations(gen)  # adds the operations fields of spaces and projects before they are imported
    run("statistics", "demo: district statistics", gen.named_statistics())
    run("partners", seed_label, _columns(SPECS["partners"], named["partners"], synthetic=False))
    run("events", seed_label, _columns(SPECS["events"], named["events"], synthetic=False))
    run("universities", uni_label, _columns(SPECS["universities"], named["universities"], synthetic=True))
    run("heritage", seed_label, _columns(SPECS["heritage"], named["heritage"], synthetic=False))
    run("heritage", SYNTHETIC_LABEL, gen.heritage)
    run("spaces", SYNTHETIC_LABEL, gen.spaces)
    run("enterprises", f"demo: names from {named['source']}; codes and figures are placeholders"[:300],
        gen.named_enterprises())
    run("enterprises", SYNTHETIC_LABEL, gen.enterprises)
    run("financials", SYNTHETIC_LABEL, gen.financials)
    run("projects", seed_label, gen.named_projects())
    run("projects", SYNTHETIC_LABEL, gen.projects)
    if conn is not None:  # buyers, visits, enquiries, tenancies, partner segments; the pipeline's history
        ops.load(run, conn, seed_label=seed_label)


# --- reading the named entities ------------------------------------------------------------------------------


def _read_named() -> dict[str, Any]:
    text = resources.files("opentrade").joinpath("data", "demo", NAMED_FILE).read_text(encoding="utf-8")
    doc = yaml.safe_load(text)
    for section in ("statistics", "enterprises", "projects", "partners", "events", "heritage", "universities"):
        doc.setdefault(section, [])
    return doc


# --- from rows to the importer -------------------------------------------------------------------------------


def _cell(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(int(value)) if value.is_integer() and abs(value) < 1e15 else f"{value:.6f}".rstrip("0")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def _import(conn: Connection, spec: EntitySpec, label: str, columns: Mapping[str, Sequence[Any]], *,
            stage: StagingArea | None, options: Options) -> ImportResult:
    """A generated table goes through the importer: headers = field names, every cell a string or None."""
    names = list(columns)
    frame = pl.DataFrame(
        {f"c{i}": [_cell(v) for v in columns[name]] for i, name in enumerate(names)},
        schema={f"c{i}": pl.String for i in range(len(names))},
    )
    raw = RawTable(path=label, headers=names, frame=frame.lazy(), encoding="generated")
    return import_on(conn, spec, raw, options=options, source_label=label, write_rejects=False, stage=stage)


