"""Render the import alias table (ingest.schemas) as Markdown, so the documentation cannot drift from the code."""

from __future__ import annotations

from opentrade.ingest.headers import AREA_UNITS, MONEY_UNITS
from opentrade.ingest.schemas import SPECS


def render_markdown() -> str:
    out = [
        "# Import columns",
        "",
        "Generated from `src/opentrade/ingest/schemas.py` by `make docs`; a test keeps this file equal to the code.",
        "",
        "Headers are matched after folding full-width characters (NFKC), case, spaces and hyphens. CSV files may be",
        "UTF-8 (with or without BOM), UTF-16 (BOM) or GBK/GB18030; the separator (`,` `;` tab `|`) is detected.",
        "Excel files: the first sheet, header in row 1.",
        "",
        "Money columns may state a unit in the header, converted to yuan: "
        + ", ".join(f"`{u}` ×{m:,.0f}" for u, m in MONEY_UNITS.items())
        + " — e.g. `营业收入(万元)` or `revenue_cny_10k`.",
        "Area columns, converted to m²: " + ", ".join(f"`{u}` ×{m:,.0f}" for u, m in AREA_UNITS.items()) + ".",
        "",
        "Flags accept 是/否, yes/no, true/false, 1/0 (empty = no). Dates accept 2019-03-05, 2019/3/5, 2019.3.5,",
        "20190305, 2019年3月5日, full-width digits and Excel serial day numbers.",
        "",
    ]
    for spec in SPECS.values():
        out += [f"## `{spec.kind}`", "", spec.description, "",
                f"Natural key (unique in a file; re-import updates): {', '.join(f'`{k}`' for k in spec.key)}.", ""]
        out += ["| column | also accepted | required | notes |", "|---|---|---|---|"]
        for c in spec.columns:
            unit = {"money": "unit in header", "area": "unit in header"}.get(c.unit or "", "")
            notes = "; ".join(x for x in (c.description, unit) if x)
            out.append(f"| `{c.field}` | {', '.join(c.aliases)} | {'yes' if c.required else ''} | {notes} |")
        for check in spec.checks:
            out.append(f"\nRule on `{check.column}`: {check.message}.")
        out.append("")
    return "\n".join(out)
