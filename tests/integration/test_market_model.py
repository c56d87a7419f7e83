"""Issue #11's acceptance on the shipped data: segment-specific inputs, sourced agreements, honest overlap hours,
staleness, potential that adds up, provenance on every figure, a backtest that cannot see the future."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

from opentrade.analytics.market_backtest import outcomes, predictors_at
from opentrade.analytics.market_inputs import build_inputs
from opentrade.refdata.market_model import load_model_config
from opentrade.refdata.reference import SHIPPED_DIR, load_reference
from opentrade.services.markets import backtest, explain_market, model_inputs, rank_markets

ASEAN_LAC = ("asean", "lac")


@pytest.fixture(scope="module")
def config():
    return load_model_config()


@pytest.fixture(scope="module")
def shipped(config):
    return model_inputs(None, config=config)


def _scores(inputs) -> dict[str, dict[str, float]]:
    out = {}
    for seg in inputs[1].segments:
        r = rank_markets(None, segment=seg, regions=("all",), draws=0, inputs=inputs)
        out[seg] = {m.iso3: m.score for m in r.markets}
    return out


def test_changing_one_categorys_flows_moves_only_its_segments(tmp_path, config, shipped) -> None:
    # Double China's financial-services (SG) exports to half of the partners: only fintech (SF + SG) may move.
    batis = pl.read_csv(SHIPPED_DIR / "batis_china.csv")
    rng = np.random.default_rng(11)
    lucky = set(rng.choice(sorted(set(batis["iso3"]) - {"WLD"}), 100, replace=False).tolist())
    changed = batis.with_columns(
        pl.when((pl.col("item") == "SG") & pl.col("iso3").is_in(sorted(lucky)))
        .then(pl.col("value_usd") * 3).otherwise(pl.col("value_usd")).alias("value_usd"))
    changed.write_csv(tmp_path / "batis_china.csv")
    ref = load_reference(tmp_path)
    assert ref.sources["batis_china.csv"].parent == tmp_path.resolve()
    before, after = _scores(shipped), _scores(model_inputs(None, ref=ref, config=config))
    mapped = {s for s, seg in config.segments.items() if "SG" in seg.categories}
    assert mapped == {"fintech"}
    for seg in config.segments:
        moved = max(abs(after[seg][k] - before[seg][k]) for k in before[seg])
        if seg in mapped:
            assert moved > 1.0, seg
        else:
            assert moved == 0.0, seg


def test_segments_no_longer_share_their_demand(shipped) -> None:
    inputs, config = shipped
    j = inputs.factor_ids.index("china_exports")
    ict, fintech = inputs.matrix("ict").raw[:, j], inputs.matrix("fintech").raw[:, j]
    assert np.nanmax(np.abs(ict - fintech)) > 1e8  # different BaTIS categories, different levels
    tops = {s: [m.iso3 for m in rank_markets(None, segment=s, draws=0, inputs=shipped).markets[:10]]
            for s in config.segments}
    assert len({tuple(v) for v in tops.values()}) >= 5  # the seven top-10 lists are not one list


def test_agreements_are_facts_for_every_economy_not_imputed(shipped) -> None:
    inputs, _ = shipped
    seg = inputs.matrix("ict")
    j = inputs.factor_ids.index("agreement")
    by = dict(zip(inputs.iso3, seg.raw[:, j], strict=True))
    for iso3 in ("CHE", "ISL", "PAK", "GEO", "MUS", "SRB", "KOR", "AUS", "NZL", "MDV", "SGP", "CHL", "ECU"):
        assert by[iso3] == 1.0, iso3
    assert by["BRA"] == 0.0 and by["USA"] == 0.0 and by["IND"] == 0.0  # APTA is goods-only: not an FTA
    assert np.isnan(by["CHN"])
    assert np.isfinite(np.delete(seg.raw[:, j], inputs.iso3.index("CHN"))).all()  # nothing left to impute
    che = explain_market(None, "CHE", segment="ict")
    assert next(d for d in che.details if d.id == "agreement").imputed is None


def test_business_hours_overlap_is_not_zero_for_latin_america(shipped) -> None:
    inputs, _ = shipped
    j = inputs.factor_ids.index("time_overlap")
    hours = dict(zip(inputs.iso3, inputs.matrix("ict").raw[:, j], strict=True))
    lac = [i for i, g in zip(inputs.iso3, inputs.countries["focus_group"], strict=True) if g == "lac"]
    # With a 12-hour business day on both sides the overlap is 12 minus the time difference: a continuous measure,
    # not a "0 for all of Latin America" dummy. Only the UTC−4 states, exactly opposite Shanghai, share no hour.
    assert len({hours[i] for i in lac}) >= 4 and sum(hours[i] > 0 for i in lac) >= 20
    assert all(0 <= hours[i] <= 2 for i in lac)
    assert hours["ATG"] == 0 and hours["BRA"] == 1 and hours["MEX"] == 2  # Mexico City's evening is Shanghai's morning
    assert hours["THA"] == pytest.approx(11.0) and hours["SGP"] == pytest.approx(12.0)


def test_stale_values_are_flagged_and_penalised(config) -> None:
    uruguay = explain_market(None, "URY", segment="ict")
    dds = next(d for d in uruguay.details if d.id == "dds_imports")
    assert dds.year == 2011 and dds.stale and dds.age_years > config.staleness.max_age_years
    assert dds.stale_discount == pytest.approx(1 - config.staleness.max_penalty)
    assert dds.normalised == pytest.approx(dds.points_before_discount * dds.stale_discount)
    assert any("dds_imports" in f and "2011" in f for f in uruguay.flags)
    assert any(c["code"] == "flag.stale" and "2011" in c["text_zh"] for c in uruguay.flag_codes)
    fresh = next(d for d in explain_market(None, "MEX", segment="ict").details if d.id == "dds_imports")
    assert not fresh.stale and fresh.stale_discount == 1.0


@pytest.mark.parametrize("segment", ["ict", "fintech", "content_design"])
def test_every_figure_names_dataset_year_and_flags(segment, shipped) -> None:
    ranking = rank_markets(None, segment=segment, draws=50, inputs=shipped)
    dated = {"batis", "wdi", "unctad_dds"}
    for m in ranking.markets:
        assert sum(d.contribution for d in m.details) == pytest.approx(m.score, abs=1e-9)
        for d in m.details:
            assert d.dataset and d.source and d.unit_en and d.unit_zh and d.points_rule["code"]
            assert isinstance(d.estimated, bool) and isinstance(d.is_imputed, bool) and isinstance(d.stale, bool)
            if d.value is not None and d.dataset in dated:
                assert d.year is not None, (m.iso3, d.id)
            if d.id.startswith("china_exports") and d.value is not None:
                assert d.estimated  # BaTIS is partly model-based
            assert d.is_imputed == (d.imputed is not None)
        pot = m.potential
        assert pot["dataset"] == "batis" and pot["estimated"] is True
        if pot["china_usd"] is not None:
            assert np.exp(sum(t["log_points"] for t in pot["terms"])) == pytest.approx(pot["china_usd"], rel=1e-9)
            assert pot["district_usd"] == pytest.approx(pot["china_usd"] * ranking.potential_method["district_share"])
        if pot["china_usd"] is not None and pot["realised_china_usd"] is not None:
            assert pot["unrealised_china_usd"] == pytest.approx(pot["china_usd"] - pot["realised_china_usd"])
            assert pot["realised_year"] == 2019
    meta = {f["id"]: f for f in ranking.factors_meta}
    assert sum(f["weight"] for f in meta.values()) == pytest.approx(1.0)
    assert sum(f["effective_weight"] for f in meta.values()) == pytest.approx(1.0)
    assert ranking.gravity["fits"] and all(f["coefficients"] for f in ranking.gravity["fits"].values())
    assert [m.tier for m in ranking.markets] == sorted(m.tier for m in ranking.markets)
    assert ranking.markets[0].top5_weight_ranges


def test_the_backtest_sees_no_data_after_its_origin(tmp_path, config) -> None:
    """Predictions at T are built from what was known at T: scrambling every later year changes nothing, while a
    change to an earlier year does change them (so the test would fail if later data leaked in)."""
    ref = load_reference()
    t = 2013
    later = lambda frame: pl.col("year") > t  # noqa: E731
    rng = np.random.default_rng(5)

    def scramble(frame: pl.DataFrame, column: str, when: pl.Expr) -> pl.DataFrame:
        noise = pl.Series(rng.lognormal(0, 1, frame.height))
        return frame.with_columns(pl.when(when).then(pl.col(column) * noise).otherwise(pl.col(column)).alias(column))

    future = tmp_path / "future"
    future.mkdir()
    scramble(ref.batis, "value_usd", later(ref.batis)).write_csv(future / "batis_china.csv")
    scramble(ref.wdi, "value", later(ref.wdi)).write_csv(future / "wdi.csv")
    scramble(ref.dds, "value_usd_m", later(ref.dds)).write_csv(future / "unctad_dds.csv")
    past = tmp_path / "past"
    past.mkdir()
    scramble(ref.batis, "value_usd", pl.col("year") == t).write_csv(past / "batis_china.csv")

    markets = ref.focus_iso3()
    results = {}
    for name, folder in (("shipped", None), ("future", future), ("past", past)):
        r = load_reference(folder)
        cut = r.as_of(t)
        preds, by_method = predictors_at(cut, build_inputs(cut, config, partners=[]), config, "ict", markets,
                                         config.backtest.horizon)
        results[name] = (preds, by_method, outcomes(r, ["SI"], markets, t, config.backtest.horizon))
    for key in results["shipped"][0]:
        np.testing.assert_array_equal(results["future"][0][key], results["shipped"][0][key], err_msg=key)
    for key in results["shipped"][1]:
        np.testing.assert_array_equal(results["future"][1][key], results["shipped"][1][key], err_msg=key)
    assert not np.allclose(results["past"][0]["model"], results["shipped"][0]["model"])
    assert not np.allclose(results["future"][2]["growth"], results["shipped"][2]["growth"], equal_nan=True)
    with pytest.raises(ValueError, match="as_of"):
        predictors_at(ref, build_inputs(ref.as_of(t), config, partners=[]), config, "ict", markets, 3)


def test_backtest_table_against_four_baselines(config) -> None:
    b = backtest(segment="fintech")
    assert b.origins == config.backtest.origins and len(b.origins) >= 3 and b.horizon >= 3
    assert b.markets == 44
    predictors = {(r["outcome"], r["predictor"]) for r in b.table}
    assert predictors == {(o, p) for o in ("growth", "gain")
                          for p in ("model", "region", "gdp", "imports", "persistence")}
    for r in b.table:
        assert -1 <= r["rho"] <= 1 and r["rho_low"] <= r["rho"] + 1e-9 and r["rho"] - 1e-9 <= r["rho_high"]
        assert 0 <= r["precision_at_5"] <= 1 and len(r["per_origin"]) == len(b.origins)
        assert r["sentence"]["text_en"] and r["sentence"]["text_zh"] and r["sentence"]["code"].startswith("bt.")
        if r["predictor"] != "model":
            assert r["delta_low"] <= r["delta"] + 1e-9 <= r["delta_high"] + 2e-9
            assert r["verdict"] in ("beats", "ties", "loses")
            assert r["verdict"] != "beats" or r["delta_low"] > 0
    assert {s["outcome"] for s in b.summary} == {"growth", "gain"}
    assert set(b.normalisation["mean_rho_by_method"]["growth"]) == {"minmax", "winsor", "robust", "rank"}
    assert b.rho == next(r["rho"] for r in b.table if (r["outcome"], r["predictor"]) == ("growth", "model"))
    assert any(row["realised_growth_pct"] is not None for row in b.rows)


def test_method_document_shows_the_tables_as_they_come_out() -> None:
    import importlib.util
    from pathlib import Path

    path = Path(__file__).resolve().parents[2] / "scripts" / "markets_report.py"
    spec = importlib.util.spec_from_file_location("markets_report", path)
    report = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(report)
    current = report.DOC.read_text(encoding="utf-8")
    assert report.render(current) == current, "docs/markets-method.md is out of date: run scripts/markets_report.py"
