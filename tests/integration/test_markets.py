"""The market ranking on the shipped reference data and a real registry."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from opentrade.cli.main import app
from opentrade.errors import ConfigError
from opentrade.refdata.reference import load_reference
from opentrade.services.importer import import_file
from opentrade.services.markets import backtest, explain_market, rank_markets
from tests.conftest import write_csv

runner = CliRunner()


def test_every_asean_and_lac_country_is_ranked_or_excluded_with_a_reason() -> None:
    ref = load_reference()
    focus = set(ref.countries.filter(ref.countries["focus_group"].is_in(["asean", "lac"]))["iso3"].to_list())
    ranking = rank_markets(None, segment="ict", draws=0)
    shown = {m.iso3 for m in ranking.markets} | {e["iso3"] for e in ranking.excluded}
    assert shown == focus and len(focus) == 44
    assert all(e["reason"] for e in ranking.excluded)
    assert [m.rank for m in ranking.markets] == list(range(1, len(ranking.markets) + 1))


@pytest.mark.parametrize("segment", ["ict", "content_design", "rd_tech", "professional", "fintech", "platforms",
                                     "education_health"])
def test_contributions_reconstruct_the_score_and_name_their_source(segment: str) -> None:
    ranking = rank_markets(None, segment=segment, draws=0)
    for m in ranking.markets:
        assert sum(d.contribution for d in m.details) == pytest.approx(m.score, abs=1e-9)
        assert sum(m.factors.values()) == pytest.approx(m.score, abs=1e-9)
        for d in m.details:
            assert d.source
            if d.value is not None and d.source.startswith(("World Bank", "UNCTAD")):
                assert d.year is not None, (m.iso3, d.id)


def test_rankings_are_deterministic() -> None:
    a = rank_markets(None, segment="fintech", draws=200)
    b = rank_markets(None, segment="fintech", draws=200)
    assert [m.to_json() for m in a.markets] == [m.to_json() for m in b.markets]


def test_missing_data_is_imputed_and_flagged_never_zero() -> None:
    ranking = rank_markets(None, segment="ict", draws=0)
    cuba = next(m for m in ranking.markets if m.iso3 == "CUB")
    imputed = [d for d in cuba.details if d.imputed]
    assert imputed, "Cuba lacks most balance-of-payments series"
    for d in imputed:
        assert d.value is None and d.used is not None and d.used != 0
        assert any(d.id in f for f in cuba.flags) or d.weight == 0


def test_region_filters() -> None:
    assert len(rank_markets(None, regions=("asean",), draws=0).markets) == 11
    lac = rank_markets(None, regions=("lac",), draws=0)
    assert len(lac.markets) + len(lac.excluded) == 33
    everyone = rank_markets(None, regions=("all",), draws=0)
    assert len(everyone.markets) + len(everyone.excluded) == 217
    # Filtering changes ranks, never scores.
    sgp_all = next(m for m in everyone.markets if m.iso3 == "SGP")
    sgp_asean = next(m for m in rank_markets(None, regions=("asean",), draws=0).markets if m.iso3 == "SGP")
    assert sgp_all.score == sgp_asean.score
    with pytest.raises(ConfigError, match="unknown region"):
        rank_markets(None, regions=("europe",))


def test_weights_files_are_validated(tmp_path: Path) -> None:
    cases = {
        "unknown.yaml": ("dds_imports: 1\nmagic: 2\n", "unknown factor"),
        "negative.yaml": ("dds_imports: -1\n", "non-negative"),
        "zero.yaml": ("dds_imports: 0\n", "all zero"),
        "broken.yaml": ("dds_imports: [1\n", "not a readable"),
        "segments.yaml": ("nosuch: {dds_imports: 1}\n", "unknown segment"),
    }
    for name, (text, message) in cases.items():
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        with pytest.raises(ConfigError, match=message):
            rank_markets(None, weights_file=path, draws=0)
    good = tmp_path / "good.yaml"
    good.write_text("ict: {market_size: 1}\n", encoding="utf-8")
    ranking = rank_markets(None, segment="ict", weights_file=good, draws=0)
    assert set(ranking.markets[0].factors) == {"market_size"}
    assert ranking.markets[0].iso3 == "BRA"  # the largest economy of ASEAN + LAC


def test_a_new_partner_platform_changes_that_markets_channel(tmp_path: Path, db) -> None:
    before = explain_market(db, "VNM", segment="ict")
    assert before.factors["channels"] == 0
    partners = write_csv(tmp_path / "p.csv", ["kind", "name_en", "country", "markets"],
                         [["platform", "Vietnam Digital Services Desk", "VNM", "VNM;KHM"]])
    import_file(db, "partners", partners)
    after = explain_market(db, "VNM", segment="ict")
    assert after.factors["channels"] > 0 and after.score > before.score
    assert "Vietnam Digital Services Desk" in after.channels
    assert explain_market(db, "KHM", segment="ict").factors["channels"] > 0


def test_backtest_reports_rho_with_interval_and_baseline() -> None:
    # rolling origins now (issue #11): the model's mean ρ over origins with its interval, GDP as "the baseline"
    b = backtest(segment="ict")
    assert b.markets >= 30 and b.horizon >= 3 and len(b.origins) >= 3
    assert -1 <= b.rho <= 1 and b.rho_interval[0] <= b.rho <= b.rho_interval[1]
    assert -1 <= b.baseline_rho <= 1
    with pytest.raises(ConfigError, match="past the last BaTIS year"):
        backtest(segment="ict", origins=(2018,), horizon=3)


def test_cli_rank_json_shape_and_xlsx(tmp_path: Path, db_url: str) -> None:
    out = tmp_path / "rank.xlsx"
    result = runner.invoke(app, ["markets", "rank", "--segment", "ict", "--region", "asean,lac", "--top", "5",
                                 "--json", "--xlsx", str(out)])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert len(rows) == 5 and out.exists()
    for row in rows:
        assert {"iso3", "name_en", "name_zh", "rank", "score", "factors", "flags"} <= row.keys()
    assert runner.invoke(app, ["markets", "explain", "BRA", "--segment", "ict"]).exit_code == 0
    assert runner.invoke(app, ["markets", "segments"]).exit_code == 0
    bt = runner.invoke(app, ["markets", "backtest", "--segment", "ict"], env={"COLUMNS": "200"})
    assert bt.exit_code == 0, bt.output
    assert "Spearman" in bt.output and "persistence" in bt.output
    assert runner.invoke(app, ["markets", "gravity"]).exit_code == 0
    bad = runner.invoke(app, ["markets", "rank", "--segment", "nope"])
    assert bad.exit_code == 1 and "unknown segment" in bad.output
