"""What every ``opentrade`` command module shares: the consoles, the one error handler, the database and the
options of this run (:func:`options`: the settings of the environment, the OS user as the actor), the shared
option types (``--as-of``, ``--out``, ``--json``) and writing a table to a file.

Errors from the tree in opentrade.errors become a clear message and their exit code (:data:`ERROR_TABLE`: 2 for
bad input, 3 for a conflict); anything else is a bug and keeps its traceback.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer
from rich.console import Console
from rich.table import Table

from opentrade.config import get_settings
from opentrade.errors import ConfigError, ImportRejected, OpentradeError
from opentrade.options import Options

if TYPE_CHECKING:
    import polars as pl

    from opentrade.store.db import Database

F = TypeVar("F", bound=Callable[..., Any])

console = Console(soft_wrap=True)
err_console = Console(stderr=True, soft_wrap=True)


def handles_errors(func: F) -> F:
    """Turn opentrade errors into a message and exit code."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except ImportRejected as exc:
            _print_rejects(exc)
            raise typer.Exit(exc.exit_code) from None
        except OpentradeError as exc:
            err_console.print(f"[bold red]error:[/] {exc}", highlight=False)
            raise typer.Exit(exc.exit_code) from None

    return wrapper  # type: ignore[return-value]


def _print_rejects(exc: ImportRejected) -> None:
    report = exc.report
    limit = options().max_reported_errors
    err_console.print(f"[bold red]rejected:[/] {report.summary()}", highlight=False)
    table = Table("row", "column", "value", "rule", title=report.path, title_justify="left")
    for r in report.issues.head(limit).iter_rows(named=True):
        table.add_row(str(r["row"]), r["column"], "" if r["value"] is None else r["value"], r["rule"])
    err_console.print(table)
    if report.issues.height > limit:
        err_console.print(f"… and {report.issues.height - limit:,} more issues", highlight=False)
    if report.rejects_path:
        err_console.print(f"full report: {report.rejects_path}", highlight=False)


# --- the run's database and options ---------------------------------------------------------------------------


def options(**changes: Any) -> Options:
    """This run's options: the environment's settings, the OS user as the actor (``cli:<user>``)."""
    from opentrade.store.audit import cli_actor

    return Options.from_settings(get_settings(), actor=cli_actor()).replace(**changes)


def database(*, migrate: bool = True) -> Database:
    from opentrade.bootstrap import open_database

    return open_database(migrate=migrate)


# --- shared options and output --------------------------------------------------------------------------------

AsOf = Annotated[dt.datetime | None, typer.Option("--as-of", formats=["%Y-%m-%d"], help="Date (default today).")]
Out = Annotated[Path | None, typer.Option("--out", help="Also write the table to this .csv or .xlsx file.")]
Json = Annotated[bool, typer.Option("--json", help="Print JSON.")]


def day(value: dt.datetime | None) -> dt.date | None:
    return value.date() if value else None


def write_table(rows: list[dict[str, Any]] | pl.DataFrame, out: Path | None) -> None:
    """``--out FILE``: the rows as CSV or XLSX (lists joined by ';'), through the one exporter."""
    if out is None:
        return
    import polars as pl

    from opentrade.services.exporter import write_frame

    fmt = out.suffix.lower().lstrip(".")
    if fmt not in ("csv", "xlsx"):
        raise ConfigError(f"{out}: the file must end in .csv or .xlsx")
    frame = rows if isinstance(rows, pl.DataFrame) else pl.DataFrame(
        [{k: (";".join(v) if isinstance(v, list) else v) for k, v in r.items()} for r in rows],
        infer_schema_length=None)
    write_frame(frame, out, fmt=fmt)
    console.print(f"wrote {frame.height:,} rows to {out}")
