"""Time the market model: all 217 economies × every service segment, each with 1,000 Monte-Carlo draws.

Target (issue: market intelligence): ≤ 1 s for the whole set, in one process, after the reference data is loaded.
Prints the cold time (loading the shipped reference snapshot and building the factor matrix once) separately.

    .venv/bin/python benchmarks/bench_ranking.py [--draws 1000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import time

from opentrade.refdata.market_model import load_model_config
from opentrade.refdata.reference import load_reference
from opentrade.services.markets import model_inputs, rank_markets


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--draws", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    started = time.perf_counter()
    ref = load_reference()
    config = load_model_config()
    inputs = model_inputs(None, ref=ref, config=config)
    cold = time.perf_counter() - started

    best = float("inf")
    for _ in range(args.repeat):
        started = time.perf_counter()
        ranked = [rank_markets(None, segment=s, regions=("all",), draws=args.draws, inputs=inputs)
                  for s in config.segments]
        best = min(best, time.perf_counter() - started)
    economies = len(ranked[0].markets) + len(ranked[0].excluded)
    print(f"load reference + build factor matrix (once): {cold:.3f} s")
    print(f"rank {economies} economies × {len(config.segments)} segments with {args.draws:,} Monte-Carlo draws each: "
          f"{best:.3f} s (best of {args.repeat}) — target ≤ 1 s: {'PASS' if best <= 1 else 'FAIL'}")


if __name__ == "__main__":
    main()
