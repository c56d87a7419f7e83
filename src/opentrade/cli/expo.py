"""``opentrade expo …``: B2B meetings of an expo's firms and foreign buyers — schedule them, show and export the
stored schedule."""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.table import Table

from opentrade.cli.common import Json, Out, console, database, handles_errors, options, write_table
from opentrade.errors import ConfigError

expo_app = typer.Typer(help="Expo B2B meetings: schedule firms with foreign buyers, export the schedule.",
                       no_args_is_help=True)


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
    result = schedule_expo(database(), event, slots=slots, tables=tables, firms=firms, must_meet=pairs,
                           persist=not dry_run, actor=options().actor)
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

    frame = meetings(database(), event, by=by)
    write_table(frame, out)
    table = Table(*frame.columns, title=f"Meetings of event {event} by {by}")
    for row in frame.head(200).iter_rows():
        table.add_row(*["" if v is None else str(v) for v in row])
    console.print(table)
    if frame.height > 200:
        console.print(f"… {frame.height - 200:,} more (use --out)")
