"""``opentrade`` command line. Commands parse arguments, call a service, and present the result.

Errors from the tree in opentrade.errors become a clear message and an exit code (2 for bad input); no tracebacks.
"""

from __future__ import annotations

import datetime as dt
import json
from enum import Enum
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from opentrade.bootstrap import open_database
from opentrade.cli.common import console, err_console, handles_errors
from opentrade.config import get_settings

app = typer.Typer(help="opentrade — a district's open-trade registry, classifications and KPIs.", no_args_is_help=True)
db_app = typer.Typer(help="Database maintenance.", no_args_is_help=True)
app.add_typer(db_app, name="db")
@db_app.command("upgrade")
@handles_errors
def db_upgrade() -> None:
    """Create or migrate the database to the newest schema."""
    from opentrade.store.db import upgrade

    db = open_database(migrate=False)
    upgrade(db.engine)
    console.print(f"database at head: {db.url}", highlight=False)


# The importable kinds; a test keeps them equal to the import specs (which load polars: not at start-up).
KINDS = ("enterprises", "financials", "projects", "partners", "events", "universities", "heritage", "spaces",
         "statistics", "tenancies", "aftercare", "enquiries", "buyers", "exchange_rates")
Kind = Enum("Kind", {kind: kind for kind in KINDS}, type=str)


@app.command("import")
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
    from opentrade.store.audit import cli_actor

    db = open_database()
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=err_console, transient=True) as bar:
        task = bar.add_task(f"writing {kind.value}", total=None)
        result = import_file(
            db, kind.value, path, dry_run=dry_run, max_bytes=get_settings().max_import_bytes,
            progress=lambda done, total: bar.update(task, completed=done, total=total), datum=datum,
            actor=cli_actor(),
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


@app.command("columns")
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


class ExportFormat(str, Enum):
    csv = "csv"
    xlsx = "xlsx"


@app.command("export")
@handles_errors
def export(
    kind: Annotated[str, typer.Argument(help="What to export (enterprises).")],
    fmt: Annotated[ExportFormat, typer.Option("--format", "-f")] = ExportFormat.csv,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="File to write (default: KIND.FORMAT).")] = None,
) -> None:
    """Export a table for Excel: UTF-8 BOM CSV or XLSX; cells starting with = + - @ are escaped."""
    from opentrade.services.exporter import export_table

    target = output or Path(f"{kind}.{fmt.value}")
    rows = export_table(open_database(), kind, target, fmt=fmt.value)
    console.print(f"wrote {rows:,} rows to {target}", highlight=False)


@app.command("kpi")
@handles_errors
def kpi(
    as_of: Annotated[str | None, typer.Option("--as-of", help="Date (YYYY-MM-DD); default today.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print a JSON array.")] = False,
) -> None:
    """The district's headline figures, computed from records, each with its provenance."""
    from opentrade.services.kpis import compute_kpis

    date = _parse_date(as_of)
    results = compute_kpis(open_database(), as_of=date)
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


@app.command("init")
@handles_errors
def init(
    demo: Annotated[bool, typer.Option("--demo", help="Load the built-in Yangpu instance (synthetic registry).")] = False,
) -> None:
    """Create the database; with --demo, load the built-in Yangpu instance (idempotent)."""
    db = open_database()
    if not demo:
        console.print(f"database ready: {db.url}", highlight=False)
        return
    from opentrade.services.demo import load_demo

    with console.status("loading the Yangpu demo instance …"):
        summary = load_demo(db)
    console.print(summary, highlight=False)


@app.command("serve")
@handles_errors
def serve(
    host: Annotated[str | None, typer.Option(help="Interface to listen on.")] = None,
    port: Annotated[int | None, typer.Option(help="Port.")] = None,
) -> None:
    """Serve the district's figures over HTTP (loads the Yangpu demo if the database is empty)."""
    import uvicorn

    from opentrade.api.app import create_app
    from opentrade.services.demo import ensure_demo

    settings = get_settings()
    db = open_database()
    if ensure_demo(db):
        console.print("empty database: loaded the built-in Yangpu demo instance (synthetic records)")
    uvicorn.run(create_app(db), host=host or settings.host, port=port or settings.port, log_level="info")


def _register_subcommands() -> None:
    from opentrade.cli.backup import backup, restore
    from opentrade.cli.markets import markets_app
    from opentrade.cli.operations import expo_app, factsheet, match_app, space_app
    from opentrade.cli.pipeline import pipeline_app
    from opentrade.cli.refdata import refdata_app
    from opentrade.cli.users import audit_command, users_app

    app.add_typer(markets_app, name="markets")
    app.add_typer(match_app, name="match")
    app.add_typer(expo_app, name="expo")
    app.add_typer(space_app, name="space")
    app.command("factsheet")(factsheet)
    app.add_typer(pipeline_app, name="pipeline")
    app.add_typer(refdata_app, name="refdata", help="Reference datasets: what ships, vintages, licences; refresh.")
    app.add_typer(users_app, name="users")
    app.command("audit")(audit_command)
    app.command("backup")(backup)
    app.command("restore")(restore)


_register_subcommands()

if __name__ == "__main__":  # pragma: no cover
    app()
