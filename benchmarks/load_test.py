"""Load test: read endpoints under 200 concurrent connections while imports and pipeline edits run beside them.

    python benchmarks/load_test.py [--duration 60] [--connections 200] [--database-url URL] [--workdir DIR]

1. The database: a fresh copy (SQLite backup API) of the demo instance that benchmarks/bench_web.py builds in
   benchmarks/out/web/registry.db (built here if missing); or ``--database-url`` (PostgreSQL too), used as it is,
   with the demo loaded into it if it is empty. Imports and edits change it: use a database you can spare.
2. The server: uvicorn, one worker (``--log-level warning --no-access-log``), with a random
   ``OPENTRADE_ADMIN_TOKEN`` in its environment.
3. Reads: ``wrk -t2 -cN --latency`` for the duration, one Lua script rotating over the enterprise list (three
   variants), the KPIs, the market ranking, partners and heritage. A warm-up of a few seconds comes first.
4. Writes, at the same time, from this process: every ``--import-every`` seconds a 2,000-row enterprise file goes
   to POST /api/v1/imports/enterprises (five blocks of firms in turn: new rows first, updates afterwards); and two
   editors move pipeline projects (GET /api/v1/pipeline for the current ``row_version``, then POST
   /api/v1/projects/{id}/stage: one stage forward, or a reopening back to "lead" from the end). The two editors
   pick from the same few projects, so some moves meet a newer version: 409 conflicts are expected and counted
   apart; any other failure is an error.

Printed and written to benchmarks/out/load_test.json (or --out): requests, throughput, p50/p90/p99/max latency, errors
(socket errors, timeouts over ``--timeout``, non-2xx: must be 0), imports done and failed, edits done, conflicts
and failed, and the CPU of the server and of wrk. Exit code 0 only without errors.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import json
import os
import random
import secrets
import shutil
import sqlite3
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import bench_web  # noqa: E402 - sibling module: server management, CPU accounting, the demo database

OUT = HERE / "out"
READ_PATHS = (
    "/api/v1/enterprises?page_size=100",
    "/api/v1/enterprises?page_size=100&page=40&sort=name_en",
    "/api/v1/enterprises?page_size=50&ownership=foreign",
    "/api/v1/kpis",
    "/api/v1/markets?segment=ict&region=asean,lac",
    "/api/v1/partners",
    "/api/v1/heritage?page_size=100",
)
LINE = ("lead", "contacted", "negotiating", "signed", "landed", "operating")

LUA = """
local paths = {%(paths)s}
local counter = 0
request = function()
  counter = counter + 1
  return wrk.format("GET", paths[(counter %% #paths) + 1])
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format('LOADJSON {"requests": %%d, "duration_us": %%d, "bytes": %%d, "connect": %%d, ' ..
    '"read": %%d, "write": %%d, "status": %%d, "timeout": %%d, "p50_us": %%d, "p90_us": %%d, "p99_us": %%d, ' ..
    '"max_us": %%d, "mean_us": %%.1f}\\n', summary.requests, summary.duration, summary.bytes, e.connect, e.read,
    e.write, e.status, e.timeout, latency:percentile(50), latency:percentile(90), latency:percentile(99),
    latency.max, latency.mean))
end
"""


def app_factory():
    """uvicorn's ``--factory`` entry: the app on LOAD_TEST_DATABASE_URL (settings from the environment)."""
    from opentrade.app import create_app
    from opentrade.store.db import Database

    return create_app(Database(os.environ["LOAD_TEST_DATABASE_URL"]))


# --- writers ----------------------------------------------------------------------------------------------------


@dataclass
class Writes:
    imports_done: int = 0
    imports_failed: int = 0
    import_seconds: list[float] = field(default_factory=list)
    edits_done: int = 0
    edit_conflicts: int = 0
    edits_failed: int = 0
    edit_seconds: list[float] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)

    def fail(self, what: str) -> None:
        if len(self.failures) < 20:
            self.failures.append(what)


def firm_file(block: int, rows: int) -> bytes:
    from stdnum.cn import uscc as stdnum_uscc

    alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    out = io.StringIO()
    out.write("uscc,name_zh,name_en,industry_code,ownership,origin_country,established_on,business_scope\n")
    for i in range(block * rows, (block + 1) * rows):
        rng = random.Random(7_000_000 + i)
        body = "91310110" + "".join(rng.choice(alphabet) for _ in range(9))
        foreign = i % 5 == 0
        out.write(f"{body}{stdnum_uscc.calc_check_digit(body)},上海负载测试{i}有限公司,Load Test {i} Ltd,"
                  f"{'6513' if i % 3 else '7212'},{'foreign' if foreign else 'domestic'},"
                  f"{'DEU' if foreign else 'CHN'},2020-01-01,软件开发；信息技术咨询服务\n")
    return out.getvalue().encode("utf-8")


def importer(base: str, token: str, stop: threading.Event, every: float, rows: int, writes: Writes) -> None:
    import httpx

    files = [firm_file(b, rows) for b in range(5)]
    with httpx.Client(base_url=base, timeout=300, headers={"Authorization": f"Bearer {token}"}) as client:
        n = 0
        while not stop.is_set():
            t0 = time.monotonic()
            try:
                r = client.post("/api/v1/imports/enterprises",
                                files={"file": (f"load-{n % 5}.csv", files[n % 5], "text/csv")})
                if r.status_code == 200:
                    writes.imports_done += 1
                    writes.import_seconds.append(time.monotonic() - t0)
                else:
                    writes.imports_failed += 1
                    writes.fail(f"import {r.status_code}: {r.text[:200]}")
            except httpx.HTTPError as exc:
                writes.imports_failed += 1
                writes.fail(f"import: {exc!r}")
            n += 1
            stop.wait(max(0.0, every - (time.monotonic() - t0)))


def editor(base: str, token: str, stop: threading.Event, seed: int, pause: float, writes: Writes,
           lock: threading.Lock) -> None:
    import httpx

    rng = random.Random(seed)
    with httpx.Client(base_url=base, timeout=300, headers={"Authorization": f"Bearer {token}"}) as client:
        while not stop.is_set():
            try:
                board = client.get("/api/v1/pipeline")
                if board.status_code != 200:
                    with lock:
                        writes.edits_failed += 1
                        writes.fail(f"pipeline {board.status_code}: {board.text[:200]}")
                    stop.wait(pause)
                    continue
                projects = sorted((p for s in board.json()["stages"] for p in s["projects"]), key=lambda p: p["id"])
                project = rng.choice(projects[:4])  # few projects, two editors: some moves collide
                body = {"expected_version": project["row_version"], "reason": "load test"}
                if project["stage"] in LINE[:-1]:
                    body["to_stage"] = LINE[LINE.index(project["stage"]) + 1]
                else:  # operating or dropped: back to the start
                    body |= {"to_stage": "lead", "reopen": True}
                t0 = time.monotonic()
                r = client.post(f"/api/v1/projects/{project['id']}/stage", json=body)
                with lock:
                    if r.status_code == 200:
                        writes.edits_done += 1
                        writes.edit_seconds.append(time.monotonic() - t0)
                    elif r.status_code == 409:
                        writes.edit_conflicts += 1
                    else:
                        writes.edits_failed += 1
                        writes.fail(f"stage move {r.status_code}: {r.text[:200]}")
            except httpx.HTTPError as exc:
                with lock:
                    writes.edits_failed += 1
                    writes.fail(f"edit: {exc!r}")
            stop.wait(pause)


# --- the run ----------------------------------------------------------------------------------------------------


def prepare_database(args: argparse.Namespace, workdir: Path) -> str:
    if args.database_url:
        env = {**os.environ, "OPENTRADE_DATABASE_URL": args.database_url}
        subprocess.run([str(bench_web.BIN / "opentrade"), "init", "--demo"], env=env, check=True,
                       capture_output=True, timeout=900)
        return args.database_url
    template, _ = bench_web.build_db(OUT / "web", rebuild=False)
    target = workdir / "load.db"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{target}{suffix}").unlink(missing_ok=True)
    with sqlite3.connect(template) as src, sqlite3.connect(target) as dst:
        src.backup(dst)
    src.close()
    dst.close()
    return f"sqlite:///{target}"


def run_wrk(base: str, args: argparse.Namespace, script: Path, duration: int) -> tuple[dict, str]:
    cmd = ["wrk", "-t2", f"-c{args.connections}", f"-d{duration}s", "--latency", f"--timeout={args.timeout}",
           "-s", str(script), base]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=duration + 120, check=False)
    line = next((x for x in proc.stdout.splitlines() if x.startswith("LOADJSON ")), None)
    if proc.returncode != 0 or line is None:
        raise RuntimeError(f"wrk failed ({proc.returncode}): {proc.stderr.strip()[:300]}")
    figures = json.loads(line.removeprefix("LOADJSON "))
    non_2xx = 0
    for text_line in proc.stdout.splitlines():
        if text_line.strip().startswith("Non-2xx or 3xx responses:"):
            non_2xx = int(text_line.split(":")[1])
    figures["non_2xx"] = non_2xx
    return figures, " ".join(cmd) + "\n\n" + proc.stdout + proc.stderr


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--duration", type=int, default=60, help="seconds of load (default 60)")
    ap.add_argument("--connections", type=int, default=200, help="concurrent wrk connections (default 200)")
    ap.add_argument("--database-url", default=None, help="database to serve (default: a copy of the SQLite demo)")
    ap.add_argument("--workdir", type=Path, default=OUT / "load", help="database copy and logs")
    ap.add_argument("--timeout", default="10s", help="wrk --timeout: slower responses count as errors (10s)")
    ap.add_argument("--warmup", type=int, default=5, help="seconds of unrecorded reads first (default 5)")
    ap.add_argument("--import-every", type=float, default=5.0, help="seconds between imports (default 5)")
    ap.add_argument("--import-rows", type=int, default=2000, help="rows per imported file (default 2,000)")
    ap.add_argument("--edit-pause", type=float, default=0.5, help="seconds each editor waits between moves")
    ap.add_argument("--out", type=Path, default=OUT / "load_test.json", help="where the figures go")
    args = ap.parse_args(argv)
    if not shutil.which("wrk"):
        sys.exit("wrk not found: apt-get install -y wrk")

    workdir = args.workdir.resolve()
    logs = workdir / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    OUT.mkdir(parents=True, exist_ok=True)
    print(f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f}", flush=True)
    url = prepare_database(args, workdir)
    token = secrets.token_urlsafe(24)
    env = {**os.environ, "LOAD_TEST_DATABASE_URL": url, "OPENTRADE_DATABASE_URL": url,
           "OPENTRADE_ADMIN_TOKEN": token, "OPENTRADE_DATA_DIR": str(workdir), "OPENTRADE_PUBLIC_READ": "true"}
    env.pop("OPENTRADE_ADMIN_TOKEN_SHA256", None)
    script = workdir / "rotate.lua"
    script.write_text(LUA % {"paths": ", ".join(json.dumps(p) for p in READ_PATHS)})
    port = bench_web.free_port()
    cmd = [sys.executable, "-m", "uvicorn", "--factory", "--app-dir", str(HERE), "load_test:app_factory",
           "--host", bench_web.HOST, "--port", str(port), "--workers", "1", "--log-level", "warning",
           "--no-access-log"]
    shown = _safe(url)
    print(f"serving {shown} on port {port}", flush=True)
    writes = Writes()
    with bench_web.server("load-server", cmd, port, logs, env=env, ready_path="/api/v1/segments") as (base, pid):
        for path in READ_PATHS:
            status, body = bench_web.fetch(base + path, timeout=120)
            if status != 200:
                raise SystemExit(f"{path} answered {status}: {body[:200]!r}")
        if args.warmup:
            run_wrk(base, args, script, args.warmup)
        stop, lock = threading.Event(), threading.Lock()
        threads = [threading.Thread(target=importer, args=(base, token, stop, args.import_every, args.import_rows,
                                                           writes), daemon=True)]
        threads += [threading.Thread(target=editor, args=(base, token, stop, seed, args.edit_pause, writes, lock),
                                     daemon=True) for seed in (1, 2)]
        busy0, server0, children0 = bench_web.busy_cpu_s(), bench_web.proc_cpu_s(pid), os.times()
        t0 = time.perf_counter()
        for t in threads:
            t.start()
        reads, raw = run_wrk(base, args, script, args.duration)
        stop.set()
        for t in threads:
            t.join(timeout=300)
        wall = time.perf_counter() - t0
        children1 = os.times()
        server_s = bench_web.proc_cpu_s(pid) - server0
        wrk_s = (children1.children_user - children0.children_user) + (children1.children_system
                                                                       - children0.children_system)
        other_s = max(bench_web.busy_cpu_s() - busy0 - server_s - wrk_s, 0.0)
        (logs / "wrk.txt").write_text(raw)
        status, _ = bench_web.fetch(base + "/api/v1/kpis", timeout=120)  # still answering afterwards
    errors = reads["connect"] + reads["read"] + reads["write"] + reads["timeout"] + reads["non_2xx"]
    result = {
        "when": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "machine": {"cpus": os.cpu_count(), "platform": sys.platform},
        "database": shown, "dialect": url.split(":", 1)[0].split("+")[0],
        "duration_s": args.duration, "connections": args.connections, "wrk_timeout": args.timeout,
        "paths": list(READ_PATHS),
        "reads": {"requests": reads["requests"], "rps": round(reads["requests"] / (reads["duration_us"] / 1e6), 1),
                  "p50_ms": reads["p50_us"] / 1000, "p90_ms": reads["p90_us"] / 1000,
                  "p99_ms": reads["p99_us"] / 1000, "max_ms": reads["max_us"] / 1000,
                  "mean_ms": round(reads["mean_us"] / 1000, 2), "mib_read": round(reads["bytes"] / 2**20, 1),
                  "socket_errors": {k: reads[k] for k in ("connect", "read", "write", "timeout")},
                  "non_2xx": reads["non_2xx"], "errors": errors},
        "writes": {**{k: v for k, v in asdict(writes).items() if not k.endswith("_seconds")},
                   "import_rows": args.import_rows, "import_every_s": args.import_every,
                   "import_p50_s": _median(writes.import_seconds), "import_max_s": _max(writes.import_seconds),
                   "edit_p50_s": _median(writes.edit_seconds), "edit_max_s": _max(writes.edit_seconds)},
        "cpu_pct_of_one_core": {"server": round(100 * server_s / wall, 1), "wrk": round(100 * wrk_s / wall, 1),
                                "other": round(100 * other_s / wall, 1)},
        "answers_after_the_run": status == 200,
    }
    ok = errors == 0 and writes.imports_failed == 0 and writes.edits_failed == 0 and status == 200
    result["ok"] = ok
    r, w = result["reads"], result["writes"]
    print(f"reads: {r['requests']:,} requests in {args.duration} s at c{args.connections} = {r['rps']:.1f} req/s; "
          f"latency p50 {r['p50_ms']:.1f} ms, p90 {r['p90_ms']:.1f} ms, p99 {r['p99_ms']:.1f} ms, max "
          f"{r['max_ms']:.1f} ms; errors {errors} (socket {r['socket_errors']}, non-2xx {r['non_2xx']})")
    print(f"writes: {w['imports_done']} imports of {args.import_rows:,} rows done ({w['imports_failed']} failed; "
          f"median {w['import_p50_s']} s), {w['edits_done']} stage moves done, {w['edit_conflicts']} conflicts "
          f"(409, expected), {w['edits_failed']} failed")
    print(f"CPU, % of one core: server {result['cpu_pct_of_one_core']['server']}, wrk "
          f"{result['cpu_pct_of_one_core']['wrk']}, other {result['cpu_pct_of_one_core']['other']}")
    for line in writes.failures:
        print("  FAIL", line)
    target = args.out
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    print(f"{'PASS' if ok else 'FAIL'}; written to {target}")
    return 0 if ok else 1


def _safe(url: str) -> str:
    from sqlalchemy import make_url

    return make_url(url).render_as_string(hide_password=True)


def _median(values: list[float]) -> float | None:
    return round(statistics.median(values), 2) if values else None


def _max(values: list[float]) -> float | None:
    return round(max(values), 2) if values else None


if __name__ == "__main__":
    sys.exit(main())
