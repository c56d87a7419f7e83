"""``opentrade factsheet``: the bilingual fact sheet of an event, as HTML and/or PDF."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from opentrade.cli.common import AsOf, console, database, day, handles_errors
from opentrade.errors import ConfigError


@handles_errors
def factsheet(
    event: Annotated[int | None, typer.Argument(help="Event id (default: the district's figures, no event).")] = None,
    pdf: Annotated[Path | None, typer.Option(help="Write the PDF here.")] = None,
    html: Annotated[Path | None, typer.Option(help="Write the HTML here.")] = None,
    as_of: AsOf = None,
) -> None:
    """The bilingual fact sheet of an event: headline figures as of its date, every figure footnoted."""
    from opentrade.services.factsheet import build_factsheet, render_html, render_pdf

    if pdf is None and html is None:
        raise ConfigError("name an output: --pdf FILE and/or --html FILE")
    sheet = build_factsheet(database(), event_id=event, as_of=day(as_of))
    if html:
        html.write_text(render_html(sheet), encoding="utf-8")
        console.print(f"wrote {html}")
    if pdf:
        pdf.write_bytes(render_pdf(sheet))
        console.print(f"wrote {pdf}")
