"""``opentrade export KIND``: a registry table for Excel (UTF-8 BOM CSV or XLSX), importable again unchanged."""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import Annotated

import typer

from opentrade.cli.common import console, database, handles_errors


class ExportFormat(str, Enum):
    csv = "csv"
    xlsx = "xlsx"


@handles_errors
def export(
    kind: Annotated[str, typer.Argument(help="What to export (enterprises).")],
    fmt: Annotated[ExportFormat, typer.Option("--format", "-f")] = ExportFormat.csv,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="File to write (default: KIND.FORMAT).")] = None,
) -> None:
    """Export a table for Excel: UTF-8 BOM CSV or XLSX; cells starting with = + - @ are escaped."""
    from opentrade.services.exporter import export_table

    target = output or Path(f"{kind}.{fmt.value}")
    rows = export_table(database(), kind, target, fmt=fmt.value)
    console.print(f"wrote {rows:,} rows to {target}", highlight=False)
