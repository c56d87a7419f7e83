"""``opentrade refdata``: what market reference data is in use, and refreshing WDI from the World Bank API."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from opentrade.cli.common import console, err_console, handles_errors
from opentrade.config import get_settings

refdata_app = typer.Typer(help="Market reference data: datasets, vintages, licences, gaps; WDI refresh.",
                          no_args_is_help=True)
def _default_dir() -> Path:
    return get_settings().data_dir / "reference"


DirOption = Annotated[
    Path | None,
    typer.Option("--dir", help="Override folder (refreshed files); default <data_dir>/reference.", show_default=False),
]


@refdata_app.command("info")
@handles_errors
def info(
    directory: DirOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")] = False,
) -> None:
    """List every reference dataset with its vintage, licence, attribution and coverage gaps."""
    from opentrade.refdata.reference import load_reference

    folder = directory or _default_dir()
    ref = load_reference(folder)
    files = {name: str(path) for name, path in (ref.sources or {}).items()}
    if as_json:
        payload = {
            "override_dir": str(folder),
            "files": files,
            "datasets": ref.datasets.to_dicts(),
            "indicators": ref.indicators.to_dicts(),
        }
        typer.echo(json.dumps(payload, ensure_ascii=False, indent=2, default=str))
        return
    table = Table(title="Market reference data", title_justify="left", show_lines=True, expand=True)
    for header, ratio in (("dataset", 3), ("vintage", 2), ("retrieved", 2), ("licence / attribution", 3),
                          ("coverage gaps", 8)):
        table.add_column(header, ratio=ratio, overflow="fold")
    for d in ref.datasets.iter_rows(named=True):
        table.add_row(
            f"[bold]{d['id']}[/]\n{d['title']}\n{d['publisher']}",
            d["vintage"] or "",
            d["retrieved"] or "",
            f"{d['licence']}\n{d['attribution']}",
            d["coverage_gaps"] or "",
        )
    console.print(table)
    overridden = sorted(name for name, path in files.items() if Path(path).parent == folder.expanduser().resolve())
    where = f"overrides from {folder}: {', '.join(overridden)}" if overridden else f"no overrides in {folder}"
    console.print(f"{where}; {ref.indicators.height} indicators (opentrade refdata info --json lists them)",
                  highlight=False)


@refdata_app.command("refresh")
@handles_errors
def refresh(
    directory: DirOption = None,
    indicator: Annotated[list[str] | None, typer.Option("--indicator", "-i",
                                                        help="WDI code to refresh (repeatable); default all.")] = None,
    economy: Annotated[list[str] | None, typer.Option("--economy", "-e",
                                                      help="ISO3 economy (repeatable); default all 217.")] = None,
    from_year: Annotated[int, typer.Option("--from-year", help="First year.")] = 2010,
    to_year: Annotated[int | None, typer.Option("--to-year", help="Last year; default last calendar year.",
                                                show_default=False)] = None,
    endpoint: Annotated[str | None, typer.Option("--endpoint", help="World Bank API v2 base URL (e.g. a mirror).",
                                                 show_default=False)] = None,
) -> None:
    """Download current WDI series from the World Bank API into the override folder (the shipped data stay)."""
    import datetime as dt

    from opentrade.refdata.refresh import refresh_wdi

    folder = directory or _default_dir()
    last = to_year if to_year is not None else dt.date.today().year - 1
    if last < from_year:
        raise typer.BadParameter(f"--to-year {last} is before --from-year {from_year}")
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=err_console, transient=True) as bar:
        task = bar.add_task("World Bank API", total=None)
        result = refresh_wdi(
            folder, indicators=indicator or None, economies=economy or None, years=range(from_year, last + 1),
            progress=lambda done, total, code: bar.update(task, completed=done, total=total,
                                                          description=f"World Bank API: {code}"),
            endpoint=endpoint,
        )
    console.print(
        f"{result.wdi_path}: {len(result.indicators)} series × {result.economies} economies, "
        f"{result.first_year}–{result.last_year}: {result.rows_fetched:,} observations downloaded, "
        f"{result.rows_written:,} rows in total (retrieved {result.retrieved.isoformat()} from {result.endpoint})",
        highlight=False,
    )
    if result.empty:
        console.print(f"note: no observations returned for {', '.join(result.empty)}", highlight=False)
