"""Write docs/import-columns.md from the import specs."""

from pathlib import Path

from opentrade.ingest.columns_doc import render_markdown

target = Path(__file__).resolve().parents[1] / "docs" / "import-columns.md"
target.parent.mkdir(exist_ok=True)
target.write_text(render_markdown(), encoding="utf-8")
print(f"wrote {target}")
