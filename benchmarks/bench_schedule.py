"""Time the expo meeting scheduler against the greedy baseline on a seeded 300 firms × 100 buyers × 20 slots case.

Scores come from latent vectors: each firm has a sector and a capability vector, each buyer an interest vector
and a few sectors it sources from; the pair score is their affinity plus noise, shifted so that about 30 % of
pairs are wanted (> 0). A few wanted pairs are must-meet. Two variants: everyone available in every slot
(two-stage method), and each party unavailable in 2–4 random slots (relax-and-assign, which falls back to the
time-indexed model if it must; --compare-time-indexed also runs the plain time-indexed model, ~1.5 min here).
Every solve is capped by --time-limit.

    .venv/bin/python benchmarks/bench_schedule.py [--firms 300 --buyers 100 --slots 20 --tables 60]
        [--must-meet 12] [--seed 7] [--time-limit 120] [--skip-masked] [--compare-time-indexed]

Writes benchmarks/out/bench_schedule.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
from pathlib import Path

import numpy as np

from opentrade.analytics.scheduling import ScheduleResult, greedy_schedule, schedule_meetings

OUT = Path(__file__).parent / "out" / "bench_schedule.json"


def make_instance(n_firms: int, n_buyers: int, n_slots: int, n_must: int, seed: int,
                  wanted_share: float = 0.3) -> dict:
    rng = np.random.default_rng(seed)
    n_sectors, dim = 8, 6
    firm_sector = rng.integers(n_sectors, size=n_firms)
    firm_vec = rng.normal(size=(n_firms, dim))
    buyer_vec = rng.normal(size=(n_buyers, dim))
    buyer_sectors = rng.random((n_buyers, n_sectors)) < 0.3  # each buyer sources from ~30 % of sectors
    affinity = firm_vec @ buyer_vec.T / np.sqrt(dim) + 1.0 * buyer_sectors[:, firm_sector].T
    raw = affinity + rng.normal(scale=0.5, size=affinity.shape)
    cut = np.quantile(raw, 1 - wanted_share)
    scores = np.round(100 * (raw - cut) / (raw.max() - cut), 2)  # wanted pairs score in (0, 100]
    scores[scores <= 0] = np.nan
    wanted = np.argwhere(~np.isnan(scores))
    must = [tuple(map(int, pair)) for pair in wanted[rng.choice(len(wanted), size=n_must, replace=False)]]
    firm_av = np.ones((n_firms, n_slots), dtype=bool)
    buyer_av = np.ones((n_buyers, n_slots), dtype=bool)
    for av in (firm_av, buyer_av):
        for row in av:
            row[rng.choice(n_slots, size=rng.integers(2, 5), replace=False)] = False
    for f, b in must:  # keep the must-meet pairs schedulable in the masked variant
        both = firm_av[f] & buyer_av[b]
        if both.sum() < 3:
            firm_av[f, :3] = buyer_av[b, :3] = True
    return {"scores": scores, "must": must, "firm_av": firm_av, "buyer_av": buyer_av}


def row(variant: str, r: ScheduleResult) -> dict:
    return {"variant": variant, "method": r.method, "status": r.status, "meetings": len(r),
            "total": round(r.total_score, 2), "lp_bound": None if np.isnan(r.lp_bound) else round(r.lp_bound, 2),
            "gap": None if np.isnan(r.gap) else r.gap, "seconds": round(r.solve_seconds, 3),
            "timings": {k: round(v, 3) for k, v in r.timings.items()}}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--firms", type=int, default=300)
    parser.add_argument("--buyers", type=int, default=100)
    parser.add_argument("--slots", type=int, default=20)
    parser.add_argument("--tables", type=int, default=60)
    parser.add_argument("--must-meet", type=int, default=12)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--time-limit", type=float, default=120.0)
    parser.add_argument("--skip-masked", action="store_true")
    parser.add_argument("--compare-time-indexed", action="store_true",
                        help="also solve the masked variant with the plain time-indexed model (minutes)")
    args = parser.parse_args()

    inst = make_instance(args.firms, args.buyers, args.slots, args.must_meet, args.seed)
    S, T = args.slots, args.tables
    wanted = int((~np.isnan(inst["scores"])).sum())
    print(f"{args.firms} firms × {args.buyers} buyers × {S} slots, {T} tables; {wanted:,} wanted pairs "
          f"({wanted / inst['scores'].size:.0%}), {len(inst['must'])} must-meet; seed {args.seed}; "
          f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f}")

    rows = []
    common = {"must_meet": inst["must"]}
    rows.append(row("all available", schedule_meetings(inst["scores"], S, T, time_limit=args.time_limit, **common)))
    rows.append(row("all available", greedy_schedule(inst["scores"], S, T, **common)))
    if not args.skip_masked:
        masks = {"firm_available": inst["firm_av"], "buyer_available": inst["buyer_av"]}
        rows.append(row("2–4 slots off each", schedule_meetings(inst["scores"], S, T, time_limit=args.time_limit,
                                                                 **common, **masks)))
        rows.append(row("2–4 slots off each", greedy_schedule(inst["scores"], S, T, **common, **masks)))
        if args.compare_time_indexed:
            rows.insert(-1, row("2–4 slots off each", schedule_meetings(
                inst["scores"], S, T, method="time-indexed", time_limit=args.time_limit, **common, **masks)))

    header = f"{'variant':<20} {'method':<16} {'status':<10} {'meetings':>8} {'total':>10} {'LP bound':>10} " \
             f"{'gap':>8} {'seconds':>8}  vs greedy"
    print(header)
    print("-" * len(header))
    for i, r in enumerate(rows):
        greedy = next(g["total"] for g in rows[i:] if g["method"] == "greedy")
        bound = f"{r['lp_bound']:>10,.2f}" if r["lp_bound"] is not None else f"{'—':>10}"
        gap = f"{r['gap']:>8.3%}" if r["gap"] is not None else f"{'—':>8}"
        print(f"{r['variant']:<20} {r['method']:<16} {r['status']:<10} {r['meetings']:>8,} {r['total']:>10,.2f} "
              f"{bound} {gap} {r['seconds']:>8.2f}  {r['total'] / greedy - 1:+.2%}")
    for r in rows:
        if r["timings"]:
            print(f"  {r['variant']} / {r['method']}: " + ", ".join(f"{k} {v:.2f} s" for k, v in r["timings"].items()))

    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps({"args": vars(args), "wanted_pairs": wanted, "cpus": os.cpu_count(),
                               "python": platform.python_version(), "results": rows}, indent=2))
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
