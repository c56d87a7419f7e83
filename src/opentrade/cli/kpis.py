"""``opentrade kpi``: the district's headline figures, computed from records, each with its provenance."""

from __future__ import annotations

import datetime as dt
import json
from typing import Annotated

import typer
from rich.table import Table

from opentrade.cli.common import console, database, handles_errors


@handles_errors
def kpi(
    as_of: Annotated[str | None, typer.Option("--as-of", help="Date (YYYY-MM-DD); default today.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print a JSON array.")] = False,
) -> None:
    """The district's headline figures, computed from records, each with its provenance."""
    from opentrade.services.kpis import compute_kpis

    date = _parse_date(as_of)
    results = compute_kpis(database(), as_of=date)
    if as_json:
        typer.echo(json.dumps([r.to_json() for r in results], ensure_ascii=False, indent=2))
        return
    table = Table("id", "figure", "value", "as of", "basis", title="Headline figures")
    for r in results:
        basis = r.provenance.short()
        table.add_row(r.id, f"{r.name_en}\n{r.name_zh}", r.display_value(), str(r.as_of), basis)
    console.print(table)


def _parse_date(text: str | None) -> dt.date:
    if not text:
        return dt.date.today()
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise typer.BadParameter(f"{text!r} is not a date in YYYY-MM-DD form", param_hint="--as-of") from None
