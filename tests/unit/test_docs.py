"""Documentation that a test keeps honest."""

from pathlib import Path

from opentrade.config import Settings
from opentrade.ingest.columns_doc import render_markdown

ROOT = Path(__file__).resolve().parents[2]


def test_import_columns_doc_matches_the_code() -> None:
    assert (ROOT / "docs" / "import-columns.md").read_text(encoding="utf-8") == render_markdown(), "run `make docs`"


def test_every_setting_is_documented_in_the_readme() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for name in Settings.model_fields:
        assert f"OPENTRADE_{name.upper()}" in readme, f"OPENTRADE_{name.upper()} missing from README"
