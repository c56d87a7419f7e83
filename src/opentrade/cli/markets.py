"""``opentrade markets …``: rank foreign markets per service segment, explain a score, list segments, backtest."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import polars as pl
import typer
from rich.table import Table

from opentrade.cli.common import console, handles_errors

markets_app = typer.Typer(help="Market intelligence: which foreign markets, for which service segments.",
                          no_args_is_help=True)
def _db():
    from opentrade.bootstrap import open_database

    return open_database()


def _regions(text: str) -> tuple[str, ...]:
    return tuple(r.strip().lower() for r in text.split(",") if r.strip())


@markets_app.command("rank")
@handles_errors
def rank(
    segment: Annotated[str, typer.Option(help="Service segment id (see `opentrade markets segments`).")] = "ict",
    region: Annotated[str, typer.Option(help="Comma-separated: asean, lac, other, china, all.")] = "asean,lac",
    top: Annotated[int | None, typer.Option(help="Show only the first N markets.")] = None,
    weights: Annotated[Path | None, typer.Option(help="YAML/JSON weights file (factor → weight).")] = None,
    draws: Annotated[int, typer.Option(help="Monte-Carlo draws for rank stability (0 = off).")] = 1000,
    as_json: Annotated[bool, typer.Option("--json", help="Print a JSON array.")] = False,
    xlsx: Annotated[Path | None, typer.Option(help="Also write the ranking to this XLSX file.")] = None,
) -> None:
    """Rank the markets of a region for a service segment, with every factor's contribution."""
    from opentrade.services.markets import rank_markets

    result = rank_markets(_db(), segment=segment, regions=_regions(region), weights_file=weights, draws=draws)
    shown = result.markets[:top] if top else result.markets
    if xlsx:
        _write_xlsx(result, shown, xlsx)
    if as_json:
        typer.echo(json.dumps([m.to_json() for m in shown], ensure_ascii=False, indent=2))
        return
    table = Table("rank", "market", "score", "demand", "ease", "channel", "P(top 5)", "rank 90 %", "flags",
                  title=f"{result.segment_en} · {result.segment_zh} — {', '.join(result.regions)}")
    for m in shown:
        by_group: dict[str, float] = {}
        for d in m.details:
            by_group[d.group] = by_group.get(d.group, 0.0) + d.contribution
        interval = f"{m.rank_interval[0]:.0f}–{m.rank_interval[1]:.0f}" if m.rank_interval else ""
        table.add_row(str(m.rank), f"{m.iso3} {m.name_en} {m.name_zh}", f"{m.score:.1f}",
                      f"{by_group.get('demand', 0):.1f}", f"{by_group.get('ease', 0):.1f}",
                      f"{by_group.get('channel', 0):.1f}", "" if m.p_top is None else f"{m.p_top:.0%}", interval,
                      "; ".join(m.flags))
    console.print(table)
    for e in result.excluded:
        console.print(f"excluded: {e['iso3']} {e['name_en']} — {e['reason']}", highlight=False)
    s = result.supply
    console.print(f"district supply in this segment: {s.get('firms')} firms, revenue {s.get('revenue_yuan')} yuan "
                  f"({s.get('year')}); location quotient: {s.get('location_quotient_note')}", highlight=False)
    console.print(f"potential in US$: {result.potential_note}", highlight=False)


def _write_xlsx(result, shown, path: Path) -> None:
    from opentrade.services.exporter import write_frame

    rows = [{"rank": m.rank, "iso3": m.iso3, "name_en": m.name_en, "name_zh": m.name_zh, "score": m.score,
             **{f"pts_{k}": v for k, v in m.factors.items()}, "p_top5": m.p_top, "flags": "; ".join(m.flags)}
            for m in shown]
    write_frame(pl.DataFrame(rows), path, fmt="xlsx")


@markets_app.command("explain")
@handles_errors
def explain(
    iso3: Annotated[str, typer.Argument(help="Market, ISO 3166 alpha-3 (e.g. BRA).")],
    segment: Annotated[str, typer.Option(help="Service segment id.")] = "ict",
    weights: Annotated[Path | None, typer.Option(help="Weights file.")] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Why a market scores what it does: every factor's value, source, year, weight and contribution."""
    from opentrade.services.markets import explain_market

    m = explain_market(_db(), iso3, segment=segment, weights_file=weights)
    if as_json:
        typer.echo(json.dumps(m.to_json(), ensure_ascii=False, indent=2))
        return
    table = Table("factor", "value", "year", "source", "normalised", "weight", "points",
                  title=f"{m.iso3} {m.name_en} {m.name_zh}: rank {m.rank}, score {m.score:.2f} ({segment})")
    for d in (d for d in m.details if d.weight > 0):
        value = "missing" if d.value is None else f"{d.value:,.4g}"
        if d.imputed:
            value += f" → {d.used:,.4g} (imputed: {d.imputed})"
        table.add_row(f"{d.label_en}\n{d.label_zh}", value, "" if d.year is None else str(d.year), d.source,
                      f"{d.normalised:.3f}", f"{d.weight:.3f}", f"{d.contribution:.2f}")
    console.print(table)
    console.print(f"sum of points = {sum(d.contribution for d in m.details):.4f} = score", highlight=False)
    if m.channels:
        console.print(f"district channels: {', '.join(m.channels)}", highlight=False)


@markets_app.command("segments")
def segments(as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """The service segments, their EBOPS 2010 categories, demand indicators and the registry classes of supply."""
    from opentrade.refdata.market_model import load_model_config

    config = load_model_config()
    if as_json:
        typer.echo(json.dumps({k: v.model_dump() for k, v in config.segments.items()}, ensure_ascii=False, indent=2))
        return
    table = Table("id", "segment", "EBOPS 2010", "demand indicators (weight)", "district supply")
    for seg_id, seg in config.segments.items():
        demand = ", ".join(f"{k} {w:.2f}" for k, w in seg.weights.items() if config.factors[k].group == "demand")
        supply = "; ".join(f"{k}: {', '.join(v)}" for k, v in seg.supply.model_dump().items() if v)
        table.add_row(seg_id, f"{seg.en}\n{seg.zh}", "\n".join(seg.ebops), demand, supply)
    console.print(table)


@markets_app.command("backtest")
@handles_errors
def backtest_cmd(
    segment: Annotated[str, typer.Option()] = "ict",
    year: Annotated[int, typer.Option(help="Build the model with data up to this year.")] = 2017,
    horizon: Annotated[int, typer.Option(help="Years of realised growth to compare with.")] = 5,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Backtest: rank with data up to YEAR, compare with realised growth of digital-services imports."""
    from opentrade.services.markets import backtest

    b = backtest(segment=segment, year=year, horizon=horizon)
    if as_json:
        typer.echo(json.dumps(b.__dict__, ensure_ascii=False, indent=2, default=float))
        return
    console.print(
        f"Backtest {segment}: model with data ≤ {b.year}, realised CAGR of digitally-deliverable services imports "
        f"{b.year}→{b.year + b.horizon}, {b.markets} markets (ASEAN + LAC).\n"
        f"  model    Spearman ρ = {b.rho:+.2f}  (90 % bootstrap interval {b.rho_interval[0]:+.2f} … "
        f"{b.rho_interval[1]:+.2f})\n"
        f"  baseline (market size only) ρ = {b.baseline_rho:+.2f}  ({b.baseline_interval[0]:+.2f} … "
        f"{b.baseline_interval[1]:+.2f})", highlight=False)
    for note in b.notes:
        console.print(f"  note: {note}", highlight=False)
