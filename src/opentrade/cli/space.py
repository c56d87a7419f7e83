"""``opentrade space …``: vacant space (restored heritage and new buildings) allocated to digital firms, and the
space figures."""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.table import Table

from opentrade.cli.common import AsOf, Json, Out, console, database, day, handles_errors, write_table

space_app = typer.Typer(help="Vacant space (restored heritage and new buildings) for digital firms.",
                        no_args_is_help=True)


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

    result = allocate_space(database(), candidates=candidates, usccs=uscc, suite_m2=suite, m2_per_employee=per_employee,
                            as_of=day(as_of))
    write_table(result["assigned"], out)
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

    rows = space_kpis(database(), as_of=day(as_of))
    if as_json:
        typer.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    table = Table("figure", "value", "basis")
    for r in rows:
        v = r["value"]
        shown = "missing" if v is None else (f"{v:.1%}" if r["unit"] == "fraction" else f"{v:,}")
        table.add_row(f"{r['name_zh']} / {r['name_en']}", shown, r["basis"])
    console.print(table)
