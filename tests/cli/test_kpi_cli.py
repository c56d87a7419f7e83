"""`opentrade init --demo` then `opentrade kpi --json`: every KPI id, in the documented shape."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from opentrade.cli.main import app
from opentrade.services.kpis import DEFINITIONS

runner = CliRunner()


def test_kpi_json_on_the_demo_instance(db_url: str) -> None:
    assert runner.invoke(app, ["init", "--demo"]).exit_code == 0
    result = runner.invoke(app, ["kpi", "--as-of", "2024-06-14", "--json"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert [r["id"] for r in rows] == list(DEFINITIONS)
    for row in rows:
        assert {"id", "name_en", "name_zh", "value", "unit", "as_of", "provenance"} <= row.keys()
        assert row["as_of"] == "2024-06-14"
        assert row["provenance"]["kind"] in ("records", "statistic", "estimate")
    by_id = {r["id"]: r for r in rows}
    assert by_id["mnc_hq_rd_centres"]["value"] == 44
    assert by_id["digital_share_of_enterprises"]["provenance"]["rests_on_synthetic"] is True
    assert by_id["expats"]["provenance"]["source"] and by_id["expats"]["qualifier"] == "more than"
    assert runner.invoke(app, ["kpi", "--as-of", "2024-06-14"]).exit_code == 0  # the table form


def test_kpis_on_an_empty_registry_are_missing_not_zero(db_url: str) -> None:
    rows = json.loads(runner.invoke(app, ["kpi", "--json"]).stdout)
    by_id = {r["id"]: r for r in rows}
    for kpi in ("foreign_funded_revenue_growth", "digital_share_of_enterprises", "digital_share_of_tax",
                "relic_area_m2", "expats", "international_student_share_of_shanghai"):
        assert by_id[kpi]["value"] is None, kpi


def test_bad_date_is_a_message_not_a_traceback(db_url: str) -> None:
    result = runner.invoke(app, ["kpi", "--as-of", "14/06/2024"])
    assert result.exit_code == 2 and "YYYY-MM-DD" in result.output


def test_the_import_command_knows_every_import_kind() -> None:
    from opentrade.cli.imports import KINDS
    from opentrade.ingest.schemas import SPECS

    assert set(KINDS) == set(SPECS)
