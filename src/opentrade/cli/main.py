"""``opentrade`` command line. Commands parse arguments, call a service, and present the result.

Errors from the tree in opentrade.errors become a clear message and an exit code (2 for bad input); no tracebacks.
"""

from __future__ import annotations

from typing import Annotated

import typer

from opentrade.cli.common import console, database, handles_errors
from opentrade.config import get_settings

app = typer.Typer(help="opentrade — a district's open-trade registry, classifications and KPIs.", no_args_is_help=True)
db_app = typer.Typer(help="Database maintenance.", no_args_is_help=True)
app.add_typer(db_app, name="db")
@db_app.command("upgrade")
@handles_errors
def db_upgrade() -> None:
    """Create or migrate the database to the newest schema."""
    from opentrade.store.db import upgrade

    db = database(migrate=False)
    upgrade(db.engine)
    console.print(f"database at head: {db.url}", highlight=False)


@app.command("init")
@handles_errors
def init(
    demo: Annotated[bool, typer.Option("--demo", help="Load the built-in Yangpu instance (synthetic registry).")] = False,
) -> None:
    """Create the database; with --demo, load the built-in Yangpu instance (idempotent)."""
    db = database()
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

    from opentrade.app import create_app
    from opentrade.services.demo import ensure_demo

    settings = get_settings()
    db = database()
    if ensure_demo(db):
        console.print("empty database: loaded the built-in Yangpu demo instance (synthetic records)")
    uvicorn.run(create_app(db), host=host or settings.host, port=port or settings.port, log_level="info")


def _register_subcommands() -> None:
    from opentrade.cli.admin import audit_command, users_app
    from opentrade.cli.backup import backup, restore
    from opentrade.cli.expo import expo_app
    from opentrade.cli.factsheet import factsheet
    from opentrade.cli.imports import columns, import_
    from opentrade.cli.kpis import kpi
    from opentrade.cli.markets import markets_app
    from opentrade.cli.matchmaking import match_app
    from opentrade.cli.pipeline import pipeline_app
    from opentrade.cli.refdata import refdata_app
    from opentrade.cli.registry import export
    from opentrade.cli.space import space_app

    app.command("import")(import_)
    app.command("columns")(columns)
    app.command("export")(export)
    app.command("kpi")(kpi)

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
