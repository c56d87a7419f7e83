"""Benchmark ``opentrade import`` against a plain pandas ``read_csv`` + ``to_sql`` peer, and time ``opentrade kpi``.

    python benchmarks/bench_import.py [--firms 1000000] [--workdir DIR] [--seed 7]

Every step runs as its own subprocess, measured for wall time and peak resident memory (the larger of the
child's ``ru_maxrss`` from ``wait4`` and the polled RSS sum of its process tree). Both importers load the same
generated files (see generate_registry.py) into a fresh SQLite file. Figures are printed as a table and written
as JSON to benchmarks/out/.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import threading
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import psutil

HERE = Path(__file__).resolve().parent
OUT = HERE / "out"
PYTHON = sys.executable
OPENTRADE = shutil.which("opentrade", path=str(Path(PYTHON).parent)) or "opentrade"
KINDS = ("enterprises", "financials")
MIB = 2**20
TARGETS = {"ratio": 1.5, "peak_mib": 2048.0, "kpi_s": 1.0}


@dataclass
class Step:
    name: str
    seconds: float
    peak_mib: float
    returncode: int
    in_process_s: float | None = None


def _poll_tree_rss(pid: int, peak: list[int], done: threading.Event, interval: float = 0.05) -> None:
    try:
        root = psutil.Process(pid)
        while not done.is_set():
            total = 0
            for proc in [root, *root.children(recursive=True)]:
                try:
                    total += proc.memory_info().rss
                except (psutil.NoSuchProcess, psutil.ZombieProcess):
                    pass
            peak[0] = max(peak[0], total)
            done.wait(interval)
    except (psutil.NoSuchProcess, psutil.ZombieProcess):
        pass


def slug(name: str) -> str:
    return re.sub(r"[^\w-]+", "_", name).strip("_")


def run(name: str, cmd: list[str], *, env: dict[str, str] | None = None, log_dir: Path) -> Step:
    """Run ``cmd`` to completion; stdout/stderr go to log_dir/<name>.{out,err}."""
    log_dir.mkdir(parents=True, exist_ok=True)
    out_path, err_path = log_dir / f"{slug(name)}.out", log_dir / f"{slug(name)}.err"
    with open(out_path, "wb") as out, open(err_path, "wb") as err:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=out, stderr=err, env=env)
        peak, done = [0], threading.Event()
        poller = threading.Thread(target=_poll_tree_rss, args=(proc.pid, peak, done), daemon=True)
        poller.start()
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - start
        done.set()
        poller.join()
    proc.returncode = os.waitstatus_to_exitcode(status)
    peak_bytes = max(peak[0], usage.ru_maxrss * 1024)  # ru_maxrss is in KiB on Linux
    step = Step(name, seconds, peak_bytes / MIB, proc.returncode)
    if proc.returncode != 0:
        tail = err_path.read_text(errors="replace")[-2000:]
        print(f"!! {name} exited with {proc.returncode}:\n{tail}", file=sys.stderr)
    return step


def fresh_sqlite(path: Path) -> Path:
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    return path


# --- the peer: what one would write without opentrade ---------------------------------------------------------


def peer_import(kind: str, csv: Path, db: Path) -> None:
    """pandas read_csv + to_sql into SQLite: no validation, no keys, no upsert."""
    import sqlite3

    import pandas as pd

    frame = pd.read_csv(csv, dtype={"uscc": str, "industry_code": str})
    with sqlite3.connect(db) as conn:
        frame.to_sql(kind, conn, if_exists="replace", index=False, chunksize=50_000)
    conn.close()


def kpi_in_process() -> None:
    """Run ``opentrade kpi --json`` inside this process; report on stderr the time after the CLI is imported."""
    from opentrade.cli.main import app

    start = time.perf_counter()
    app(["kpi", "--json"], standalone_mode=False)
    print(json.dumps({"in_process_s": time.perf_counter() - start}), file=sys.stderr)


# --- the benchmark --------------------------------------------------------------------------------------------


def ensure_data(firms: int, seed: int, workdir: Path) -> Path:
    data = workdir / f"registry-{firms}-seed{seed}"
    if all((data / f"{kind}.csv").exists() for kind in KINDS):
        print(f"data: {data} (present)")
        return data
    from generate_registry import generate

    start = time.perf_counter()
    generate(firms, data, seed)
    print(f"data: {data} (generated in {time.perf_counter() - start:.1f} s)")
    return data


def total(name: str, steps: list[Step]) -> Step:
    return Step(name, sum(s.seconds for s in steps), max(s.peak_mib for s in steps),
                max((s.returncode for s in steps), key=abs))


def bench_ours(data: Path, workdir: Path, logs: Path) -> tuple[list[Step], Path]:
    db = fresh_sqlite(workdir / "ours.db")
    env = {**os.environ, "OPENTRADE_DATABASE_URL": f"sqlite:///{db}"}
    steps: list[Step] = []
    for kind in KINDS:
        steps.append(run(f"ours: import {kind}", [OPENTRADE, "import", kind, str(data / f"{kind}.csv")],
                         env=env, log_dir=logs))
        if steps[-1].returncode != 0:
            break
    return [*steps, total("ours: total", steps)], db


def bench_peer(data: Path, workdir: Path, logs: Path) -> list[Step]:
    db = fresh_sqlite(workdir / "peer.db")
    steps = [run(f"peer: to_sql {kind}",
                 [PYTHON, __file__, "--peer-only", kind, str(data / f"{kind}.csv"), str(db)], log_dir=logs)
             for kind in KINDS]
    return [*steps, total("peer: total", steps)]


def bench_kpi(db: Path, logs: Path) -> list[Step]:
    env = {**os.environ, "OPENTRADE_DATABASE_URL": f"sqlite:///{db}"}
    wall = run("kpi --json", [OPENTRADE, "kpi", "--json"], env=env, log_dir=logs)
    inner = run("kpi --json (in process)", [PYTHON, __file__, "--kpi-in-process"], env=env, log_dir=logs)
    if inner.returncode == 0:
        last = (logs / f"{slug(inner.name)}.err").read_text().strip().splitlines()[-1]
        wall.in_process_s = json.loads(last)["in_process_s"]
    return [wall]


def verdicts(steps: dict[str, Step]) -> list[tuple[str, str, str, bool | None]]:
    ours, peer, kpi = steps.get("ours: total"), steps.get("peer: total"), steps.get("kpi --json")
    rows: list[tuple[str, str, str, bool | None]] = []
    if ours and peer and ours.returncode == 0:
        ratio = ours.seconds / peer.seconds
        rows.append(("import wall time ours/peer", f"{ratio:.2f}×", f"≤ {TARGETS['ratio']}×", ratio <= TARGETS["ratio"]))
    if ours:
        ok = ours.returncode == 0 and ours.peak_mib <= TARGETS["peak_mib"]
        rows.append(("import peak RSS (ours)", f"{ours.peak_mib:,.0f} MiB", f"≤ {TARGETS['peak_mib']:,.0f} MiB", ok))
    if kpi:
        inner = f" ({kpi.in_process_s:.2f} s in process)" if kpi.in_process_s is not None else ""
        rows.append(("kpi --json wall time", f"{kpi.seconds:.2f} s{inner}", f"≤ {TARGETS['kpi_s']} s",
                     kpi.returncode == 0 and kpi.seconds <= TARGETS["kpi_s"]))
    return rows


def report(firms: int, data: Path, steps: list[Step], load_before: tuple[float, ...]) -> dict:
    print(f"\n{firms:,} firms, {5 * firms:,} financial rows; load average before: "
          f"{load_before[0]:.2f} on {os.cpu_count()} CPUs\n")
    print(f"{'step':<34}{'seconds':>10}{'peak RSS MiB':>15}  exit")
    for s in steps:
        inner = f"  ({s.in_process_s:.2f} s in process)" if s.in_process_s is not None else ""
        print(f"{s.name:<34}{s.seconds:>10.2f}{s.peak_mib:>15,.0f}  {s.returncode}{inner}")
    checks = verdicts({s.name: s for s in steps})
    print(f"\n{'target':<34}{'measured':>26}  {'goal':<12} result")
    for name, measured, goal, ok in checks:
        print(f"{name:<34}{measured:>26}  {goal:<12} {'PASS' if ok else 'FAIL'}")
    return {
        "firms": firms,
        "financial_rows": 5 * firms,
        "files": {kind: {"path": str(data / f"{kind}.csv"), "mib": (data / f"{kind}.csv").stat().st_size / MIB}
                  for kind in KINDS},
        "steps": [asdict(s) for s in steps],
        "targets": TARGETS,
        "verdicts": [{"target": n, "measured": m, "goal": g, "pass": ok} for n, m, g, ok in checks],
        "when": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "host": {"python": platform.python_version(), "platform": platform.platform(), "cpus": os.cpu_count(),
                 "memory_gib": round(psutil.virtual_memory().total / 2**30, 1),
                 "loadavg_1min_before": load_before[0]},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--firms", type=int, default=1_000_000)
    parser.add_argument("--workdir", type=Path, default=OUT / "work", help="data and databases (default: %(default)s)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--skip-ours", action="store_true", help="measure the peer only")
    parser.add_argument("--skip-peer", action="store_true", help="measure opentrade only")
    parser.add_argument("--peer-only", nargs=3, metavar=("KIND", "CSV", "DB"), help=argparse.SUPPRESS)
    parser.add_argument("--kpi-in-process", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.peer_only:
        kind, csv, db = args.peer_only
        return peer_import(kind, Path(csv), Path(db))
    if args.kpi_in_process:
        return kpi_in_process()

    workdir = args.workdir.resolve()
    workdir.mkdir(parents=True, exist_ok=True)
    logs = workdir / "logs"
    data = ensure_data(args.firms, args.seed, workdir)
    load_before = os.getloadavg()
    if load_before[0] > 0.5:
        print(f"warning: load average {load_before[0]:.2f}; other processes may skew the timings", file=sys.stderr)
    steps: list[Step] = []
    kpi: list[Step] = []
    if not args.skip_ours:
        ours, db = bench_ours(data, workdir, logs)
        steps += ours
        if ours[-1].returncode == 0:
            kpi = bench_kpi(db, logs)
    if not args.skip_peer:
        steps += bench_peer(data, workdir, logs)
    steps += kpi
    result = report(args.firms, data, steps, load_before)
    OUT.mkdir(exist_ok=True)
    target = OUT / f"bench_import-{args.firms}.json"
    target.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    print(f"\nfigures: {target}\nlogs: {logs}")


if __name__ == "__main__":
    main()
