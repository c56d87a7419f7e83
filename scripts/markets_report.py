"""Write (or check) the generated tables of docs/markets-method.md: fitted elasticities, the backtest against the four
baselines for every segment, the normalisation comparison, and a sample ranking — as they come out.

Usage: python scripts/markets_report.py [--check]

The tables sit between ``<!-- generated:NAME -->`` and ``<!-- /generated:NAME -->`` markers; everything else in the
document is prose kept by hand. ``--check`` exits 1 when the document differs from what the model produces now (a
test runs it, so the documentation cannot drift from the code).
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

import numpy as np

from opentrade.analytics.gravity import TERM_LABELS, TERMS
from opentrade.analytics.ranking import METHODS
from opentrade.refdata.market_model import load_model_config
from opentrade.services.market_backtest import backtest, backtest_run
from opentrade.services.markets import model_inputs, rank_markets

DOC = Path(__file__).resolve().parents[1] / "docs" / "markets-method.md"


def _f(x: float, signed: bool = True) -> str:
    if x is None or not np.isfinite(x):
        return "–"
    return f"{x:+.2f}" if signed else f"{x:.2f}"


def elasticities() -> str:
    inputs, _ = model_inputs(None)
    fits = inputs.gravity
    cats = list(fits)
    head = "| term | " + " | ".join(cats) + " |\n|---|" + "---|" * len(cats)
    lines = [head]
    for i, t in enumerate(TERMS):
        cells = []
        for c in cats:
            f = fits[c]
            low, high = f.interval()
            star = "" if low[i] <= 0 <= high[i] else " *"
            cells.append(f"{f.coef[i]:+.2f} [{low[i]:+.2f}, {high[i]:+.2f}]{star}")
        lines.append(f"| {TERM_LABELS[t][0]} | " + " | ".join(cells) + " |")
    lines.append("| partner-years / partners | " + " | ".join(f"{fits[c].n_obs} / {fits[c].n_partners}"
                                                             for c in cats) + " |")
    lines.append("| pseudo-R² | " + " | ".join(f"{fits[c].pseudo_r2:.2f}" for c in cats) + " |")
    years = {(f.first_year, f.last_year) for f in fits.values()}
    return "\n".join(lines) + f"\n\nYears {', '.join(f'{a}–{b}' for a, b in years)}; 95 % intervals; * = excludes 0."


def backtest_tables() -> str:
    config = load_model_config()
    out = []
    for outcome, title in (("growth", "Outcome: growth of China's exports of the segment's categories, % a year"),
                           ("gain", "Outcome: gain in China's exports of the segment's categories, US$")):
        out.append(f"**{title}** (mean Spearman ρ over origins, 90 % paired-bootstrap intervals; Δρ = model − "
                   "baseline)\n")
        out.append("| segment | model ρ | region dummy ρ (Δρ) | GDP ρ (Δρ) | imports ρ (Δρ) | persistence ρ (Δρ) | "
                   "model precision@5 | model within-region ρ | model ρ without breaks |")
        out.append("|---|---|---|---|---|---|---|---|---|")
        for sid in config.segments:
            b = backtest(segment=sid)
            rows = {r["predictor"]: r for r in b.table if r["outcome"] == outcome}
            m = rows["model"]
            cells = [f"{_f(m['rho'])} ({_f(m['rho_low'])} … {_f(m['rho_high'])})"]
            for p in ("region", "gdp", "imports", "persistence"):
                r = rows[p]
                mark = {"beats": " ✓", "loses": " ✗", "ties": ""}[r["verdict"]]
                cells.append(f"{_f(r['rho'])} ({_f(r['delta'])}: {_f(r['delta_low'])} … {_f(r['delta_high'])}){mark}")
            cells += [_f(m["precision_at_5"], False), _f(m["within_region_rho"]), _f(m["rho_without_breaks"])]
            out.append(f"| {sid} | " + " | ".join(cells) + " |")
        out.append("")
    b = backtest(segment="ict")
    out.append("✓ = the model beats that baseline (interval of Δρ above 0), ✗ = the baseline beats the model, blank = "
               f"cannot be told apart. Origins {', '.join(map(str, b.origins))}, horizon {b.horizon} years, "
               f"{b.markets} ASEAN + LAC markets. Precision@5 = share of the model's top 5 that lands in the top "
               "quarter of the outcome (a random ranking scores 0.25 on average).")
    return "\n".join(out)


def normalisation_table() -> str:
    run = backtest_run()
    by = run.method_ranking()
    lines = ["| normalisation | mean ρ, growth | mean ρ, gain | average |", "|---|---|---|---|"]
    for m in METHODS:
        lines.append(f"| {m}{' (used)' if m == run.method else ''} | {by['growth'][m]:+.3f} | {by['gain'][m]:+.3f} | "
                     f"{(by['growth'][m] + by['gain'][m]) / 2:+.3f} |")
    return "\n".join(lines)


def sample_ranking() -> str:
    r = rank_markets(None, segment="ict", draws=1000)
    lines = ["| rank | tier | market | score | P(top 5) | rank 90 % | potential (China, US$ m) | realised 2019 "
             "(US$ m) | unrealised (US$ m) |", "|---|---|---|---|---|---|---|---|---|"]
    for m in r.markets[:10]:
        p = m.potential or {}

        def mn(x):
            return "–" if x is None else f"{x / 1e6:,.0f}"

        lines.append(f"| {m.rank} | {m.tier} | {m.iso3} {m.name_en} | {m.score:.1f} | {m.p_top:.0%} | "
                     f"{m.rank_interval[0]:.0f}–{m.rank_interval[1]:.0f} | {mn(p.get('china_usd'))} | "
                     f"{mn(p.get('realised_china_usd'))} | {mn(p.get('unrealised_china_usd'))} |")
    eff = ", ".join(f"{f['id']} {f['weight']:.2f} → {f['effective_weight']:.2f}" for f in r.factors_meta
                    if f["weight"] > 0)
    return "\n".join(lines) + f"\n\nNominal → effective weights (ICT, ASEAN + LAC): {eff}."


SECTIONS = {"elasticities": elasticities, "backtest": backtest_tables, "normalisation": normalisation_table,
            "ranking": sample_ranking}


def render(text: str) -> str:
    for name, make in SECTIONS.items():
        pattern = re.compile(rf"(<!-- generated:{name} -->\n)(?:.*?\n)?(<!-- /generated:{name} -->)", re.S)
        if not pattern.search(text):
            raise SystemExit(f"{DOC.name}: markers for {name!r} not found")
        body = make()
        text = pattern.sub(lambda m, body=body: m.group(1) + body + "\n" + m.group(2), text)
    return text


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if the document is out of date")
    args = parser.parse_args(argv)
    current = DOC.read_text(encoding="utf-8")
    new = render(current)
    if args.check:
        if new != current:
            print(f"{DOC} is out of date: run python scripts/markets_report.py", file=sys.stderr)
            return 1
        return 0
    DOC.write_text(new, encoding="utf-8")
    print(f"wrote the generated tables of {DOC}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
