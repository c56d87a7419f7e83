"""The shipped market reference snapshot and its loader: typed tables, latest(), gaps, distances, office hours."""

from __future__ import annotations

import datetime as dt
import json
import shutil

import numpy as np
import polars as pl
import pytest
from typer.testing import CliRunner

from opentrade.cli.refdata import refdata_app
from opentrade.errors import ReferenceDataError
from opentrade.refdata.reference import (
    DDS_CODES,
    DERIVED_SERVICE_EXPORTS,
    FILES,
    SHANGHAI,
    SHANGHAI_TZ,
    SHIPPED_DIR,
    great_circle_km,
    load_reference,
    working_hours_overlap,
)

ASEAN = ["BRN", "KHM", "IDN", "LAO", "MYS", "MMR", "PHL", "SGP", "THA", "VNM", "TLS"]
LAC = ("ATG ARG BHS BRB BLZ BOL BRA CHL COL CRI CUB DMA DOM ECU SLV GRD GTM GUY HTI HND JAM MEX NIC PAN PRY PER "
       "KNA LCA VCT SUR TTO URY VEN").split()
JAKARTA = (-6.2088, 106.8456)
WINTER, SUMMER = dt.date(2026, 1, 14), dt.date(2026, 7, 15)


@pytest.fixture(scope="module")
def ref():
    return load_reference()


# ------------------------------------------------------------------------------------------------ shipped snapshot


def test_every_focus_market_is_present_with_its_group(ref):
    c = ref.countries
    assert c.height == 217 and c["iso3"].n_unique() == 217
    groups = dict(c.select("iso3", "focus_group").iter_rows())
    assert len(ASEAN) == 11 and len(LAC) == 33
    assert all(groups[i] == "asean" for i in ASEAN)
    assert all(groups[i] == "lac" for i in LAC)
    assert groups["CHN"] == "china"
    assert sorted(ref.focus_iso3()) == sorted(ASEAN + LAC)
    assert ref.focus_iso3("asean") == sorted(ASEAN)


def test_tables_are_typed(ref):
    assert ref.countries.schema["capital_lat"] == pl.Float64
    assert ref.countries.schema["capital_lon"] == pl.Float64
    assert ref.countries.schema["area_km2"] == pl.Float64
    assert ref.countries.schema["landlocked"] == pl.Boolean
    assert ref.countries.schema["iso_numeric"] == pl.String  # keeps leading zeros
    assert ref.countries.filter(pl.col("iso3") == "AFG")["iso_numeric"].item() == "004"
    assert dict(ref.wdi.schema) == {"iso3": pl.String, "indicator": pl.String, "year": pl.Int32, "value": pl.Float64}
    assert ref.dds.columns == ["iso3", "year", "flow", "value_usd_m", "obs_status"]
    assert ref.dds.schema["year"] == pl.Int32 and ref.dds.schema["value_usd_m"] == pl.Float64
    assert ref.agreements.schema["china_pta_in_force"] == pl.Boolean
    assert ref.agreements.schema["first_eif_year"] == pl.Int32
    assert ref.agreements.schema["rcep_entry_into_force"] == pl.Date
    assert ref.indicators.schema["higher_is_better"] == pl.Boolean
    assert ref.indicators.schema["vintage"] == pl.Int32


def test_focus_countries_have_capital_point_zone_and_names(ref):
    focus = ref.countries.filter(pl.col("focus_group") != "other")
    assert focus.height == 45
    for col in ("name_en", "name_zh", "capital", "capital_lat", "capital_lon", "capital_tz", "timezones_iana",
                "currency_codes", "languages_iso639_1", "area_km2", "landlocked"):
        assert focus[col].null_count() == 0, col
    tz = dict(focus.select("iso3", "capital_tz").iter_rows())
    assert tz["CHN"] == "Asia/Shanghai" and tz["BRA"] == "America/Sao_Paulo" and tz["IDN"] == "Asia/Jakarta"
    landlocked = set(focus.filter(pl.col("landlocked"))["iso3"])
    assert landlocked == {"BOL", "LAO", "PRY"}
    assert focus.filter(pl.col("iso3") == "LAO")["name_zh"].item() == "老挝"


SERVICES_BY_CATEGORY = {"BM.GSR.NFSV.CD", "BM.GSR.CMCP.ZS", "BM.GSR.INSF.ZS"}


def test_wdi_is_long_nonempty_and_from_2010(ref):
    w = ref.wdi
    assert w["value"].null_count() == 0
    # the panel starts in 2010; the services-trade-by-category series (all economies) in 2005, like BaTIS
    assert w.filter(~pl.col("indicator").is_in(SERVICES_BY_CATEGORY))["year"].min() >= 2010
    assert w.filter(pl.col("indicator").is_in(SERVICES_BY_CATEGORY))["year"].min() == 2005
    assert not w.select("iso3", "indicator", "year").is_duplicated().any()
    codes = set(w["indicator"])
    assert len(codes) == 33  # 28 panel series + ICT share + 3 services-by-category series + derived exports
    assert {"BM.GSR.NFSV.CD", "BX.GSR.CCIS.CD", "BX.GSR.CCIS.ZS", DERIVED_SERVICE_EXPORTS} <= codes
    assert set(w["iso3"]) <= set(ref.countries["iso3"])
    # service imports now cover every economy that reports them, not only the focus set
    assert ref.latest("BM.GSR.NFSV.CD")["iso3"].n_unique() > 180


def test_latest_gives_one_row_per_country_at_its_latest_year(ref):
    latest = ref.latest("NY.GDP.PCAP.PP.CD")
    assert latest.columns == ["iso3", "value", "year"]
    assert latest["iso3"].n_unique() == latest.height
    by = {r["iso3"]: r for r in latest.iter_rows(named=True)}
    assert by["VEN"]["year"] == 2011  # stale, and says so through its year
    assert by["IDN"]["year"] == 2024
    expected = ref.series("NY.GDP.PCAP.PP.CD").group_by("iso3").agg(pl.col("year").max())
    assert dict(expected.iter_rows()) == {k: v["year"] for k, v in by.items()}


def test_latest_up_to_year(ref):
    capped = ref.latest("SP.POP.TOTL", up_to_year=2015)
    assert capped["year"].max() == 2015
    idn = capped.filter(pl.col("iso3") == "IDN")
    series = ref.series("SP.POP.TOTL").filter((pl.col("iso3") == "IDN") & (pl.col("year") == 2015))
    assert idn["value"].item() == series["value"].item()
    assert ref.latest("SP.POP.TOTL", up_to_year=2009).is_empty()


def test_gaps_are_missing_not_zero(ref):
    # Cuba publishes no BoP data: it is absent from latest(), never a zero
    for code in ("NY.GDP.PCAP.PP.CD", "BX.KLT.DINV.CD.WD", "BM.GSR.NFSV.CD", "BX.GSR.CCIS.CD"):
        assert "CUB" not in ref.latest(code)["iso3"].to_list(), code
    assert "CUB" not in ref.latest("UNCTAD_DE_DIG_SERVTRADE_ANN_EXP")["iso3"].to_list()
    for code in ("BX.GSR.CCIS.CD", DERIVED_SERVICE_EXPORTS):
        assert not {"BHS", "VNM"} & set(ref.latest(code)["iso3"]), code
    # and the gap is reported in the dataset metadata
    gaps = ref.dataset_meta("wdi")["coverage_gaps"]
    assert "BX.KLT.DINV.CD.WD: no data for CUB" in gaps
    assert "ST.INT.RCPT.XP.ZS" in gaps
    assert "exports: no data for CUB" in ref.dataset_meta("unctad_dds")["coverage_gaps"]


def test_unctad_codes_read_the_dds_table(ref):
    assert set(ref.dds["flow"]) == {"exports", "imports"}
    exp = ref.series("UNCTAD_DE_DIG_SERVTRADE_ANN_EXP")
    direct = ref.dds.filter(pl.col("flow") == "exports")
    assert exp.height == direct.height
    assert exp["value"].sum() == pytest.approx(direct["value_usd_m"].sum())
    assert set(DDS_CODES) <= set(ref.indicators["code"])


def test_unknown_indicator_is_an_error(ref):
    with pytest.raises(ReferenceDataError, match="NOPE.XYZ"):
        ref.latest("NOPE.XYZ")


def test_derived_service_exports_follow_their_definition(ref):
    w = ref.wdi.filter(pl.col("iso3") == "ARG")
    ccis = w.filter(pl.col("indicator") == "BX.GSR.CCIS.CD").select("year", pl.col("value").alias("usd"))
    share = w.filter(pl.col("indicator") == "BX.GSR.CCIS.ZS").select("year", pl.col("value").alias("pct"))
    der = w.filter(pl.col("indicator") == DERIVED_SERVICE_EXPORTS).select("year", "value")
    j = ccis.join(share, on="year").join(der, on="year")
    assert j.height >= 10
    assert np.allclose(j["value"], j["usd"] / (j["pct"] / 100), rtol=1e-9)


def test_agreements_are_sourced_for_every_economy(ref):
    # Issue #11: China's agreements for all 217 economies from a sourced table; no legal fact is imputed.
    a = ref.agreements
    assert sorted(a["iso3"]) == sorted(ref.countries["iso3"]) and a.height == 217
    assert a["source"].null_count() == 0 and a["confidence"].null_count() == 0
    assert set(a["confidence"]) <= {"high", "medium", "low"}
    row = {r["iso3"]: r for r in a.iter_rows(named=True)}
    expected = {"CHE": 2014, "ISL": 2014, "PAK": 2007, "GEO": 2018, "MUS": 2021, "SRB": 2024, "KOR": 2015,
                "AUS": 2015, "NZL": 2008, "CHL": 2006, "PER": 2010, "CRI": 2011, "ECU": 2024, "NIC": 2024,
                "MDV": 2025, "SGP": 2005, "HKG": 2004, "MAC": 2004, "JPN": 2022, "KHM": 2005}
    for iso3, year in expected.items():
        assert row[iso3]["china_pta_in_force"] is True and row[iso3]["first_eif_year"] == year, iso3
        assert "MOFCOM" in row[iso3]["source"] or "Xinhua" in row[iso3]["source"], iso3
    assert row["CHE"]["first_eif_date"] == dt.date(2014, 7, 1)
    assert row["SRB"]["first_eif_date"] == dt.date(2024, 7, 1)
    assert row["BRA"]["china_pta_in_force"] is False and row["BRA"]["first_eif_year"] is None
    assert "no free trade agreement" in row["BRA"]["source"] and row["BRA"]["confidence"] == "high"
    assert row["IND"]["china_pta_in_force"] is False and "Asia-Pacific Trade Agreement" in row["IND"]["other_instruments"]
    assert row["IDN"]["rcep_entry_into_force"] == dt.date(2023, 1, 2) and row["IDN"]["rcep_confidence"] == "high"
    assert row["MMR"]["rcep_status"] == "unclear" and row["MMR"]["rcep_confidence"] == "low"
    assert row["TLS"]["china_pta_in_force"] is False
    assert row["CHN"]["china_pta_in_force"] is None  # the home economy
    assert not any(a["digital_agreement_in_force"].drop_nulls())  # no DEPA-style agreement with China in force
    assert "Regional Comprehensive Economic Partnership" in row["KOR"]["ecommerce_provisions_in_force"]
    in_force = set(a.filter(pl.col("china_pta_in_force"))["iso3"])
    assert in_force & set(ASEAN + LAC) == set(ASEAN) - {"TLS"} | {"CHL", "PER", "CRI", "ECU", "NIC"}


def test_agreement_events_are_dated_per_party(ref):
    e = ref.agreement_events
    rcep = {r["iso3"]: r["date_in_force"] for r in e.filter(pl.col("agreement_id") == "RCEP").iter_rows(named=True)}
    assert rcep["KOR"] == dt.date(2022, 2, 1) and rcep["MYS"] == dt.date(2022, 3, 18) and rcep["MMR"] is None
    assert e["source_note"].null_count() == 0
    apta = e.filter(pl.col("agreement_id") == "APTA")
    assert not apta["counts_as_fta"].any()  # goods-only partial scope: not a free trade agreement


def test_as_of_drops_everything_later(ref):
    old = ref.as_of(2012)
    assert old.up_to_year == 2012
    for frame in (old.wdi, old.dds, old.batis):
        assert frame["year"].max() == 2012
    events = old.agreement_events
    assert events["date_in_force"].drop_nulls().max() <= dt.date(2012, 12, 31)
    assert "SRB" not in events["iso3"].to_list()  # signed 2023
    che = events.filter(pl.col("iso3") == "CHE")  # signed 2013: not known at the end of 2012
    assert che.is_empty()


def test_batis_is_china_exports_by_partner_and_category(ref):
    b = ref.batis
    assert set(b["item"]) == {"S", "SF", "SG", "SH", "SI", "SJ", "SK"}
    assert b["year"].min() == 2005 and b["year"].max() == 2019
    assert set(b["iso3"]) - {"WLD"} <= set(ref.countries["iso3"])
    world_si = b.filter((pl.col("iso3") == "WLD") & (pl.col("item") == "SI") & (pl.col("year") == 2019))
    assert world_si["value_usd"].item() == pytest.approx(23.4e9, rel=0.01)  # the README's figure
    focus = set(ASEAN + LAC)
    assert focus <= set(b["iso3"])
    assert "estimate" in ref.dataset_meta("batis")["attribution"]


def test_no_reference_only_material_ships():
    names = {p.name for p in SHIPPED_DIR.iterdir()}
    assert names == {*FILES.values(), "README.md"}
    for fname in FILES.values():
        header = (SHIPPED_DIR / fname).open(encoding="utf-8").readline()
        assert "desta_number" not in header and "dist" not in header and "cepii" not in header.lower()


def test_indicators_describe_every_series(ref):
    ind = ref.indicators
    assert set(ref.wdi["indicator"]) | set(DDS_CODES) == set(ind["code"])
    vintage = dict(ref.wdi.group_by("indicator").agg(pl.col("year").max()).iter_rows())
    for r in ind.filter(pl.col("table") == "wdi").iter_rows(named=True):
        assert r["vintage"] == vintage[r["code"]]
        assert r["licence"] == "CC BY 4.0" and r["dataset"].startswith("World Bank WDI") and r["source_detail"]
    assert ref.indicator_meta("FP.CPI.TOTL.ZG")["higher_is_better"] is False
    assert ref.indicator_meta("NY.GDP.MKTP.CD")["higher_is_better"] is True


def test_datasets_name_publisher_licence_attribution(ref):
    d = {r["id"]: r for r in ref.datasets.iter_rows(named=True)}
    assert set(d) == {"countries", "wdi", "unctad_dds", "batis", "china_agreements"}
    assert d["wdi"]["attribution"] == "Source: World Bank, World Development Indicators"
    assert d["wdi"]["licence"] == "CC BY 4.0"
    assert d["unctad_dds"]["attribution"] == "Source: UNCTAD"
    assert all(r["coverage_gaps"] and r["vintage"] and r["retrieved"] for r in d.values())


def test_snapshot_is_small():
    total = sum((SHIPPED_DIR / f).stat().st_size for f in FILES.values())
    assert total < 4 * 1024 * 1024


# ------------------------------------------------------------------------------------------- overrides and errors


def test_override_files_take_precedence_file_by_file(tmp_path):
    shipped = load_reference()
    small = shipped.wdi.filter(pl.col("iso3") == "IDN")
    small.write_csv(tmp_path / "wdi.csv")
    ref = load_reference(tmp_path)
    assert set(ref.wdi["iso3"]) == {"IDN"}
    assert ref.sources["wdi.csv"] == tmp_path.resolve() / "wdi.csv"
    assert ref.sources["countries.csv"] == SHIPPED_DIR / "countries.csv"
    assert ref.countries.equals(shipped.countries)
    # a changed file is read again (the cache keys on the files' size and mtime)
    small.filter(pl.col("year") == 2020).write_csv(tmp_path / "wdi.csv")
    assert set(load_reference(tmp_path).wdi["year"]) == {2020}
    assert load_reference(tmp_path) is load_reference(tmp_path)


def test_missing_override_folder_means_shipped(tmp_path):
    assert load_reference(tmp_path / "nope").wdi.height == load_reference().wdi.height


@pytest.mark.parametrize(
    ("fname", "content", "message"),
    [
        ("wdi.csv", "iso3,indicator,year\nIDN,SP.POP.TOTL,2020\n", "missing column"),
        ("wdi.csv", "iso3,indicator,year,value\nIDN,SP.POP.TOTL,2020,lots\n", "'value' is not float: bad value 'lots'"),
        ("wdi.csv", "iso3,indicator,year,value\nIDN,X,2020,1\nIDN,X,2020,2\n", "duplicate rows"),
        ("countries.csv", "iso3\nIDN\n", "missing column"),
        ("datasets.csv", b"id,title\n\xff\xfe\n", "cannot be read"),
    ],
)
def test_malformed_file_is_a_reference_data_error_naming_it(tmp_path, fname, content, message):
    path = tmp_path / fname
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    with pytest.raises(ReferenceDataError, match=message) as info:
        load_reference(tmp_path)
    assert str(path.resolve()) in str(info.value)


def test_missing_shipped_file_is_named(tmp_path, monkeypatch):
    import opentrade.refdata.reference as reference

    for fname in FILES.values():
        shutil.copy(SHIPPED_DIR / fname, tmp_path / fname)
    (tmp_path / "unctad_dds.csv").unlink()
    monkeypatch.setattr(reference, "SHIPPED_DIR", tmp_path)
    with pytest.raises(ReferenceDataError, match=r"unctad_dds\.csv: missing"):
        reference.load_reference()


# ------------------------------------------------------------------------------------------- distance, office hours


def test_great_circle_shanghai_jakarta():
    d = great_circle_km(*SHANGHAI, *JAKARTA)
    assert isinstance(d, float)
    assert 4300 < d < 4500
    assert great_circle_km(*JAKARTA, *SHANGHAI) == pytest.approx(d, abs=1e-9)
    assert great_circle_km(*SHANGHAI, *SHANGHAI) == 0.0
    assert great_circle_km(0, 0, 0, 180) == pytest.approx(np.pi * 6371.0088)


def test_great_circle_vectorised_over_capitals(ref):
    focus = ref.countries.filter(pl.col("focus_group").is_in(["asean", "lac"]))
    d = great_circle_km(SHANGHAI[0], SHANGHAI[1], focus["capital_lat"], focus["capital_lon"])
    assert isinstance(d, np.ndarray) and d.shape == (44,)
    km = dict(zip(focus["iso3"], d, strict=True))
    assert 4300 < km["IDN"] < 4500
    assert km["SGP"] < km["IDN"] < km["BRA"]
    assert all(1000 < km[i] < 6000 for i in ASEAN)
    assert all(km[i] > 12000 for i in LAC)


def test_working_hours_overlap():
    assert working_hours_overlap(SHANGHAI_TZ, "Asia/Bangkok", on=WINTER) == 8.0
    assert working_hours_overlap(SHANGHAI_TZ, "America/Sao_Paulo", on=WINTER) == 0.0
    assert working_hours_overlap(SHANGHAI_TZ, SHANGHAI_TZ, on=WINTER) == 9.0
    assert working_hours_overlap(SHANGHAI_TZ, "Asia/Yangon", on=WINTER) == 7.5
    # daylight saving time applies on the given date: London is UTC+0 in January, UTC+1 in July
    assert working_hours_overlap(SHANGHAI_TZ, "Europe/London", on=WINTER) == 1.0
    assert working_hours_overlap(SHANGHAI_TZ, "Europe/London", on=SUMMER) == 2.0
    assert working_hours_overlap("Europe/London", SHANGHAI_TZ, on=SUMMER) == 2.0
    assert working_hours_overlap(SHANGHAI_TZ, "Asia/Bangkok", on=WINTER, start=8, end=12) == 3.0


def test_working_hours_overlap_rejects_bad_input():
    with pytest.raises(ReferenceDataError, match="Mars/Olympus"):
        working_hours_overlap(SHANGHAI_TZ, "Mars/Olympus", on=WINTER)
    with pytest.raises(ValueError):
        working_hours_overlap(SHANGHAI_TZ, "Asia/Bangkok", on=WINTER, start=18, end=9)


def test_every_focus_capital_zone_works(ref):
    focus = ref.countries.filter(pl.col("focus_group").is_in(["asean", "lac"]))
    hours = {
        iso3: working_hours_overlap(SHANGHAI_TZ, tz, on=WINTER)
        for iso3, tz in focus.select("iso3", "capital_tz").iter_rows()
    }
    assert all(hours[i] >= 7 for i in ASEAN)
    assert all(hours[i] == 0 for i in LAC)


# ------------------------------------------------------------------------------------------------------------- CLI


def test_cli_info_json_and_table(tmp_path):
    runner = CliRunner()
    res = runner.invoke(refdata_app, ["info", "--json", "--dir", str(tmp_path)])
    assert res.exit_code == 0, res.output
    payload = json.loads(res.stdout)
    assert [d["id"] for d in payload["datasets"]] == ["countries", "wdi", "unctad_dds", "batis", "china_agreements"]
    assert all(d["licence"] and d["coverage_gaps"] for d in payload["datasets"])
    res = runner.invoke(refdata_app, ["info", "--dir", str(tmp_path)], env={"COLUMNS": "200"})
    assert res.exit_code == 0, res.output
    for word in ("countries", "wdi", "unctad_dds", "china_agreements", "UNCTAD", "no overrides"):
        assert word in res.stdout


def test_cli_info_reports_a_broken_override(tmp_path):
    (tmp_path / "wdi.csv").write_text("nothing useful\n", encoding="utf-8")
    res = CliRunner().invoke(refdata_app, ["info", "--dir", str(tmp_path)])
    assert res.exit_code == 1
    assert "wdi.csv" in res.output and "Traceback" not in res.output
