"""What every ``opentrade`` command module shares: the consoles and the one error handler.

Errors from the tree in opentrade.errors become a clear message and an exit code (2 for bad input); anything else
is a bug and keeps its traceback.
"""

from __future__ import annotations

import functools

import typer
from rich.console import Console
from rich.table import Table

from opentrade.config import get_settings
from opentrade.errors import ImportRejected, OpentradeError

console = Console(soft_wrap=True)
err_console = Console(stderr=True, soft_wrap=True)


def handles_errors(func):
    """Turn opentrade errors into a message and exit code."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        except ImportRejected as exc:
            _print_rejects(exc)
            raise typer.Exit(exc.exit_code) from None
        except OpentradeError as exc:
            err_console.print(f"[bold red]error:[/] {exc}", highlight=False)
            raise typer.Exit(exc.exit_code) from None

    return wrapper


def _print_rejects(exc: ImportRejected) -> None:
    report = exc.report
    limit = get_settings().max_reported_errors
    err_console.print(f"[bold red]rejected:[/] {report.summary()}", highlight=False)
    table = Table("row", "column", "value", "rule", title=report.path, title_justify="left")
    for r in report.issues.head(limit).iter_rows(named=True):
        table.add_row(str(r["row"]), r["column"], "" if r["value"] is None else r["value"], r["rule"])
    err_console.print(table)
    if report.issues.height > limit:
        err_console.print(f"… and {report.issues.height - limit:,} more issues", highlight=False)
    if report.rejects_path:
        err_console.print(f"full report: {report.rejects_path}", highlight=False)
