"""``opentrade import KIND FILE`` and ``opentrade columns KIND``: load a registry file (every row validated, all
or nothing), and the headers a file of a kind may use."""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from opentrade.cli.common import console, database, err_console, handles_errors, options

# The importable kinds; a test keeps them equal to the import specs (which load polars: not at start-up).
KINDS = ("enterprises", "financials", "projects", "partners", "events", "universities", "heritage", "spaces",
         "statistics", "tenancies", "aftercare", "enquiries", "buyers", "exchange_rates")
Kind = Enum("Kind", {kind: kind for kind in KINDS}, type=str)  # type: ignore[misc]




@handles_errors
def import_(
    kind: Annotated[Kind, typer.Argument(help="What the file holds.")],
    path: Annotated[Path, typer.Argument(help="CSV (UTF-8, UTF-8 BOM, GBK, GB18030) or XLSX file.")],
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Validate only; write nothing.")] = False,
    datum: Annotated[str, typer.Option(help="Datum of lat/lon in the file: wgs84, or gcj02 (AMap/Tencent; "
                                            "converted to WGS-84).")] = "wgs84",
) -> None:
    """Import a file: every row is validated; any invalid row → nothing is written and a report (exit 2)."""
    from opentrade.services.importer import import_file

    db = database()
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=err_console, transient=True) as bar:
        task = bar.add_task(f"writing {kind.value}", total=None)
        result = import_file(
            db, kind.value, path, dry_run=dry_run, options=options(datum=datum),
            progress=lambda done, total: bar.update(task, completed=done, total=total),
        )
    for note in result.notes:
        console.print(f"note: {note}", highlight=False)
    if result.dry_run:
        console.print(f"{path}: {result.rows:,} rows valid ({result.encoding}); dry run, nothing written", highlight=False)
    else:
        console.print(
            f"{path}: imported {result.rows:,} {kind.value} rows ({result.encoding}): "
            f"{result.inserted:,} new, {result.updated:,} updated",
            highlight=False,
        )


def columns(kind: Annotated[Kind, typer.Argument(help="Import kind.")]) -> None:
    """List the columns a file of KIND may have, with the Chinese and English headers accepted."""
    from opentrade.ingest.schemas import SPECS

    spec = SPECS[kind.value]
    table = Table("column", "also accepted", "required", "notes", title=f"{kind.value}: {spec.description}")
    for c in spec.columns:
        unit = {"money": "unit in header: (元) (万元) (亿元) or _cny_10k …", "area": "unit in header: (平方米) (万平方米)"}
        notes = "; ".join(x for x in (c.description, unit.get(c.unit or "", "")) if x)
        table.add_row(c.field, ", ".join(c.aliases), "yes" if c.required else "", notes)
    console.print(table)
