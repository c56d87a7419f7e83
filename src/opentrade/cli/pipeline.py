"""``opentrade pipeline …``: the investment pipeline board, stage moves (with optimistic locking) and the
operations KPIs. Exit codes: 2 for a move the rules forbid, 3 when someone else changed the project first."""

from __future__ import annotations

import datetime as dt
import getpass
import json
from typing import Annotated, Any

import typer
from rich.table import Table

from opentrade.cli.common import console, database, handles_errors, options

pipeline_app = typer.Typer(help="Investment pipeline: board, stage moves, operations KPIs.", no_args_is_help=True)

AsOf = Annotated[str | None, typer.Option("--as-of", help="Date (YYYY-MM-DD); default today.")]
AsJson = Annotated[bool, typer.Option("--json", help="Print JSON.")]


def _date(text: str | None, option: str) -> dt.date:
    if not text:
        return dt.date.today()
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise typer.BadParameter(f"{text!r} is not a date in YYYY-MM-DD form", param_hint=option) from None


def _json(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2,
                      default=lambda v: v.isoformat() if isinstance(v, dt.date | dt.datetime) else str(v))


def _money(value: float | None) -> str:
    return "missing" if value is None else f"{value:,.0f}"


@pipeline_app.command("board")
@handles_errors
def board(as_of: AsOf = None, as_json: AsJson = False) -> None:
    """Projects by stage, amounts in their currency, in yuan and in US$ (at the dated rate; missing shown)."""
    from opentrade.services.pipeline import pipeline_board

    result = pipeline_board(database(), as_of=_date(as_of, "--as-of"), reference_dir=options().reference_dir)
    if as_json:
        typer.echo(_json(result))
        return
    table = Table("id", "v", "project · investor", "amount", "¥ / US$", "owner · next action",
                  title=f"Investment pipeline at {result['as_of']}")
    for col in result["stages"]:
        if not col["count"]:
            continue
        table.add_section()
        table.add_row("", "", f"[bold]{col['stage']} {col['name_zh']}[/] ({col['count']})", "",
                      f"¥{_money(col['value_cny'])}\nUS${_money(col['value_usd'])}", "")
        for p in col["projects"]:
            amount = "" if p["amount"] is None else f"{p['amount']:,.0f} {p['currency'] or ''}"
            converted = "" if p["amount"] is None else f"¥{_money(p['amount_cny'])}\nUS${_money(p['amount_usd'])}"
            due = " ".join(str(x) for x in (p["owner"], p["next_action"], p["next_action_on"]) if x)
            table.add_row(str(p["id"]), str(p["row_version"]), f"{p['title']}\n[dim]{p['investor_name'] or ''}[/]",
                          amount, converted, ("[red]overdue[/] " if p["overdue"] else "") + due)
    console.print(table)
    console.print(result["provenance"], highlight=False)


@pipeline_app.command("move")
@handles_errors
def move(
    project_id: Annotated[int, typer.Argument(help="Project id (see `opentrade pipeline board`).")],
    stage: Annotated[str, typer.Argument(help="lead, contacted, negotiating, signed, landed, operating, dropped")],
    version: Annotated[int, typer.Option("--version", help="The project's version you read (column v).")],
    on: Annotated[str | None, typer.Option("--on", help="Date of the move (YYYY-MM-DD); default today.")] = None,
    reason: Annotated[str | None, typer.Option(help="Why (needed to drop or reopen).")] = None,
    skip: Annotated[bool, typer.Option("--skip", help="Allow a forward move past stages (recorded).")] = False,
    reopen: Annotated[bool, typer.Option("--reopen", help="Move back, or out of dropped (needs --reason).")] = False,
    actor: Annotated[str | None, typer.Option(help="Who moves it (default: the login name).")] = None,
) -> None:
    """Move a project to STAGE by the pipeline rules; refused if someone else changed it since --version."""
    from opentrade.services.pipeline import move_project

    result = move_project(database(), project_id, stage.strip().lower(), expected_version=version,
                          on_date=_date(on, "--on"), reason=reason, actor=actor or _login(), skip=skip,
                          reopen=reopen)
    console.print(f"project {result['id']} ({result['title']}): {result['from_stage']} → {result['to_stage']} "
                  f"on {result['stage_changed_on']} ({result['kind']}); now version {result['row_version']}",
                  highlight=False)


def _login() -> str | None:
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):  # no login name in some containers
        return None


@pipeline_app.command("history")
@handles_errors
def history(project_id: Annotated[int, typer.Argument(help="Project id.")], as_json: AsJson = False) -> None:
    """Every stage change of a project."""
    from opentrade.services.pipeline import project_history

    rows = project_history(database(), project_id)
    if as_json:
        typer.echo(_json(rows))
        return
    table = Table("date", "from", "to", "reason", "by", title=f"Stage history of project {project_id}")
    for r in rows:
        table.add_row(str(r["changed_on"]), r["from_stage"] or "", r["to_stage"], r["reason"] or "", r["actor"] or "")
    console.print(table)


@pipeline_app.command("kpis")
@handles_errors
def kpis(as_of: AsOf = None, as_json: AsJson = False) -> None:
    """Pipeline value by stage, conversion, enquiry response time, aftercare visits, overdue next actions."""
    from opentrade.services.pipeline import pipeline_kpis

    k = pipeline_kpis(database(), as_of=_date(as_of, "--as-of"), reference_dir=options().reference_dir)
    if as_json:
        typer.echo(_json(k))
        return
    value, conv, enq = k["pipeline_value"], k["conversion"], k["enquiry_response"]
    after, overdue = k["aftercare"], k["overdue_next_actions"]
    table = Table("figure", "value", "basis", title=f"Pipeline and aftercare at {k['as_of']}")
    table.add_row("pipeline value (excl. dropped)",
                  f"¥{_money(value['total_cny'])} / US${_money(value['total_usd'])}", value["provenance"])
    for s in value["by_stage"]:
        table.add_row(f"  {s['stage']}", f"{s['count']} · ¥{_money(s['value_cny'])} / US${_money(s['value_usd'])}",
                      f"{s['missing_cny']} without a yuan rate, {s['no_amount']} without an amount")
    table.add_row("conversion to signed+", "missing" if conv["value"] is None else f"{conv['value']:.0%}",
                  conv["provenance"])
    table.add_row("median enquiry response",
                  "missing" if enq["median_hours"] is None else f"{enq['median_hours']:.1f} h", enq["provenance"])
    table.add_row("aftercare visits (12 months)", f"{after['visits']} ({after['firms']} firms)", after["provenance"])
    table.add_row("overdue next actions", str(overdue["count"]), overdue["provenance"])
    console.print(table)
    if any(f.get("rests_on_synthetic") for f in k.values() if isinstance(f, dict)):
        console.print("[yellow]some figures rest on synthetic (demo) records[/]")
