"""``opentrade markets …``: rank foreign markets per service segment, explain a score, list segments, show the
gravity elasticities, backtest."""

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


def _usd(x: float | None) -> str:
    if x is None:
        return "–"
    for unit, div in (("bn", 1e9), ("m", 1e6), ("k", 1e3)):
        if abs(x) >= div:
            return f"{x / div:,.1f} {unit}"
    return f"{x:,.0f}"


@markets_app.command("rank")
@handles_errors
def rank(
    segment: Annotated[str, typer.Option(help="Service segment id (see `opentrade markets segments`).")] = "ict",
    region: Annotated[str, typer.Option(help="Comma-separated: asean, lac, other, china, all.")] = "asean,lac",
    top: Annotated[int | None, typer.Option(help="Show only the first N markets.")] = None,
    weights: Annotated[Path | None, typer.Option(help="YAML/JSON weights file (factor → weight).")] = None,
    draws: Annotated[int, typer.Option(help="Monte-Carlo draws for rank stability and tiers (0 = off).")] = 1000,
    as_json: Annotated[bool, typer.Option("--json", help="Print a JSON array.")] = False,
    xlsx: Annotated[Path | None, typer.Option(help="Also write the ranking to this XLSX file.")] = None,
) -> None:
    """Rank the markets of a region for a service segment, with every factor's contribution, tier and potential."""
    from opentrade.services.markets import rank_markets

    result = rank_markets(_db(), segment=segment, regions=_regions(region), weights_file=weights, draws=draws)
    shown = result.markets[:top] if top else result.markets
    if xlsx:
        _write_xlsx(shown, xlsx)
    if as_json:
        typer.echo(json.dumps([m.to_json() for m in shown], ensure_ascii=False, indent=2))
        return
    table = Table("rank", "tier", "market", "score", "demand", "ease", "channel", "P(top 5)", "rank 90 %",
                  "potential US$ (China)", "unrealised", "flags",
                  title=f"{result.segment_en} · {result.segment_zh} — {', '.join(result.regions)}")
    for m in shown:
        by_group: dict[str, float] = {}
        for d in m.details:
            by_group[d.group] = by_group.get(d.group, 0.0) + d.contribution
        interval = f"{m.rank_interval[0]:.0f}–{m.rank_interval[1]:.0f}" if m.rank_interval else ""
        pot = m.potential or {}
        table.add_row(str(m.rank), "" if m.tier is None else str(m.tier), f"{m.iso3} {m.name_en} {m.name_zh}",
                      f"{m.score:.1f}", f"{by_group.get('demand', 0):.1f}", f"{by_group.get('ease', 0):.1f}",
                      f"{by_group.get('channel', 0):.1f}", "" if m.p_top is None else f"{m.p_top:.0%}", interval,
                      _usd(pot.get("china_usd")), _usd(pot.get("unrealised_china_usd")), str(len(m.flags)))
    console.print(table)
    for e in result.excluded:
        console.print(f"excluded: {e['iso3']} {e['name_en']} — {e['reason']}", highlight=False)
    eff = ", ".join(f"{f['id']} {f['weight']:.2f}→{f['effective_weight']:.2f}" for f in result.factors_meta
                    if f["weight"] > 0 and f["effective_weight"] is not None)
    console.print(f"weights (nominal→effective over the shown markets): {eff}", highlight=False)
    console.print(f"points: {result.normalisation['method']} over {result.normalisation['over']}; stale = more than "
                  f"{result.staleness['max_age_years']} years behind the series", highlight=False)
    s = result.supply
    console.print(f"district supply in this segment: {s.get('firms')} firms, revenue {s.get('revenue_yuan')} yuan "
                  f"({s.get('year')}); location quotient: {s.get('location_quotient_note')}", highlight=False)
    console.print(f"potential: {result.potential_note}", highlight=False)


def _write_xlsx(shown, path: Path) -> None:
    from opentrade.services.exporter import write_frame

    rows = [{"rank": m.rank, "tier": m.tier, "iso3": m.iso3, "name_en": m.name_en, "name_zh": m.name_zh,
             "score": m.score, **{f"pts_{k}": v for k, v in m.factors.items()}, "p_top5": m.p_top,
             "potential_china_usd": (m.potential or {}).get("china_usd"),
             "unrealised_china_usd": (m.potential or {}).get("unrealised_china_usd"),
             "potential_district_usd": (m.potential or {}).get("district_usd"), "flags": "; ".join(m.flags)}
            for m in shown]
    write_frame(pl.DataFrame(rows, infer_schema_length=None), path, fmt="xlsx")


@markets_app.command("explain")
@handles_errors
def explain(
    iso3: Annotated[str, typer.Argument(help="Market, ISO 3166 alpha-3 (e.g. BRA).")],
    segment: Annotated[str, typer.Option(help="Service segment id.")] = "ict",
    weights: Annotated[Path | None, typer.Option(help="Weights file.")] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Why a market scores what it does: every factor's value, unit, year, dataset, flags, weight and points; and
    the log decomposition of its potential in US$."""
    from opentrade.services.markets import explain_market

    m = explain_market(_db(), iso3, segment=segment, weights_file=weights)
    if as_json:
        typer.echo(json.dumps(m.to_json(), ensure_ascii=False, indent=2))
        return
    table = Table("factor", "value", "year", "dataset", "flags", "points 0–1", "weight", "points",
                  title=f"{m.iso3} {m.name_en} {m.name_zh}: rank {m.rank}, score {m.score:.2f} ({segment})")
    for d in (d for d in m.details if d.weight > 0):
        value = "missing" if d.value is None else f"{d.value:,.4g} {d.unit_en}"
        if d.imputed:
            value += f" → {d.used:,.4g} (imputed: {d.imputed})"
        flags = ", ".join(f for f, on in (("estimated", d.estimated), ("imputed", d.is_imputed),
                                          (f"stale ×{d.stale_discount:.2f}", d.stale)) if on)
        table.add_row(f"{d.label_en}\n{d.label_zh}", value, "" if d.year is None else str(d.year), d.dataset, flags,
                      f"{d.normalised:.3f}", f"{d.weight:.3f}", f"{d.contribution:.2f}")
    console.print(table)
    console.print(f"sum of points = {sum(d.contribution for d in m.details):.4f} = score", highlight=False)
    pot = m.potential or {}
    if pot.get("china_usd") is not None:
        terms = " ".join(f"{t['log_points']:+.2f} ({t['id']})" for t in pot["terms"])
        console.print(f"potential (China) US$ {_usd(pot['china_usd'])}, realised {_usd(pot['realised_china_usd'])} "
                      f"({pot['realised_year']}), unrealised {_usd(pot['unrealised_china_usd'])}; district: "
                      f"{_usd(pot['district_usd'])}\n  ln potential = {terms} = {pot['ln_potential']:.3f}",
                      highlight=False)
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
    table = Table("id", "segment", "EBOPS 2010 (BaTIS items)", "imports series", "demand indicators (weight)",
                  "district supply")
    for seg_id, seg in config.segments.items():
        demand = ", ".join(f"{k} {w:.2f}" for k, w in seg.weights.items() if config.factors[k].group == "demand")
        supply = "; ".join(f"{k}: {', '.join(v)}" for k, v in seg.supply.model_dump().items() if v)
        table.add_row(seg_id, f"{seg.en}\n{seg.zh}", "\n".join(seg.ebops) + f"\n[{' + '.join(seg.categories)}]",
                      seg.imports_share, demand, supply)
    console.print(table)


@markets_app.command("gravity")
@handles_errors
def gravity(as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """The PPML elasticities behind the ease term, per EBOPS category, with 95 % confidence intervals."""
    from opentrade.services.markets import model_inputs

    inputs, _ = model_inputs(None)
    fits = {c: f.summary() for c, f in inputs.gravity.items()}
    if as_json:
        typer.echo(json.dumps(fits, ensure_ascii=False, indent=2))
        return
    for c, f in fits.items():
        table = Table("term", "elasticity", "s.e.", "95 % interval", "in ease",
                      title=f"{c}: {f['n_obs']} partner-years, {f['n_partners']} partners, {f['years'][0]}–"
                            f"{f['years'][1]}, pseudo-R² {f['pseudo_r2']:.3f}")
        for r in f["coefficients"]:
            table.add_row(f"{r['label_en']}\n{r['label_zh']}", f"{r['coef']:+.3f}", f"{r['se']:.3f}",
                          f"{r['ci_low']:+.3f} … {r['ci_high']:+.3f}", "yes" if r["in_ease"] else "no")
        console.print(table)


@markets_app.command("backtest")
@handles_errors
def backtest_cmd(
    segment: Annotated[str | None, typer.Option(help="One segment (default: all).")] = None,
    origins: Annotated[str | None, typer.Option(help="Comma-separated origin years (default: the model's).")] = None,
    horizon: Annotated[int | None, typer.Option(help="Years after each origin (≥ 3; default: the model's).")] = None,
    region: Annotated[str, typer.Option(help="Markets compared: asean,lac (default), other, all.")] = "asean,lac",
    lang: Annotated[str, typer.Option(help="Language of the sentences: en or zh.")] = "en",
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Rolling-origin backtest: the model with data ≤ T against four baselines, per segment, as it comes out."""
    from opentrade.refdata.market_model import load_model_config
    from opentrade.services.markets import backtest

    config = load_model_config()
    years = tuple(int(y) for y in origins.split(",")) if origins else None
    segs = [segment] if segment else list(config.segments)
    results = [backtest(segment=s, regions=_regions(region), origins=years, horizon=horizon) for s in segs]
    if as_json:
        typer.echo(json.dumps([b.__dict__ for b in results], ensure_ascii=False, indent=2, default=float))
        return
    text = "text_zh" if lang == "zh" else "text_en"
    console.print("Spearman ρ of each predictor (as of T) with what happened next (T → T+h), mean over origins; "
                  "predictors: model, region dummy, GDP, imports, persistence. Intervals: paired bootstrap over "
                  "markets, 90 %.", highlight=False)
    for b in results:
        table = Table("outcome", "predictor", "Spearman ρ (90 %)", "Δρ model − it (90 %)", "precision@5",
                      "within-region ρ", "verdict",
                      title=f"{b.segment}: origins {', '.join(map(str, b.origins))}, horizon {b.horizon} y, "
                            f"{b.markets} markets")
        for r in b.table:
            delta = "" if r["predictor"] == "model" else (
                f"{r['delta']:+.2f} ({r['delta_low']:+.2f} … {r['delta_high']:+.2f})")
            table.add_row(r["outcome"], r["predictor"], f"{r['rho']:+.2f} ({r['rho_low']:+.2f} … {r['rho_high']:+.2f})",
                          delta, f"{r['precision_at_5']:.2f}",
                          "" if r["within_region_rho"] != r["within_region_rho"] else f"{r['within_region_rho']:+.2f}",
                          r["verdict"])
        console.print(table)
        for s in b.summary:
            console.print(f"  {s[text]}", highlight=False)
    first = results[0]
    console.print("normalisation (mean ρ of the model over segments and origins): " + "; ".join(
        f"{o}: " + ", ".join(f"{m} {v:+.3f}" for m, v in by.items())
        for o, by in first.normalisation["mean_rho_by_method"].items()) + f" — used: {first.normalisation['method']}",
        highlight=False)
    for note in first.notes:
        console.print(f"  note: {note}", highlight=False)
