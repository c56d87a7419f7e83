"""``opentrade match …``, ``opentrade expo …``, ``opentrade space …`` and ``opentrade factsheet``: the office's
operations — which firms to take to which market through which channel, expo meeting schedules, vacant space for
digital firms, and the bilingual fact sheet for an event."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Annotated, Any

import polars as pl
import typer
from rich.table import Table

from opentrade.cli.common import console, handles_errors
from opentrade.errors import ConfigError

match_app = typer.Typer(help="Firm → market → channel matchmaking, and shortlists of firms to invite.",
                        no_args_is_help=True)
expo_app = typer.Typer(help="Expo B2B meetings: schedule firms with foreign buyers, export the schedule.",
                       no_args_is_help=True)
space_app = typer.Typer(help="Vacant space (restored heritage and new buildings) for digital firms.",
                        no_args_is_help=True)

AsOf = Annotated[dt.datetime | None, typer.Option("--as-of", formats=["%Y-%m-%d"], help="Date (default today).")]
Out = Annotated[Path | None, typer.Option("--out", help="Also write the table to this .csv or .xlsx file.")]
Json = Annotated[bool, typer.Option("--json", help="Print JSON.")]


def _db():
    from opentrade.bootstrap import open_database

    return open_database()


def _day(value: dt.datetime | None) -> dt.date | None:
    return value.date() if value else None


def _write(rows: list[dict[str, Any]] | pl.DataFrame, out: Path | None) -> None:
    if out is None:
        return
    from opentrade.services.exporter import write_frame

    fmt = out.suffix.lower().lstrip(".")
    if fmt not in ("csv", "xlsx"):
        raise ConfigError(f"{out}: the file must end in .csv or .xlsx")
    frame = rows if isinstance(rows, pl.DataFrame) else pl.DataFrame(
        [{k: (";".join(v) if isinstance(v, list) else v) for k, v in r.items()} for r in rows],
        infer_schema_length=None)
    write_frame(frame, out, fmt=fmt)
    console.print(f"wrote {frame.height:,} rows to {out}")


def _match_table(rows: list[dict[str, Any]], title: str) -> Table:
    table = Table("#", "firm", "market", "segment", "channel (via)", "total", "why", title=title)
    for r in rows:
        via = f" ({', '.join(r['via'])})" if r["via"] else ""
        table.add_row(str(r["rank"]), f"{r['uscc']} {r['name_zh']}", f"{r['market']} {r['market_zh']}",
                      r["segment_en"], f"{r['channel_en']}{via}", f"{r['total']:.3f}", r["reason"])
    return table


@match_app.command("firms")
@handles_errors
def match_firms(
    uscc: Annotated[str | None, typer.Option(help="One firm (its USCC); default: the best-matching firms.")] = None,
    top: Annotated[int, typer.Option(min=1, max=20, help="Recommendations per firm.")] = 3,
    limit: Annotated[int, typer.Option(min=1, help="Firms shown (best first).")] = 20,
    region: Annotated[str, typer.Option(help="Comma-separated: asean, lac, other, china, all.")] = "asean,lac",
    as_of: AsOf = None, out: Out = None, as_json: Json = False,
) -> None:
    """Each firm's top (market, segment, channel) with the reasons: fit × market score × channel × signals."""
    from opentrade.services.matchmaking import recommendations

    rows = recommendations(_db(), n=top, uscc=uscc, limit=limit, as_of=_day(as_of),
                           regions=tuple(r.strip() for r in region.split(",") if r.strip()))
    _write(rows, out)
    if as_json:
        typer.echo(json.dumps(rows, ensure_ascii=False, indent=2))
    else:
        console.print(_match_table(rows, f"Top {top} per firm — {region}"))


@match_app.command("shortlist")
@handles_errors
def match_shortlist(
    market: Annotated[str | None, typer.Option(help="ISO alpha-3 of a market, e.g. VNM.")] = None,
    partner: Annotated[int | None, typer.Option(help="Partner id: its markets and segments.")] = None,
    event: Annotated[int | None, typer.Option(help="Event id: its buyers' (or partner's) markets and segments.")] = None,
    segment: Annotated[list[str] | None, typer.Option(help="Only these segments (repeatable).")] = None,
    limit: Annotated[int, typer.Option(min=1, max=5000)] = 30,
    region: Annotated[str, typer.Option(help="Regions whose markets are ranked.")] = "asean,lac",
    as_of: AsOf = None, out: Out = None, as_json: Json = False,
) -> None:
    """The firms to invite for a market, a partner or an event, best first, with reasons."""
    from opentrade.services.matchmaking import shortlist

    result = shortlist(_db(), market=market, partner_id=partner, event_id=event, segments=segment or None,
                       limit=limit, as_of=_day(as_of), regions=tuple(r.strip() for r in region.split(",")))
    _write(result["firms"], out)
    if as_json:
        typer.echo(json.dumps(result, ensure_ascii=False, indent=2))
    else:
        console.print(_match_table(result["firms"], f"Shortlist — {result['target']} ({', '.join(result['markets'])})"))


@expo_app.command("schedule")
@handles_errors
def expo_schedule(
    event: Annotated[int, typer.Argument(help="Event id (its buyers are imported with an `event` column).")],
    slots: Annotated[int, typer.Option(min=1, max=200, help="Time slots.")] = 20,
    tables: Annotated[int, typer.Option(min=1, max=1000, help="Tables (meetings at once).")] = 60,
    firms: Annotated[int, typer.Option(min=1, max=5000, help="Candidate firms: the best-matching N.")] = 300,
    must_meet: Annotated[list[str] | None, typer.Option(
        "--must-meet", help="USCC=buyer name, a pair that must meet (repeatable).")] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Solve and show; store nothing.")] = False,
    as_json: Json = False,
) -> None:
    """Schedule firm–buyer meetings maximising the total match score (MILP, HiGHS); replaces the stored schedule."""
    from opentrade.services.expo import schedule_expo

    pairs = []
    for item in must_meet or []:
        uscc, sep, buyer = item.partition("=")
        if not sep or not uscc.strip() or not buyer.strip():
            raise ConfigError(f"--must-meet {item!r}: write USCC=buyer name")
        pairs.append((uscc.strip(), buyer.strip()))
    from opentrade.store.audit import cli_actor

    result = schedule_expo(_db(), event, slots=slots, tables=tables, firms=firms, must_meet=pairs,
                           persist=not dry_run, actor=cli_actor())
    summary = result.summary()
    if as_json:
        typer.echo(json.dumps(summary, ensure_ascii=False, indent=2))
        return
    gap = "n/a" if summary["gap"] is None else f"{summary['gap']:.2%}"
    console.print(f"{summary['event']}: {summary['meetings']:,} meetings of {summary['buyers']} buyers with "
                  f"{summary['firms_considered']} firms in {slots} slots × {tables} tables; total score "
                  f"{summary['total_score']:,.3f} (greedy {summary['greedy_total_score']:,.3f}; LP bound "
                  f"{summary['lp_bound']}, gap {gap}); {summary['method']}, {summary['status']}, "
                  f"{summary['solve_seconds']} s" + ("" if not dry_run else " — dry run, nothing stored"))


@expo_app.command("meetings")
@handles_errors
def expo_meetings(
    event: Annotated[int, typer.Argument(help="Event id.")],
    by: Annotated[str, typer.Option(help="Order: slot, firm or buyer (a sheet per party).")] = "slot",
    out: Out = None,
) -> None:
    """The stored schedule, ordered by slot, firm or buyer."""
    from opentrade.services.expo import meetings

    frame = meetings(_db(), event, by=by)
    _write(frame, out)
    table = Table(*frame.columns, title=f"Meetings of event {event} by {by}")
    for row in frame.head(200).iter_rows():
        table.add_row(*["" if v is None else str(v) for v in row])
    console.print(table)
    if frame.height > 200:
        console.print(f"… {frame.height - 200:,} more (use --out)")


@space_app.command("allocate")
@handles_errors
def space_allocate(
    candidates: Annotated[int, typer.Option(min=1, max=5000, help="Candidate firms (largest that fit a suite).")] = 200,
    uscc: Annotated[list[str] | None, typer.Option(help="Only these firms (repeatable).")] = None,
    suite: Annotated[float, typer.Option(help="Largest suite offered, m².")] = 1000.0,
    per_employee: Annotated[float, typer.Option(help="m² needed per employee.")] = 10.0,
    as_of: AsOf = None, out: Out = None, as_json: Json = False,
) -> None:
    """Allocate vacant suites to candidate digital firms (one firm per suite), every decision explained."""
    from opentrade.services.space import allocate_space

    result = allocate_space(_db(), candidates=candidates, usccs=uscc, suite_m2=suite, m2_per_employee=per_employee,
                            as_of=_day(as_of))
    _write(result["assigned"], out)
    if as_json:
        typer.echo(json.dumps(result, ensure_ascii=False, indent=2, default=str))
        return
    table = Table("firm", "suite", "m²", "score", "why", title=f"{len(result['assigned'])} of "
                  f"{result['candidates']} candidates housed in {result['suites']} suites")
    for a in result["assigned"]:
        table.add_row(f"{a['uscc']} {a['name_zh']}", f"{a['space']} #{a['suite']}", f"{a['suite_m2']:,.0f}",
                      f"{a['score']:.3f}", a["reason"])
    console.print(table)
    console.print(result["method"])


@space_app.command("kpis")
@handles_errors
def space_figures(as_of: AsOf = None, as_json: Json = False) -> None:
    """Restored share of relic area, vacancy, digital firms housed in heritage space."""
    from opentrade.services.space import space_kpis

    rows = space_kpis(_db(), as_of=_day(as_of))
    if as_json:
        typer.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    table = Table("figure", "value", "basis")
    for r in rows:
        v = r["value"]
        shown = "missing" if v is None else (f"{v:.1%}" if r["unit"] == "fraction" else f"{v:,}")
        table.add_row(f"{r['name_zh']} / {r['name_en']}", shown, r["basis"])
    console.print(table)


@handles_errors
def factsheet(
    event: Annotated[int | None, typer.Argument(help="Event id (default: the district's figures, no event).")] = None,
    pdf: Annotated[Path | None, typer.Option(help="Write the PDF here.")] = None,
    html: Annotated[Path | None, typer.Option(help="Write the HTML here.")] = None,
    as_of: AsOf = None,
) -> None:
    """The bilingual fact sheet of an event: headline figures as of its date, every figure footnoted."""
    from opentrade.services.factsheet import build_factsheet, render_html, render_pdf

    if pdf is None and html is None:
        raise ConfigError("name an output: --pdf FILE and/or --html FILE")
    sheet = build_factsheet(_db(), event_id=event, as_of=_day(as_of))
    if html:
        html.write_text(render_html(sheet), encoding="utf-8")
        console.print(f"wrote {html}")
    if pdf:
        pdf.write_bytes(render_pdf(sheet))
        console.print(f"wrote {pdf}")
