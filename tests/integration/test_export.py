"""Exports open cleanly in Excel and cannot smuggle formulas; an exported CSV imports back unchanged."""

from __future__ import annotations

from pathlib import Path

from openpyxl import load_workbook
from typer.testing import CliRunner

from opentrade.cli.main import app
from opentrade.services.importer import import_file
from opentrade.store.checksum import table_counts
from tests.conftest import make_uscc, write_csv
from tests.integration.test_import import HEADER, firm_rows

runner = CliRunner()
HOSTILE = ["=HYPERLINK(\"http://x\")", "+1+1", "-2+3", "@SUM(A1)"]


def _registry(tmp_path: Path, db) -> None:
    rows = firm_rows(len(HOSTILE) + 2)
    for row, name in zip(rows, HOSTILE, strict=False):
        row[2] = name  # English name
    rows[-1][1] = "<script>alert(1)</script>"
    import_file(db, "enterprises", write_csv(tmp_path / "in.csv", HEADER, rows))


def test_csv_export_escapes_formula_cells_and_has_a_bom(tmp_path: Path, db) -> None:
    _registry(tmp_path, db)
    out = tmp_path / "out.csv"
    result = runner.invoke(app, ["export", "enterprises", "--format", "csv", "-o", str(out)])
    assert result.exit_code == 0, result.output
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    text = raw.decode("utf-8-sig")
    for name in HOSTILE:
        assert f"'{name}" in text.replace('""', '"')
    assert "<script>alert(1)</script>" in text  # not a formula: kept as is


def test_xlsx_export_opens_with_openpyxl_and_escapes(tmp_path: Path, db) -> None:
    _registry(tmp_path, db)
    out = tmp_path / "out.xlsx"
    result = runner.invoke(app, ["export", "enterprises", "--format", "xlsx", "-o", str(out)])
    assert result.exit_code == 0, result.output
    sheet = load_workbook(out, read_only=True).active
    rows = list(sheet.iter_rows(values_only=True))
    header = rows[0]
    names = [r[header.index("name_en")] for r in rows[1:]]
    assert sorted(n for n in names if n and n.lstrip("'") in HOSTILE) == sorted(f"'{n}" for n in HOSTILE)
    assert len(rows) == len(HOSTILE) + 3
    assert make_uscc(0) in {r[header.index("uscc")] for r in rows[1:]}


def test_exported_csv_imports_back_without_changes(tmp_path: Path, db) -> None:
    import_file(db, "enterprises", write_csv(tmp_path / "in.csv", HEADER, firm_rows(30)))
    out = tmp_path / "out.csv"
    assert runner.invoke(app, ["export", "enterprises", "-o", str(out)]).exit_code == 0
    result = import_file(db, "enterprises", out)
    assert (result.inserted, result.updated) == (0, 30)
    assert table_counts(db.engine)["enterprise"] == 30


def test_xlsx_export_survives_control_characters(tmp_path) -> None:
    import polars as pl
    from openpyxl import load_workbook

    from opentrade.services.exporter import write_frame

    write_frame(pl.DataFrame({"name": ["bell\x07in name", "=1+1", "tab\tkept"]}), tmp_path / "x.xlsx", fmt="xlsx")
    values = [c.value for c in load_workbook(tmp_path / "x.xlsx").active["A"]][1:]
    assert values == ["bell\ufffdin name", "'=1+1", "tab\tkept"]
