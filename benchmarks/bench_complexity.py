"""Benchmark opentrade.analytics.complexity against ecomplexity (py-ecomplexity) on one year of exports.

    python benchmarks/bench_complexity.py [--locs 230] [--prods 2500] [--seed 7] [--repeat 3] [--no-memory]

The data: a seeded locations × products matrix of export values with a nested structure (capable locations
export many products, complex products have few exporters), log-normal sizes and values, about half of the
cells 0, plus one location and three products with no exports at all. The long table that both libraries
read has one row per non-zero flow, as trade data come, and the empty location and products are absent from it.

Three comparisons, each on the same input for both sides, results checked (M and proximity equal, RCA and
density within 1e-9):

* path    ecomplexity's own rca → M → proximity → density code, statement for statement as ``ecomplexity()``
          runs it (ComplexityData, create_full_df, calculate_rca, calculate_mcp, calc_discrete_proximity,
          calc_density), from the long table, once; vs ``complexity_matrices()`` on the same table.
          This is the like-for-like figure, and the one the ≥ 10× target is judged on.
* core    the same minus ecomplexity's rectangularisation: from the locations × products matrix
          (create_full_df done beforehand) vs rca/mcp/proximity/density on the ndarray.
* public  ``ecomplexity.ecomplexity()`` + ``ecomplexity.proximity()`` vs ``complexity_frame()`` +
          ``proximity_frame()``, long tables in and out. ecomplexity() also computes ECI, PCI, COI, COG and a
          log-supermodularity check, which opentrade does not: for information.

Times are the best of --repeat runs in this process (BLAS threads as the environment sets them). Peak memory:
each step once more in a fresh subprocess (after a run on a tiny input, so that lazy imports are not
counted), as the growth of the peak resident set over the step (Linux: VmHWM after resetting it through
/proc/self/clear_refs; elsewhere not shown).
"""

from __future__ import annotations

import argparse
import gc
import io
import json
import os
import platform
import subprocess
import sys
import time
import warnings
from collections.abc import Callable
from contextlib import redirect_stdout
from importlib.metadata import version

import numpy as np
import pandas as pd

from opentrade.analytics.complexity import (
    complexity_frame,
    complexity_matrices,
    density,
    mcp,
    proximity,
    proximity_frame,
    rca,
)

COLS = {"time": "year", "loc": "country", "prod": "hs", "val": "export_val"}
YEAR = 2022
TOL = 1e-9
TARGET = 10.0


# ---------------------------------------------------------------------------------------------------------
# data


def make_exports(n_loc: int, n_prod: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    size = rng.lognormal(0.0, 2.0, n_loc)  # export size of a location
    capability = rng.normal(size=n_loc) + 0.25 * np.log(size)
    complexity = rng.normal(size=n_prod)
    market = rng.lognormal(0.0, 1.5, n_prod)  # world market size of a product
    p = 1.0 / (1.0 + np.exp(-(1.5 * (capability[:, None] - complexity[None, :]) - 0.3)))
    present = rng.random((n_loc, n_prod)) < p
    values = size[:, None] * market[None, :] * rng.lognormal(0.0, 1.5, (n_loc, n_prod)) * 1e6
    x = np.where(present, np.round(values, 2), 0.0)
    x[n_loc // 2, :] = 0.0  # a location that reported nothing
    x[:, [7, n_prod // 3, n_prod - 2]] = 0.0  # products nobody exported (e.g. codes out of use)
    return x


def long_table(x: np.ndarray) -> pd.DataFrame:
    locs = np.array([f"C{i:03d}" for i in range(x.shape[0])], dtype=object)
    prods = np.array([f"{j:06d}" for j in range(x.shape[1])], dtype=object)
    li, pi = np.nonzero(x)
    return pd.DataFrame({"year": YEAR, "country": locs[li], "hs": prods[pi], "export_val": x[li, pi]})


# ---------------------------------------------------------------------------------------------------------
# the steps


def quiet(fn: Callable[[], object]) -> object:
    with warnings.catch_warnings(), redirect_stdout(io.StringIO()):
        warnings.simplefilter("ignore")
        return fn()


def ecx_rectangular(df: pd.DataFrame):
    from ecomplexity.ComplexityData import ComplexityData

    cdata = ComplexityData(df, COLS, "coerce")
    cdata.create_full_df(YEAR)
    return cdata


def ecx_core(cdata) -> dict[str, np.ndarray]:
    """ecomplexity()'s statements for RCA, M, proximity and density (default options), after create_full_df."""
    from ecomplexity.calc_density import calc_density
    from ecomplexity.calc_proximity import calc_discrete_proximity

    cdata.calculate_rca()
    cdata.calculate_mcp(1, 1, "rca", None, YEAR)
    cdata.diversity_t = np.nansum(cdata.mcp_t, axis=1)
    cdata.ubiquity_t = np.nansum(cdata.mcp_t, axis=0)
    prox_mat = calc_discrete_proximity(cdata.mcp_t, cdata.ubiquity_t, False)
    dens = calc_density(rca_or_mcp=cdata.mcp_t, proximity_mat=prox_mat, knn=None)
    return {"rca": cdata.rca_t, "mcp": cdata.mcp_t, "proximity": prox_mat, "density": dens}


def ecx_path(df: pd.DataFrame) -> dict[str, np.ndarray]:
    return ecx_core(ecx_rectangular(df))


def ours_path(df: pd.DataFrame) -> dict[str, np.ndarray]:
    [y] = complexity_matrices(df, cols=COLS)
    return {"rca": y.rca, "mcp": y.mcp, "proximity": y.proximity, "density": y.density}


def ours_core(x: np.ndarray) -> dict[str, np.ndarray]:
    r = rca(x)
    m = mcp(r)
    phi = proximity(m)
    return {"rca": r, "mcp": m, "proximity": phi, "density": density(m, phi)}


def ecx_public(df: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    import ecomplexity

    return quiet(lambda: (ecomplexity.ecomplexity(df, COLS, verbose=False), ecomplexity.proximity(df, COLS)))


def ours_public(df: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    return complexity_frame(df, cols=COLS), proximity_frame(df, cols=COLS)


STEPS = ("ecx-path", "ours-path", "ecx-core", "ours-core", "ecx-public", "ours-public")


def step_runner(name: str, x: np.ndarray, df: pd.DataFrame) -> Callable[[], object]:
    """A zero-argument callable for the step (inputs prepared outside it)."""
    if name == "ecx-path":
        return lambda: quiet(lambda: ecx_path(df))
    if name == "ours-path":
        return lambda: ours_path(df)
    if name == "ecx-core":
        # create_full_df is not timed, but calculate_* overwrite attributes only, so one cdata serves all runs
        cdata = quiet(lambda: ecx_rectangular(df))
        return lambda: quiet(lambda: ecx_core(cdata))
    if name == "ours-core":
        return lambda: ours_core(x)
    if name == "ecx-public":
        return lambda: ecx_public(df)
    if name == "ours-public":
        return lambda: ours_public(df)
    raise ValueError(name)


# ---------------------------------------------------------------------------------------------------------
# checks


def _maxdiff(a: np.ndarray, b: np.ndarray) -> float:
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    assert a.shape == b.shape, (a.shape, b.shape)
    return float(np.abs(a - b).max()) if a.size else 0.0


def check_matrices(
    theirs: dict, ours: dict, rows: np.ndarray | None, cols: np.ndarray | None
) -> dict[str, float]:
    """Max abs difference per quantity; ours restricted to the rows/cols ecomplexity keeps."""
    out = {}
    for k in ("rca", "mcp", "proximity", "density"):
        mine = ours[k]
        if rows is not None:
            mine = mine[np.ix_(cols, cols)] if k == "proximity" else mine[np.ix_(rows, cols)]
        if not np.isfinite(theirs[k]).all():
            raise SystemExit(f"ecomplexity's {k} has NaN: a product with ubiquity 0 (see complexity.py)")
        out[k] = _maxdiff(mine, theirs[k])
    return out


def check_public(theirs: tuple, ours: tuple) -> dict[str, float]:
    keys = ["year", "country", "hs"]
    e = theirs[0].dropna(subset=["mcp"]).sort_values(keys).reset_index(drop=True)
    o = ours[0].merge(e[keys], on=keys).sort_values(keys).reset_index(drop=True)
    assert o[keys].equals(e[keys])
    out = {c: _maxdiff(o[c], e[c]) for c in ("rca", "mcp", "diversity", "ubiquity", "density")}
    keys = ["year", "hs_1", "hs_2"]
    ep = theirs[1].sort_values(keys).reset_index(drop=True)
    op = ours[1].merge(ep[keys], on=keys).sort_values(keys).reset_index(drop=True)
    assert op[keys].equals(ep[keys])
    out["proximity"] = _maxdiff(op.proximity, ep.proximity)
    return out


# ---------------------------------------------------------------------------------------------------------
# timing and memory


def best_of(fn: Callable[[], object], repeat: int) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeat):
        result = None
        gc.collect()
        t0 = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t0)
    return min(times), result


def _status_kib(key: str) -> int:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith(key + ":"):
                return int(line.split()[1])
    raise KeyError(key)


def child(name: str, args: argparse.Namespace) -> None:
    """Run one step once, print the growth of the peak RSS over the step (MiB) as JSON."""
    small = make_exports(20, 50, args.seed)
    step_runner(name, small, long_table(small))()  # lazy imports (sklearn, pyarrow…) and BLAS threads first
    x = make_exports(args.locs, args.prods, args.seed)
    df = long_table(x)
    run = step_runner(name, x, df)
    gc.collect()
    with open("/proc/self/clear_refs", "w") as fh:
        fh.write("5")  # reset VmHWM to the current RSS
    base = _status_kib("VmRSS")
    t0 = time.perf_counter()
    result = run()
    seconds = time.perf_counter() - t0
    peak = _status_kib("VmHWM")
    del result
    print(json.dumps({"step": name, "peak_mib": (peak - base) / 1024, "seconds": seconds}))


def memory(args: argparse.Namespace) -> dict[str, float] | None:
    if not (sys.platform.startswith("linux") and os.access("/proc/self/clear_refs", os.W_OK)):
        return None
    out = {}
    for name in STEPS:
        cmd = [
            sys.executable,
            __file__,
            "--child",
            name,
            "--locs",
            str(args.locs),
            "--prods",
            str(args.prods),
            "--seed",
            str(args.seed),
        ]
        res = subprocess.run(cmd, capture_output=True, text=True, check=True)
        out[name] = json.loads(res.stdout.strip().splitlines()[-1])["peak_mib"]
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--locs", type=int, default=230)
    ap.add_argument("--prods", type=int, default=2500)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--no-memory", action="store_true")
    ap.add_argument("--child", choices=STEPS, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        child(args.child, args)
        return

    x = make_exports(args.locs, args.prods, args.seed)
    df = long_table(x)
    rows, cols = x.sum(axis=1) != 0, x.sum(axis=0) != 0
    print(
        f"ecomplexity {version('ecomplexity')}, numpy {np.__version__}, pandas {pd.__version__}, "
        f"Python {platform.python_version()}, {os.cpu_count()} CPUs"
    )
    print(
        f"input: {args.locs} locations × {args.prods} products, one year, {len(df):,} non-zero flows "
        f"({len(df) / x.size:.0%} of cells); {int((~rows).sum())} empty location(s), "
        f"{int((~cols).sum())} empty products; best of {args.repeat}"
    )

    print(f"load average before: {os.getloadavg()[0]:.2f} (run on an otherwise idle machine)")
    times: dict[str, float] = {}
    results: dict[str, object] = {}
    for name in STEPS:
        times[name], results[name] = best_of(step_runner(name, x, df), args.repeat)
        print(f"  {name:<12} {times[name]:9.3f} s", flush=True)

    ri, ci = np.flatnonzero(rows), np.flatnonzero(cols)
    diffs = {
        "path": check_matrices(results["ecx-path"], results["ours-path"], None, None),
        "core": check_matrices(results["ecx-core"], results["ours-core"], ri, ci),
        "public": check_public(results["ecx-public"], results["ours-public"]),
    }
    del results
    gc.collect()
    mem = None if args.no_memory else memory(args)

    print()
    header = f"{'comparison':<10} {'ecomplexity s':>14} {'opentrade s':>12} {'ratio':>8}"
    if mem:
        header += f" {'ecx peak MiB':>13} {'ours peak MiB':>14}"
    print(header + "   max abs diff")
    ok = True
    for comp in ("path", "core", "public"):
        e, o = times[f"ecx-{comp}"], times[f"ours-{comp}"]
        worst = max(diffs[comp].values())
        ok &= worst <= TOL and diffs[comp].get("mcp", 0.0) == 0.0
        line = f"{comp:<10} {e:14.3f} {o:12.3f} {e / o:7.1f}×"
        if mem:
            line += f" {mem[f'ecx-{comp}']:13.0f} {mem[f'ours-{comp}']:14.0f}"
        print(line + "   " + ", ".join(f"{k} {v:.1e}" for k, v in diffs[comp].items()))
    ratio = times["ecx-path"] / times["ours-path"]
    print()
    print(f"load average after: {os.getloadavg()[0]:.2f}")
    print(f"results identical within {TOL:g} (M exactly): {'PASS' if ok else 'FAIL'}")
    print(f"target: path ratio ≥ {TARGET:g}×: {ratio:.1f}× {'PASS' if ratio >= TARGET else 'FAIL'}")
    if not ok:
        sys.exit(1)


if __name__ == "__main__":
    main()
