"""Benchmark ``opentrade import`` on PostgreSQL against opentrade on SQLite and a pandas ``to_sql`` peer.

    python benchmarks/bench_import_pg.py [--firms 1000000] [--workdir DIR] [--seed 7] [--postgres-url URL]

The same generated files (see generate_registry.py; N firms and 5·N yearly rows) are loaded

* by ``opentrade import`` into a fresh SQLite file (the reference: bench_import.py's "ours"),
* by ``opentrade import`` into a fresh PostgreSQL database (COPY into a temporary table, then one
  ``INSERT … SELECT … ON CONFLICT``: full validation, keys, foreign keys, upsert, one transaction per file),
* by the peer: pandas ``read_csv`` + ``DataFrame.to_sql`` into a fresh PostgreSQL database through SQLAlchemy and
  psycopg 3 with pandas' default method (executemany, which SQLAlchemy batches into multi-row INSERTs) and
  ``chunksize=50_000`` — no validation, no keys, no upsert. (``method="multi"`` was several times slower here.)

and ``opentrade kpi --json`` is timed over both opentrade databases. Every step runs as its own subprocess, measured
for wall time and the client's peak resident memory (the server's memory is not counted). Without
``--postgres-url`` (or ``$OPENTRADE_TEST_POSTGRES_URL``) the script restarts itself under
``scripts/with_postgres.sh`` with a durable throwaway server (fsync on, default settings but shared_buffers=256MB).
Figures are printed with their ratios and written to benchmarks/out/bench_import_pg.json.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import subprocess
import sys
from dataclasses import asdict
from pathlib import Path

import psutil
from bench_import import KINDS, MIB, OPENTRADE, OUT, PYTHON, Step, ensure_data, fresh_sqlite, run, total

ROOT = Path(__file__).resolve().parent.parent
URL_ENV = "OPENTRADE_TEST_POSTGRES_URL"
PEER_CHUNKSIZE = 50_000


def peer_import(kind: str, csv: Path, url: str) -> None:
    """pandas read_csv + to_sql into PostgreSQL (default method, chunks of 50,000 rows)."""
    import pandas as pd
    from sqlalchemy import create_engine

    frame = pd.read_csv(csv, dtype={"uscc": str, "industry_code": str})
    engine = create_engine(url)
    frame.to_sql(kind, engine, if_exists="replace", index=False, chunksize=PEER_CHUNKSIZE)
    engine.dispose()


def fresh_database(admin_url: str, name: str) -> str:
    from sqlalchemy import create_engine, make_url

    engine = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.exec_driver_sql(f'CREATE DATABASE "{name}" ENCODING \'UTF8\' TEMPLATE template0')
    engine.dispose()
    return make_url(admin_url).set(database=name).render_as_string(hide_password=False)


def server_facts(url: str) -> dict:
    from sqlalchemy import create_engine

    engine = create_engine(url)
    with engine.connect() as conn:
        facts = {"version": conn.exec_driver_sql("SHOW server_version").scalar()}
        for name in ("fsync", "synchronous_commit", "shared_buffers", "max_wal_size", "work_mem"):
            facts[name] = conn.exec_driver_sql(f"SHOW {name}").scalar()
    engine.dispose()
    return facts


def database_mib(url: str) -> float:
    from sqlalchemy import create_engine

    engine = create_engine(url)
    with engine.connect() as conn:
        size = conn.exec_driver_sql("SELECT pg_database_size(current_database())").scalar()
    engine.dispose()
    return size / MIB


def imports(label: str, url: str, data: Path, logs: Path) -> list[Step]:
    env = {**os.environ, "OPENTRADE_DATABASE_URL": url}
    steps: list[Step] = []
    for kind in KINDS:
        steps.append(run(f"{label}: import {kind}", [OPENTRADE, "import", kind, str(data / f"{kind}.csv")],
                         env=env, log_dir=logs))
        if steps[-1].returncode != 0:
            break
    steps.append(total(f"{label}: total", steps))
    if steps[-1].returncode == 0:
        steps.append(run(f"{label}: kpi --json", [OPENTRADE, "kpi", "--json"], env=env, log_dir=logs))
    return steps


def peer(url: str, data: Path, logs: Path) -> list[Step]:
    steps = [run(f"peer → PostgreSQL: to_sql {kind}",
                 [PYTHON, __file__, "--peer-only", kind, str(data / f"{kind}.csv"), url], log_dir=logs)
             for kind in KINDS]
    return [*steps, total("peer → PostgreSQL: total", steps)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--firms", type=int, default=1_000_000)
    parser.add_argument("--workdir", type=Path, default=OUT / "work", help="data and databases (default: %(default)s)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--postgres-url", default=os.environ.get(URL_ENV),
                        help=f"a URL of a role that may create databases (default: ${URL_ENV}; none: a throwaway "
                             "server is started)")
    parser.add_argument("--skip-sqlite", action="store_true", help="leave out opentrade on SQLite")
    parser.add_argument("--skip-peer", action="store_true", help="leave out the pandas peer")
    parser.add_argument("--peer-only", nargs=3, metavar=("KIND", "CSV", "URL"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.peer_only:
        kind, csv, url = args.peer_only
        return peer_import(kind, Path(csv), url)
    if not args.postgres_url:
        script = ROOT / "scripts" / "with_postgres.sh"
        print("no PostgreSQL URL given: starting a throwaway server (scripts/with_postgres.sh, fsync on)")
        env = {**os.environ, "PG_FAST": "0"}
        sys.exit(subprocess.call([str(script), PYTHON, __file__, *sys.argv[1:]], env=env))

    workdir = args.workdir.resolve()
    workdir.mkdir(parents=True, exist_ok=True)
    logs = workdir / "logs-pg"
    data = ensure_data(args.firms, args.seed, workdir)
    load_before = os.getloadavg()
    if load_before[0] > 0.5:
        print(f"warning: load average {load_before[0]:.2f}; other processes may skew the timings", file=sys.stderr)

    steps: list[Step] = []
    sizes: dict[str, float] = {}
    if not args.skip_sqlite:
        sqlite = fresh_sqlite(workdir / "ours-pg-bench.db")
        steps += imports("opentrade → SQLite", f"sqlite:///{sqlite}", data, logs)
        sizes["opentrade → SQLite"] = sum(p.stat().st_size for p in workdir.glob("ours-pg-bench.db*")) / MIB
    ours_url = fresh_database(args.postgres_url, "opentrade_bench_ours")
    steps += imports("opentrade → PostgreSQL", ours_url, data, logs)
    sizes["opentrade → PostgreSQL"] = database_mib(ours_url)
    if not args.skip_peer:
        peer_url = fresh_database(args.postgres_url, "opentrade_bench_peer")
        steps += peer(peer_url, data, logs)
        sizes["peer → PostgreSQL"] = database_mib(peer_url)

    by_name = {s.name: s for s in steps}
    ratios = {}
    pg, lite, other = (by_name.get(f"{n}: total") for n in ("opentrade → PostgreSQL", "opentrade → SQLite",
                                                              "peer → PostgreSQL"))
    if pg and lite:
        ratios["opentrade PostgreSQL / opentrade SQLite (import wall time)"] = pg.seconds / lite.seconds
    if pg and other:
        ratios["peer PostgreSQL / opentrade PostgreSQL (import wall time; > 1: opentrade faster)"] = \
            other.seconds / pg.seconds
    kpi_pg, kpi_lite = by_name.get("opentrade → PostgreSQL: kpi --json"), by_name.get("opentrade → SQLite: kpi --json")
    if kpi_pg and kpi_lite:
        ratios["kpi --json PostgreSQL / SQLite (wall time)"] = kpi_pg.seconds / kpi_lite.seconds

    facts = server_facts(args.postgres_url)
    print(f"\n{args.firms:,} firms, {5 * args.firms:,} financial rows; PostgreSQL {facts['version']} "
          f"(fsync={facts['fsync']}, shared_buffers={facts['shared_buffers']}); load average before: "
          f"{load_before[0]:.2f} on {os.cpu_count()} CPUs\n")
    print(f"{'step':<48}{'seconds':>10}{'client peak MiB':>17}  exit")
    for s in steps:
        print(f"{s.name:<48}{s.seconds:>10.2f}{s.peak_mib:>17,.0f}  {s.returncode}")
    print()
    for name, mib in sizes.items():
        print(f"{'size on disk: ' + name:<48}{mib:>10,.0f} MiB")
    print()
    for name, value in ratios.items():
        print(f"{name:<86}{value:>6.2f}×")

    result = {
        "firms": args.firms,
        "financial_rows": 5 * args.firms,
        "files": {kind: {"path": str(data / f"{kind}.csv"), "mib": (data / f"{kind}.csv").stat().st_size / MIB}
                  for kind in KINDS},
        "peer": {"method": "pandas default (executemany)", "chunksize": PEER_CHUNKSIZE, "driver": "psycopg 3"},
        "steps": [asdict(s) for s in steps],
        "ratios": ratios,
        "database_mib": sizes,
        "postgresql": facts,
        "when": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "host": {"python": platform.python_version(), "platform": platform.platform(), "cpus": os.cpu_count(),
                 "memory_gib": round(psutil.virtual_memory().total / 2**30, 1),
                 "loadavg_1min_before": load_before[0]},
        "logs": str(logs),
    }
    OUT.mkdir(exist_ok=True)
    target = OUT / "bench_import_pg.json"
    target.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    print(f"\nfigures: {target}\nlogs: {logs}")


if __name__ == "__main__":
    main()
