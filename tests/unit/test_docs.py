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


def test_the_architecture_names_every_part_of_the_package() -> None:
    """docs/architecture.md names each package of src/opentrade and each feature module of the edges."""
    text = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    package = ROOT / "src" / "opentrade"
    parts = [p.name for p in package.iterdir() if p.is_dir() and (p / "__init__.py").exists()]
    assert len(parts) >= 10
    for part in parts:
        assert f"`{part}/`" in text or f"{part}/" in text, f"{part}/ is not in docs/architecture.md"
    for edge in ("cli", "web"):
        for module in (package / edge).glob("*.py"):
            if module.stem != "__init__":
                assert f"{module.name}" in text, f"{edge}/{module.name} is not in docs/architecture.md"
    for module in (package / "api" / "routes").glob("*.py"):
        if module.stem != "__init__":
            assert f"{module.stem}" in text, f"api/routes/{module.name} is not in docs/architecture.md"
