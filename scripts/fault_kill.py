"""Kill imports with SIGKILL at random moments and prove that nothing is ever half-written or lost.

    python scripts/fault_kill.py [--kills 50] [--rows 60000] [--seed 4754] [--workdir DIR] [--out FILE]

1. A registry of 200 + ROWS/2 firms is built with ``opentrade import`` (the *before* state).
2. The file under test has ROWS rows: the ROWS/2 firms again with a changed English name (updates) and ROWS/2 new
   firms (inserts). One import of it is timed on a copy (the *span*, process start to exit) and its result kept
   (the *complete* state).
3. Each run: a fresh copy of the before state, ``opentrade import enterprises FILE`` in a subprocess, SIGKILL after a
   seeded random delay, uniform over 0 … 1.05 × span (so a few land after the commit). Then:
   ``PRAGMA integrity_check`` must say ok; the database must equal the before state or the complete state (row
   counts of every table, and the content checksum of every table but the import log, the audit log and the
   revision counter, whose timestamps differ from run to run); and the same import, run again with no manual step,
   must succeed and give the complete state.
4. Printed: runs, kills, kills before the commit (database as before), kills after it (complete), failures,
   data lost (runs whose database was neither), temporary staging folders a killed import left behind.

Writes the figures to benchmarks/out/fault_kill.json (or --out). Exit code 0 only without failures.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import os
import random
import shutil
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from stdnum.cn import uscc as stdnum_uscc

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "benchmarks" / "out" / "fault_kill.json"
HEADER = ["uscc", "name_zh", "name_en", "industry_code", "ownership", "origin_country", "established_on",
          "business_scope", "mnc_regional_hq", "rd_centre"]
ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
UNSTABLE = ("import_run", "audit_log", "registry_revision")  # time stamps: not comparable between two runs


def uscc(i: int) -> str:
    rng = random.Random(i)
    body = "91310110" + "".join(rng.choice(ALPHABET) for _ in range(9))
    return body + stdnum_uscc.calc_check_digit(body)


def firms(start: int, n: int, *, label: str) -> list[list[object]]:
    rows = []
    for i in range(start, start + n):
        foreign = i % 5 == 0
        rows.append([uscc(i), f"上海测试{i}有限公司", f"{label} {i} Ltd", "6513" if i % 3 else "7212",
                     "foreign" if foreign else "domestic", "DEU" if foreign else "CHN", "2015-06-01",
                     "软件开发；信息技术咨询服务", "是" if foreign and i % 7 == 0 else "否", "否"])
    return rows


def write_csv(path: Path, rows: list[list[object]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(HEADER)
        writer.writerows(rows)
    return path


def start_import(db: Path, path: Path, tmp: Path) -> subprocess.Popen:
    env = {**os.environ, "OPENTRADE_DATABASE_URL": f"sqlite:///{db}", "TMPDIR": str(tmp)}
    return subprocess.Popen([sys.executable, "-m", "opentrade.cli.main", "import", "enterprises", str(path)],
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def finish(proc: subprocess.Popen, timeout: float = 600) -> tuple[int, str]:
    _, err = proc.communicate(timeout=timeout)
    return proc.returncode, err.decode(errors="replace")


def fingerprint(db: Path) -> tuple[dict[str, int], str]:
    from opentrade.store.checksum import content_checksum, table_counts
    from opentrade.store.db import Database

    database = Database(f"sqlite:///{db}", migrate=False)
    try:
        return table_counts(database.engine), content_checksum(database.engine, exclude=UNSTABLE)
    finally:
        database.dispose()


def integrity(db: Path) -> str:
    with sqlite3.connect(db) as conn:
        return conn.execute("PRAGMA integrity_check").fetchone()[0]


def reset(pristine: Path, db: Path) -> None:
    for suffix in ("-wal", "-shm", "-journal"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    shutil.copy(pristine, db)


def leftovers(tmp: Path) -> int:
    found = sum(1 for _ in tmp.iterdir())
    for entry in tmp.iterdir():
        shutil.rmtree(entry, ignore_errors=True) if entry.is_dir() else entry.unlink(missing_ok=True)
    return found


def run(*, kills: int, rows: int, seed: int, workdir: Path, log=print) -> dict:
    workdir.mkdir(parents=True, exist_ok=True)
    tmp = workdir / "tmp"
    tmp.mkdir(exist_ok=True)
    half = rows // 2
    seed_file = write_csv(workdir / "seed.csv", firms(900_000, 200, label="Seed"))
    base_file = write_csv(workdir / "base.csv", firms(0, half, label="Before"))
    big = write_csv(workdir / "big.csv", firms(0, half, label="After") + firms(half, rows - half, label="New"))

    pristine = workdir / "pristine.db"
    for f in ("", "-wal", "-shm"):
        Path(f"{pristine}{f}").unlink(missing_ok=True)
    for path in (seed_file, base_file):
        code, err = finish(start_import(pristine, path, tmp))
        if code != 0:
            raise SystemExit(f"building the before state failed: {err}")
    with sqlite3.connect(pristine) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    before = fingerprint(pristine)

    probe = workdir / "probe.db"
    spans = []
    for _ in range(2):
        reset(pristine, probe)
        t0 = time.monotonic()
        code, err = finish(start_import(probe, big, tmp))
        spans.append(time.monotonic() - t0)
        if code != 0:
            raise SystemExit(f"the import under test fails without a kill: {err}")
    span = statistics.mean(spans)
    complete = fingerprint(probe)
    if complete == before:
        raise SystemExit("the import under test changes nothing: no test")
    log(f"{rows:,} rows ({half:,} updates, {rows - half:,} new); one import takes {span:.2f} s "
        f"(process start to exit); killing {kills} times, seed {seed}")

    rng = random.Random(seed)
    db = workdir / "registry.db"
    stats = {"runs": 0, "kills": 0, "finished_before_kill": 0, "killed_before_commit": 0,
             "killed_after_commit": 0, "integrity_failures": 0, "partial_states": 0, "restart_failures": 0,
             "staging_leftovers": 0}
    failures: list[str] = []
    kill_fractions: list[float] = []
    while stats["kills"] < kills:
        stats["runs"] += 1
        reset(pristine, db)
        delay = rng.uniform(0.0, 1.05) * span
        proc = start_import(db, big, tmp)
        time.sleep(delay)
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
            stats["kills"] += 1
            kill_fractions.append(delay / span)
        else:
            stats["finished_before_kill"] += 1
        proc.communicate(timeout=60)
        stats["staging_leftovers"] += leftovers(tmp)

        check = integrity(db)
        state = fingerprint(db)
        if check != "ok":
            stats["integrity_failures"] += 1
            failures.append(f"run {stats['runs']}: integrity_check says {check[:200]}")
        if state == before:
            stats["killed_before_commit"] += proc.returncode < 0
        elif state == complete:
            stats["killed_after_commit"] += proc.returncode < 0
        else:
            stats["partial_states"] += 1
            failures.append(f"run {stats['runs']} (kill at {delay:.2f} s): neither before nor complete: "
                            f"{_diff(before[0], state[0])}")
        # The restart: the same import, with no manual step, must go through.
        code, err = finish(start_import(db, big, tmp))
        stats["staging_leftovers"] += leftovers(tmp)
        if code != 0 or _stable(fingerprint(db)) != _stable(complete):
            stats["restart_failures"] += 1
            failures.append(f"run {stats['runs']}: the import after the kill failed ({code}): {err.strip()[-300:]}")
        if stats["runs"] % 10 == 0:
            log(f"  {stats['runs']} runs, {stats['kills']} kills, {len(failures)} failures")

    stats["failures"] = len(failures)
    stats["data_lost"] = stats["partial_states"]
    return {
        "when": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "rows": rows, "seed": seed, "import_span_s": round(span, 3),
        "kill_at_fraction_of_span": {"min": round(min(kill_fractions), 3), "median":
                                     round(statistics.median(kill_fractions), 3),
                                     "max": round(max(kill_fractions), 3)} if kill_fractions else {},
        **stats, "failure_details": failures,
    }


def _stable(state: tuple[dict[str, int], str]) -> tuple[dict[str, int], str]:
    """The registry itself: a repeated import adds a line to the import and audit logs, nothing else."""
    counts, checksum = state
    return {k: v for k, v in counts.items() if k not in UNSTABLE}, checksum


def _diff(a: dict[str, int], b: dict[str, int]) -> str:
    changed = {k: (a.get(k), b.get(k)) for k in sorted(set(a) | set(b)) if a.get(k) != b.get(k)}
    return ", ".join(f"{k} {x}→{y}" for k, (x, y) in changed.items()) or "same counts, different content"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--kills", type=int, default=50, help="SIGKILLs to deliver (default 50)")
    ap.add_argument("--rows", type=int, default=60_000, help="rows in the file under test (default 60,000)")
    ap.add_argument("--seed", type=int, default=4754)
    ap.add_argument("--workdir", type=Path, default=None, help="default: a temporary folder, removed afterwards")
    ap.add_argument("--out", type=Path, default=OUT, help=f"JSON figures (default {OUT.relative_to(ROOT)})")
    args = ap.parse_args(argv)

    started = time.monotonic()
    if args.workdir:
        result = run(kills=args.kills, rows=args.rows, seed=args.seed, workdir=args.workdir)
    else:
        with tempfile.TemporaryDirectory(prefix="opentrade-fault-") as folder:
            result = run(kills=args.kills, rows=args.rows, seed=args.seed, workdir=Path(folder))
    result["wall_s"] = round(time.monotonic() - started, 1)
    print(f"runs {result['runs']}, kills {result['kills']} (before the commit {result['killed_before_commit']}, "
          f"after it {result['killed_after_commit']}; {result['finished_before_kill']} runs finished before "
          f"their kill time), failures {result['failures']}, data lost {result['data_lost']}; integrity failures "
          f"{result['integrity_failures']}, restarts failed {result['restart_failures']}; staging folders left "
          f"in TMPDIR by killed imports {result['staging_leftovers']}; {result['wall_s']:.0f} s")
    for line in result["failure_details"]:
        print("  FAIL", line)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    print(f"written to {args.out}")
    return 0 if result["failures"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
