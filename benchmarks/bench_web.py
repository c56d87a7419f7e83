"""Benchmark the HTTP side: opentrade's API under load against Datasette, and the cockpit's first page load.

    python benchmarks/bench_web.py [--workdir DIR] [--duration 15] [--skip-browser]

1. Builds the demo database (``opentrade init --demo``) in the work directory, or reuses it.
2. Enterprise list, 100 rows a page, with ``wrk -t2 -c50 --latency``: Datasette serving the same file
   (``datasette serve registry.db --setting default_page_size 100``) against opentrade under uvicorn (one worker,
   ``--log-level warning --no-access-log``) on ``/api/v1/enterprises?page_size=100``.
3. ``/api/v1/kpis`` and ``/api/v1/markets?segment=ict&region=asean,lac`` with ``wrk -t2 -c200 --latency``.
4. The overview page (``/`` and ``/?lang=en``) loaded by headless Chromium through Playwright, each load in a
   fresh browser context (empty cache): time to the ``load`` event and the bytes of every response.

Servers run one at a time, so that the two cores go to the server and wrk. Every request goes to 127.0.0.1 and
every load run is bounded in time. Figures are printed as a table and written to benchmarks/out/bench_web.json;
server logs are in WORKDIR/logs/.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
OUT = HERE / "out"
BIN = Path(sys.executable).parent
HOST = "127.0.0.1"
DB_NAME = "registry.db"  # Datasette names the database after the file: /registry/...
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
PAGE_SIZE = 100
TARGETS = {"ratio": 1.0, "errors": 0}

OURS_LIST = f"/api/v1/enterprises?page_size={PAGE_SIZE}"
OURS_LOADED = (("kpis", "/api/v1/kpis"), ("markets", "/api/v1/markets?segment=ict&region=asean,lac"))
PAGES = ("/", "/?lang=en")


def peer_list_path(columns: tuple[str, ...]) -> str:
    """Datasette's table JSON, shaped like ours: the same columns (plus its primary key), rows as objects, and the
    filtered row count that stands for our ``total``."""
    cols = "".join(f"&_col={c}" for c in columns)
    return f"/registry/enterprise.json?_size={PAGE_SIZE}&_shape=objects{cols}"


PEER_DEFAULT_PATH = f"/registry/enterprise.json?_size={PAGE_SIZE}"


def app_factory():
    """uvicorn's ``--factory`` entry: ``create_app`` on the database named by BENCH_WEB_DATABASE_URL."""
    from opentrade.app import create_app
    from opentrade.store.db import Database

    return create_app(Database(os.environ["BENCH_WEB_DATABASE_URL"]))


# --- wrk --------------------------------------------------------------------------------------------------------

UNITS_MS = {"us": 1e-3, "ms": 1.0, "s": 1e3, "m": 60e3, "h": 3600e3}


@dataclass
class Load:
    name: str
    url: str
    connections: int
    duration_s: int
    requests: int = 0
    rps: float = 0.0
    p50_ms: float | None = None
    p75_ms: float | None = None
    p90_ms: float | None = None
    p99_ms: float | None = None
    max_ms: float | None = None
    socket_errors: dict[str, int] = field(default_factory=lambda: {"connect": 0, "read": 0, "write": 0, "timeout": 0})
    non_2xx: int = 0
    read_mib: float = 0.0
    response_bytes: int | None = None  # one response's body, from the check before the run
    backlog_s: float | None = None  # after the run: until the server answered one more request
    server_cpu_pct: float | None = None  # of one core, during the run
    wrk_cpu_pct: float | None = None
    other_cpu_pct: float | None = None  # everything else on the machine: noise
    note: str = ""

    @property
    def errors(self) -> int:
        return sum(self.socket_errors.values()) + self.non_2xx

    @property
    def p99_censored(self) -> bool:
        """wrk leaves responses slower than its --timeout out of the percentiles (it counts them as timeout errors):
        when more than 1 % of the responses are, the p99 shown is a floor, not the p99."""
        return self.socket_errors["timeout"] > 0.01 * self.requests or self.requests == 0


def _ms(value: str, unit: str) -> float:
    return float(value) * UNITS_MS[unit]


def parse_wrk(text: str, load: Load) -> Load:
    number = r"([\d.]+)(us|ms|s|m|h)"
    for pct in ("50", "75", "90", "99"):
        m = re.search(rf"^\s+{pct}%\s+{number}\s*$", text, re.M)
        if m:
            setattr(load, f"p{pct}_ms", _ms(*m.groups()))
    m = re.search(rf"^\s+Latency\s+{number}\s+{number}\s+{number}", text, re.M)
    if m:
        load.max_ms = _ms(m.group(5), m.group(6))
        if _ms(m.group(1), m.group(2)) == 0:  # no response within the timeout: an empty histogram
            load.p50_ms = load.p75_ms = load.p90_ms = load.p99_ms = load.max_ms = None
    m = re.search(r"(\d+) requests in [\d.]+\w+, ([\d.]+)(B|KB|MB|GB) read", text)
    if m:
        load.requests = int(m.group(1))
        load.read_mib = float(m.group(2)) * {"B": 2**-20, "KB": 2**-10, "MB": 1.0, "GB": 1024.0}[m.group(3)]
    m = re.search(r"Requests/sec:\s+([\d.]+)", text)
    if m:
        load.rps = float(m.group(1))
    m = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", text)
    if m:
        load.socket_errors = dict(zip(("connect", "read", "write", "timeout"), map(int, m.groups()), strict=True))
    m = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
    if m:
        load.non_2xx = int(m.group(1))
    return load


def busy_cpu_s() -> float:
    """CPU seconds the whole machine has spent busy since boot (/proc/stat)."""
    fields = Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]
    user, nice, system, _idle, _iowait, irq, softirq, steal = (int(x) for x in fields[:8])
    return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")


def proc_cpu_s(pid: int) -> float:
    """CPU seconds of a running process (/proc/PID/stat: utime + stime)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def run_wrk(name: str, base: str, path: str, *, connections: int, duration: int, timeout: str, logs: Path,
            server_pid: int, record: bool = True) -> Load:
    url = base + path
    cmd = ["wrk", "-t2", f"-c{connections}", f"-d{duration}s", "--latency", f"--timeout={timeout}", url]
    busy0, server0, children0 = busy_cpu_s(), proc_cpu_s(server_pid), os.times()
    t0 = time.perf_counter()
    # wrk stops itself after -d; the subprocess timeout is only a backstop.
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=duration + 60, check=False)
    wall = time.perf_counter() - t0
    children1 = os.times()
    wrk_s = (children1.children_user - children0.children_user) + (children1.children_system
                                                                   - children0.children_system)
    server_s = proc_cpu_s(server_pid) - server0
    other_s = max(busy_cpu_s() - busy0 - server_s - wrk_s, 0.0)
    load = Load(name=name, url=url, connections=connections, duration_s=duration,
                server_cpu_pct=round(100 * server_s / wall, 1), wrk_cpu_pct=round(100 * wrk_s / wall, 1),
                other_cpu_pct=round(100 * other_s / wall, 1))
    if record:
        (logs / f"wrk-{name}.txt").write_text(" ".join(cmd) + "\n\n" + proc.stdout + proc.stderr)
    if proc.returncode != 0 or "Requests/sec:" not in proc.stdout:
        raise RuntimeError(f"wrk failed ({proc.returncode}): {proc.stderr.strip()[:300]}")
    return parse_wrk(proc.stdout, load)


# --- servers ----------------------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def fetch(url: str, timeout: float = 30.0) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as resp:  # 127.0.0.1 only
            return resp.status, resp.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


@contextmanager
def server(name: str, cmd: list[str], port: int, logs: Path, env: dict[str, str] | None = None,
           ready_path: str = "/", startup_s: float = 120.0) -> Iterator[tuple[str, int]]:
    """Run ``cmd`` until the block ends; yields the base URL and the process id once ``ready_path`` answers."""
    base = f"http://{HOST}:{port}"
    log = (logs / f"{name}.log").open("w")
    proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, env=env, start_new_session=True)
    try:
        deadline = time.monotonic() + startup_s
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"{name} exited with {proc.returncode}; see {logs / (name + '.log')}")
            try:
                fetch(base + ready_path, timeout=5)
                break
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                if time.monotonic() > deadline:
                    raise RuntimeError(f"{name} did not answer within {startup_s:.0f} s") from None
                time.sleep(0.2)
        yield base, proc.pid
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=15)
        log.close()


def check(base: str, path: str, rows_key: str) -> int:
    """One request before the load: it must answer 200 with a full page; returns the body's size."""
    status, body = fetch(base + path)
    if status != 200:
        raise RuntimeError(f"{base}{path} answered {status}: {body[:300]!r}")
    if rows_key:
        rows = json.loads(body)[rows_key]
        if len(rows) != PAGE_SIZE:
            raise RuntimeError(f"{base}{path} returned {len(rows)} rows, not {PAGE_SIZE}")
    return len(body)


# --- steps ------------------------------------------------------------------------------------------------------


def build_db(workdir: Path, rebuild: bool) -> tuple[Path, float | None]:
    db = workdir / DB_NAME
    if rebuild:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{db}{suffix}").unlink(missing_ok=True)
    if db.exists():
        return db, None
    env = {**os.environ, "OPENTRADE_DATABASE_URL": f"sqlite:///{db}"}
    t0 = time.perf_counter()
    subprocess.run([str(BIN / "opentrade"), "init", "--demo"], env=env, check=True, capture_output=True,
                   timeout=600)
    return db, time.perf_counter() - t0


def ours_cmd(port: int) -> list[str]:
    return [sys.executable, "-m", "uvicorn", "--factory", "--app-dir", str(HERE), "bench_web:app_factory",
            "--host", HOST, "--port", str(port), "--workers", "1", "--log-level", "warning", "--no-access-log"]


def peer_cmd(db: Path, port: int, *, suggest_facets: bool) -> list[str]:
    cmd = [str(BIN / "datasette"), "serve", str(db), "--host", HOST, "--port", str(port),
           "--setting", "default_page_size", str(PAGE_SIZE), "--setting", "max_returned_rows", "1000"]
    if not suggest_facets:
        cmd += ["--setting", "suggest_facets", "off"]
    return cmd


def drain(base: str, path: str, limit_s: float = 180.0) -> float | None:
    """Seconds until the server answers one more request (None: not within ``limit_s``). A server keeps working on
    the requests of connections that wrk closed at the end of a run; the next run must not start behind them."""
    t0 = time.perf_counter()
    try:
        fetch(base + path, timeout=limit_s)
    except (urllib.error.URLError, TimeoutError, ConnectionError):
        return None
    return time.perf_counter() - t0


def load_step(name: str, srv: tuple[str, int], path: str, args: argparse.Namespace, logs: Path, *,
              connections: int, rows_key: str = "", note: str = "") -> Load:
    base, pid = srv
    size = check(base, path, rows_key)
    # Warm-up (not recorded): connection set-up, first-request caches, the thread pool.
    run_wrk(name, base, path, connections=connections, duration=args.warmup, timeout=args.timeout, logs=logs,
            server_pid=pid, record=False)
    drain(base, path)
    load = run_wrk(name, base, path, connections=connections, duration=args.duration, timeout=args.timeout,
                   logs=logs, server_pid=pid)
    load.note = note
    load.backlog_s = drain(base, path)
    load.response_bytes = size
    p99 = (">" if load.p99_censored and load.p99_ms is not None else " ") + _fmt(load.p99_ms)
    print(f"  {name:<26} {load.rps:8.1f} req/s  p50 {_fmt(load.p50_ms)}  p99{p99}  errors {load.errors} "
          f"(timeouts {load.socket_errors['timeout']}, non-2xx {load.non_2xx}); CPU % server "
          f"{load.server_cpu_pct:.0f}, wrk {load.wrk_cpu_pct:.0f}, other {load.other_cpu_pct:.0f}", flush=True)
    return load


def browse(base: str, runs: int) -> list[dict[str, Any]]:
    """First load of each page in a fresh context: time to the load event, requests and bytes (all responses until
    the network is idle)."""
    from playwright.sync_api import sync_playwright

    results = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            for path in PAGES:
                samples = []
                for i in range(runs + 1):  # the first load warms the server and is not counted
                    context = browser.new_context()
                    page = context.new_page()
                    responses = []
                    page.on("response", lambda r, into=responses: into.append(r))
                    resp = page.goto(base + path, wait_until="load", timeout=60_000)
                    if resp is None or resp.status != 200:
                        raise RuntimeError(f"{path}: status {resp.status if resp else None}")
                    timing = page.evaluate(
                        "() => { const n = performance.getEntriesByType('navigation')[0];"
                        " return {load: n.loadEventStart, dcl: n.domContentLoadedEventEnd,"
                        " ttfb: n.responseStart}; }")
                    page.wait_for_load_state("networkidle", timeout=30_000)
                    body = wire = 0
                    for r in responses:
                        try:
                            body += len(r.body())
                        except Exception:  # redirects and aborted requests have no body
                            pass
                        wire += max(r.request.sizes()["responseBodySize"], 0)
                    context.close()
                    if i:
                        samples.append({"load_ms": timing["load"], "dcl_ms": timing["dcl"],
                                        "ttfb_ms": timing["ttfb"], "requests": len(responses),
                                        "body_bytes": body, "transfer_bytes": wire})
                summary = {k: statistics.median(s[k] for s in samples) for k in samples[0]}
                results.append({"path": path, "runs": runs, "median": summary,
                                "load_ms_min": min(s["load_ms"] for s in samples),
                                "load_ms_max": max(s["load_ms"] for s in samples), "samples": samples})
                print(f"  {path:<22} load {summary['load_ms']:7.1f} ms  {summary['requests']:.0f} requests  "
                      f"{summary['body_bytes'] / 1024:8.1f} KiB", flush=True)
        finally:
            browser.close()
    return results


# --- report -----------------------------------------------------------------------------------------------------


def _fmt(ms: float | None) -> str:
    if ms is None:
        return "    n/a"
    return f"{ms:7.1f} ms" if ms < 10_000 else f"{ms / 1000:7.1f} s"


def _verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


def report(result: dict[str, Any]) -> list[dict[str, Any]]:
    loads = {d["name"]: d for d in result["loads"]}
    errors = {n: d["errors"] for n, d in loads.items()}

    def runs(prefix: str) -> list[dict[str, Any]]:
        return [d for n, d in loads.items() if n.split("#")[0] == prefix]

    ours_rps = statistics.median(d["rps"] for d in runs("ours.enterprises"))
    peer_rps = statistics.median(d["rps"] for d in runs("peer.enterprises"))
    ratio = ours_rps / peer_rps if peer_rps else float("nan")
    result["enterprises_rps"] = {"ours": ours_rps, "peer": peer_rps, "ratio_ours_peer": ratio}
    checks = [
        {"target": "enterprises req/s, ours / Datasette", "goal": f">= {TARGETS['ratio']:.1f}",
         "value": f"{ratio:.2f}", "ok": ratio >= TARGETS["ratio"]},
    ]
    for name, conns in [("enterprises", 50), *((n, 200) for n, _ in OURS_LOADED)]:
        group = runs(f"ours.{name}")
        n_err, n_req = sum(d["errors"] for d in group), sum(d["requests"] for d in group)
        # No response at all is no pass: wrk counts neither a request nor an error for a request still waiting.
        checks.append({"target": f"{name} errors, ours (c{conns})", "goal": "0",
                       "value": str(n_err) if n_req else "no reply", "ok": n_err == 0 and n_req > 0})

    print(f"\nLoad (wrk -t2, {result['duration_s']} s each after a {result['warmup_s']} s warm-up; "
          f"errors = socket errors incl. responses over {result['wrk_timeout']}, + non-2xx)")
    print(f"{'run':<26}{'conn':>5}{'req/s':>9}{'p50':>11}{'p99':>12}{'errors':>8}{'backlog':>9}{'KiB/resp':>10}"
          f"{'other CPU':>11}")
    for d in result["loads"]:
        size = f"{d['response_bytes'] / 1024:.1f}" if d["response_bytes"] else ""
        p99 = _fmt(d["p99_ms"]).strip() if d["p99_ms"] is not None else f"> {result['wrk_timeout']}"
        p99 = (">" if d["p99_censored"] and d["p99_ms"] is not None else "") + p99
        backlog = "n/a" if d["backlog_s"] is None else f"{d['backlog_s']:.1f} s"
        print(f"{d['name']:<26}{d['connections']:>5}{d['rps']:>9.1f}{_fmt(d['p50_ms']):>11}{p99:>12}"
              f"{errors[d['name']]:>8}{backlog:>9}{size:>10}"
              f"{d['other_cpu_pct']:>10.0f}%")
    if result.get("pages"):
        print(f"\nFirst load in headless Chromium (median of {result['pages'][0]['runs']} fresh contexts)")
        print(f"{'page':<12}{'load':>11}{'DCL':>11}{'TTFB':>11}{'requests':>10}{'body KiB':>10}{'wire KiB':>10}")
        for p in result["pages"]:
            m = p["median"]
            print(f"{p['path']:<12}{_fmt(m['load_ms']):>11}{_fmt(m['dcl_ms']):>11}{_fmt(m['ttfb_ms']):>11}"
                  f"{m['requests']:>10.0f}{m['body_bytes'] / 1024:>10.1f}{m['transfer_bytes'] / 1024:>10.1f}")
    print(f"\n{'target':<40}{'goal':>8}{'value':>10}  verdict")
    for c in checks:
        print(f"{c['target']:<40}{c['goal']:>8}{c['value']:>10}  {_verdict(c['ok'])}")
    return checks


def versions() -> dict[str, str]:
    from importlib.metadata import version

    out = {"python": platform.python_version()}
    for pkg in ("opentrade", "fastapi", "starlette", "uvicorn", "pydantic", "sqlalchemy", "datasette", "playwright"):
        try:
            out[pkg] = version(pkg)
        except Exception:
            out[pkg] = "missing"
    for tool, flag in (("wrk", "-v"), (CHROMIUM, "--version")):
        try:
            text = subprocess.run([tool, flag], capture_output=True, text=True, timeout=30).stdout
            out[Path(tool).name] = text.strip().splitlines()[0] if text.strip() else "?"
        except (OSError, subprocess.TimeoutExpired):
            out[Path(tool).name] = "missing"
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--workdir", type=Path, default=OUT / "web", help="database and logs (default benchmarks/out/web)")
    ap.add_argument("--duration", type=int, default=15, help="seconds of each wrk run (default 15)")
    ap.add_argument("--warmup", type=int, default=3, help="seconds of unrecorded wrk warm-up before each run")
    ap.add_argument("--timeout", default="2s", help="wrk --timeout (default wrk's own, 2s)")
    ap.add_argument("--browser-runs", type=int, default=5, help="measured first loads per page (default 5)")
    ap.add_argument("--skip-browser", action="store_true", help="no Chromium step")
    ap.add_argument("--skip-peer-default", action="store_true",
                    help="skip the extra run of Datasette with its default settings (suggested facets on)")
    ap.add_argument("--repeat", type=int, default=1,
                    help="alternating Datasette/opentrade runs of the enterprise list; the ratio uses the medians")
    ap.add_argument("--rebuild", action="store_true", help="rebuild the demo database")
    args = ap.parse_args(argv)

    for tool in ("wrk", str(BIN / "datasette")):
        if not shutil.which(tool):
            sys.exit(f"{tool} not found: apt-get install -y wrk; pip install -e '.[bench]' (datasette)")
    workdir = args.workdir.resolve()
    logs = workdir / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    OUT.mkdir(parents=True, exist_ok=True)

    load1 = os.getloadavg()[0]
    print(f"{os.cpu_count()} CPUs, load average {load1:.2f} (the 'other CPU' column shows what else ran during "
          "each run, in % of one core)", flush=True)

    db, build_s = build_db(workdir, args.rebuild)
    print(f"database {db} ({'reused' if build_s is None else f'built in {build_s:.1f} s'})", flush=True)

    from opentrade.services.registry import ENTERPRISE_LIST_COLUMNS

    loads: list[Load] = []
    pages: list[dict[str, Any]] = []
    peer_note = "suggest_facets off; the same 13 columns as ours (+ id), rows as objects, with the row count"
    peer_path = peer_list_path(ENTERPRISE_LIST_COLUMNS)
    env = {**os.environ, "BENCH_WEB_DATABASE_URL": f"sqlite:///{db}"}
    peer_port, ours_port = free_port(), free_port()
    # Both servers are up together (an idle one costs nothing) so that their runs can alternate: a burst of
    # other work on the machine then hits both sides instead of one.
    with (server("datasette", peer_cmd(db, peer_port, suggest_facets=False), peer_port, logs,
                 ready_path="/-/versions.json") as peer,
          server("opentrade", ours_cmd(ours_port), ours_port, logs, env=env, ready_path="/api/v1/segments") as ours):
        print(f"enterprise list, 100 rows, c50 (Datasette {peer[0]}, opentrade {ours[0]})", flush=True)
        for i in range(args.repeat):
            suffix = f"#{i + 1}" if args.repeat > 1 else ""
            loads.append(load_step(f"peer.enterprises{suffix}", peer, peer_path, args, logs, connections=50,
                                   rows_key="rows", note=peer_note))
            loads.append(load_step(f"ours.enterprises{suffix}", ours, OURS_LIST, args, logs, connections=50,
                                   rows_key="items"))
        print("figures and ranking, c200", flush=True)
        for name, path in OURS_LOADED:
            loads.append(load_step(f"ours.{name}", ours, path, args, logs, connections=200))
        if not args.skip_browser:
            print("Chromium, first load", flush=True)
            pages = browse(ours[0], args.browser_runs)
    if not args.skip_peer_default:
        port = free_port()
        with server("datasette-default", peer_cmd(db, port, suggest_facets=True), port, logs,
                    ready_path="/-/versions.json") as srv:
            print("Datasette with its default settings (information)", flush=True)
            loads.append(load_step("peer_default.enterprises", srv, PEER_DEFAULT_PATH, args, logs, connections=50,
                                   rows_key="rows", note="Datasette defaults: suggested facets computed on every "
                                                         "request; all 24 columns, rows as arrays"))

    result: dict[str, Any] = {
        "when": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "machine": {"cpus": os.cpu_count(), "load_average_at_start": load1, "platform": platform.platform()},
        "versions": versions(),
        "database": str(db),
        "duration_s": args.duration,
        "warmup_s": args.warmup,
        "wrk_timeout": args.timeout,
        "loads": [{**asdict(x), "errors": x.errors, "p99_censored": x.p99_censored} for x in loads],
        "pages": pages,
    }
    checks = report(result)
    result["targets"] = checks
    target = OUT / "bench_web.json"
    target.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    print(f"\nwritten to {target}")
    return 0 if all(c["ok"] for c in checks) else 1


if __name__ == "__main__":
    sys.exit(main())
