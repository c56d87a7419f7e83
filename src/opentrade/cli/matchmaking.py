"""``opentrade match …``: which firms to take to which market through which channel, and shortlists of firms to
invite for a market, a partner or an event."""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer
from rich.table import Table

from opentrade.cli.common import AsOf, Json, Out, console, database, day, handles_errors, write_table

match_app = typer.Typer(help="Firm → market → channel matchmaking, and shortlists of firms to invite.",
                        no_args_is_help=True)


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

    rows = recommendations(database(), n=top, uscc=uscc, limit=limit, as_of=day(as_of),
                           regions=tuple(r.strip() for r in region.split(",") if r.strip()))
    write_table(rows, out)
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

    result = shortlist(database(), market=market, partner_id=partner, event_id=event, segments=segment or None,
                       limit=limit, as_of=day(as_of), regions=tuple(r.strip() for r in region.split(",")))
    write_table(result["firms"], out)
    if as_json:
        typer.echo(json.dumps(result, ensure_ascii=False, indent=2))
    else:
        console.print(_match_table(result["firms"], f"Shortlist — {result['target']} ({', '.join(result['markets'])})"))
