"""Derive the market reference snapshot that opentrade ships from the staged public data.

Usage: python scripts/build_reference.py [--source DIR] [--out DIR]

--source defaults to ``../shared/data/public`` relative to the repository root, --out to
``src/opentrade/data/reference``. Writes countries.csv, wdi.csv, unctad_dds.csv, batis_china.csv, china_agreements.csv,
china_agreement_events.csv, indicators.csv, datasets.csv and README.md (all generated; do not hand-edit). The product
never reads the source folder at run time; re-run this script when the staged data change.

China's agreements come from the sourced list in ``scripts/reference_sources/china_agreements_mofcom.csv`` (MOFCOM
China FTA Network, a source note and a confidence per row; see ``reference_agreements.py``), cross-checked against the
staged DESTA-derived table for the 44 focus markets. Deliberately not shipped: DESTA agreement rows (no open licence)
and the CEPII GeoDist distances (distances are computed from capital coordinates at run time).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from zoneinfo import ZoneInfo

import polars as pl
from babel import Locale
from reference_agreements import AS_OF, build_events, build_summary, cross_check, read_sources
from reference_batis import ATTRIBUTION as BATIS_ATTRIBUTION
from reference_batis import DROPPED as BATIS_DROPPED
from reference_batis import SOURCE_DETAIL as BATIS_SOURCE
from reference_batis import build_batis, focus_gaps

from opentrade.refdata.reference import (
    DDS_CODES,
    DERIVED_SERVICE_EXPORTS,
    FILES,
    ICT_EXPORTS_SHARE,
    ICT_EXPORTS_USD,
    STALE_BEFORE,
    coverage_gaps,
    derive_service_exports,
    gaps_sentence,
    read_table,
    write_csv_atomic,
)

REPO = Path(__file__).resolve().parents[1]
#: the staged data: ``shared/data/public`` beside the repository or beside one of its parent folders (worktrees)
DEFAULT_SOURCE = next((p / "shared" / "data" / "public" for p in REPO.parents if (p / "shared" / "data" / "public").is_dir()),
                      REPO / ".." / "shared" / "data" / "public")
DEFAULT_OUT = REPO / "src" / "opentrade" / "data" / "reference"

FIRST_YEAR = 2010
#: the services-trade-by-category series start here (BaTIS starts 2005; growth and backtests need the early years)
SERVICES_FIRST_YEAR = 2005
SERVICES_BY_CATEGORY = {
    "BM.GSR.NFSV.CD": ("Service imports (BoP, current US$)", "current US$ (BoP)"),
    "BM.GSR.CMCP.ZS": ("Computer, communications and other services (% of commercial service imports)",
                       "% of commercial service imports"),
    "BM.GSR.INSF.ZS": ("Insurance and financial services (% of commercial service imports)",
                       "% of commercial service imports"),
}
SERVICES_SOURCE = ("open-numbers/ddf--open_numbers--world_development_indicators @ "
                   "01a34e8b54d76160a61b0325d74254e22db06b93, datapoints/ddf--datapoints--{code}--by--geo--time.csv")
RETRIEVED = "2026-11 (staged snapshot; source commits in README)"
VERIFY_AT = "MOFCOM China FTA Network (fta.mofcom.gov.cn); WTO RTA database (rtais.wto.org)"

ASEAN = ["BRN", "KHM", "IDN", "LAO", "MYS", "MMR", "PHL", "SGP", "THA", "VNM", "TLS"]
LAC = ("ATG ARG BHS BRB BLZ BOL BRA CHL COL CRI CUB DMA DOM ECU SLV GRD GTM GUY HTI HND JAM MEX NIC PAN PRY PER "
       "KNA LCA VCT SUR TTO URY VEN").split()

# Capital's zone where a country spans several (the source lists them in no particular order).
CAPITAL_TZ = {
    "ARG": "America/Argentina/Buenos_Aires", "AUS": "Australia/Sydney", "BRA": "America/Sao_Paulo",
    "CAN": "America/Toronto", "CHL": "America/Santiago", "CHN": "Asia/Shanghai", "COD": "Africa/Kinshasa",
    "CYP": "Asia/Nicosia", "DEU": "Europe/Berlin", "ECU": "America/Guayaquil", "ESP": "Europe/Madrid",
    "FSM": "Pacific/Pohnpei", "GRL": "America/Nuuk", "IDN": "Asia/Jakarta", "KAZ": "Asia/Almaty",
    "KIR": "Pacific/Tarawa", "MEX": "America/Mexico_City", "MHL": "Pacific/Majuro", "MNG": "Asia/Ulaanbaatar",
    "MYS": "Asia/Kuala_Lumpur", "NZL": "Pacific/Auckland", "PNG": "Pacific/Port_Moresby", "PRT": "Europe/Lisbon",
    "PSE": "Asia/Gaza", "PYF": "Pacific/Tahiti", "RUS": "Europe/Moscow", "UKR": "Europe/Kyiv",
    "USA": "America/New_York", "UZB": "Asia/Tashkent",
}

# Direction for ranking markets for a Shanghai service exporter (True = more is more attractive); blank = no
# direction (context, or ambiguous, e.g. a market's own ICT exports signal both capability and competition).
HIGHER_IS_BETTER = {
    "NY.GDP.MKTP.CD": True, "NY.GDP.MKTP.KD.ZG": True, "NY.GDP.PCAP.CD": True, "NY.GDP.PCAP.PP.CD": True,
    "NY.GNP.PCAP.CD": True, "SP.POP.TOTL": True, "SP.URB.TOTL.IN.ZS": True, "IT.NET.BBND.P2": True,
    "IT.CEL.SETS.P2": True, "IT.NET.SECR.P6": True, "BX.KLT.DINV.CD.WD": True, "BX.GSR.ROYL.CD": None,
    "BM.GSR.ROYL.CD": True, "NE.EXP.GNFS.ZS": None, "NE.IMP.GNFS.ZS": True, "TG.VAL.TOTL.GD.ZS": True,
    "TX.VAL.TECH.CD": None, "TX.VAL.TECH.MF.ZS": None, "ST.INT.RCPT.XP.ZS": None, "GB.XPD.RSDV.GD.ZS": True,
    "SE.TER.ENRR": True, "LP.LPI.OVRL.XQ": True, "FP.CPI.TOTL.ZG": False, "PA.NUS.FCRF": None,
    "IT.NET.USER.ZS": True, "NV.SRV.TETC.ZS": True, "BX.KLT.DINV.WD.GD.ZS": True, ICT_EXPORTS_USD: None,
    "BM.GSR.NFSV.CD": True, "BM.GSR.CMCP.ZS": None, "BM.GSR.INSF.ZS": None, ICT_EXPORTS_SHARE: None,
    DERIVED_SERVICE_EXPORTS: None,
    "UNCTAD_DE_DIG_SERVTRADE_ANN_EXP": None, "UNCTAD_DE_DIG_SERVTRADE_ANN_IMP": True,
}

WDI_ATTRIBUTION = "Source: World Bank, World Development Indicators"
UNCTAD_ATTRIBUTION = "Source: UNCTAD"
OPEN_NUMBERS_WDI = (
    "open-numbers/ddf--open_numbers--world_development_indicators @ 01a34e8b54d76160a61b0325d74254e22db06b93"
)
WB_BULK_CCIS = (
    "AleHerreraSoria/green-ai-analytics-platform @ 71b9184c2dff44a31d220872f97d78c77313f96d, "
    "data/World_Bank_Group/API_BX.GSR.CCIS.CD_DS2_en_csv_v2_920.csv (World Bank bulk file, last updated 2026-02-24)"
)
UNCTAD_SOURCE = (
    "jeancecilia/unctad-digital-services-trade-panel @ e91bc8bef4b3f89de5754b634975272717a41e6f, "
    "datasets/UNCTAD_DE.csv (UNCTAD Digital Economy via World Bank Data360; Zenodo 10.5281/zenodo.17971395)"
)


def read(source: Path, name: str) -> pl.DataFrame:
    return pl.read_csv(source / name, infer_schema=False, encoding="utf8")


def check(condition: bool, message: str) -> None:
    if not condition:
        sys.exit(f"build_reference: {message}")


# ---------------------------------------------------------------------------------------------------------- tables


def build_countries(source: Path) -> pl.DataFrame:
    raw = read(source, "countries.csv")
    groups = dict(zip(raw["iso3"], raw["focus_group"], strict=True))
    check(sorted(k for k, v in groups.items() if v == "asean") == sorted(ASEAN), "ASEAN focus set differs")
    check(sorted(k for k, v in groups.items() if v == "lac") == sorted(LAC), "LAC focus set differs")
    check([k for k, v in groups.items() if v == "china"] == ["CHN"], "china focus group must be CHN only")

    def capital_tz(iso3: str, zones: str | None) -> str | None:
        if not zones:
            return None
        if ";" not in zones:
            return zones
        return CAPITAL_TZ.get(iso3) or zones.split(";")[0]

    # languages_iso639_1 is empty where the source fell back to official-language names (e.g. MYS): map them via CLDR
    by_name = {name: code for code, name in Locale("en").languages.items() if len(code) == 2}
    filled = []
    for codes, names in raw.select("languages_iso639_1", "languages_en").iter_rows():
        if not codes and names:
            mapped = [by_name.get(n.strip()) for n in names.split(";")]
            codes = ";".join(m for m in mapped if m) or None
        filled.append(codes)
    raw = raw.with_columns(pl.Series("languages_iso639_1", filled, dtype=pl.String))

    out = raw.select(
        "iso3", "iso2", "iso_numeric", "name_en", "name_zh", "focus_group", "wb_region", "wb_income_group_2021",
        "capital", "capital_lat", "capital_lon",
        pl.struct("iso3", "timezones_iana")
        .map_elements(lambda r: capital_tz(r["iso3"], r["timezones_iana"]), return_dtype=pl.String)
        .alias("capital_tz"),
        "languages_iso639_1", "currency_codes", "timezones_iana", "area_km2",
        pl.col("landlocked_cepii").replace_strict({"0": "false", "1": "true"}, default=None).alias("landlocked"),
    )
    for iso3, tz, zones in out.select("iso3", "capital_tz", "timezones_iana").iter_rows():
        for name in [tz, *((zones or "").split(";"))]:
            if name:
                ZoneInfo(name)  # raises on a name the IANA database does not know
        check(tz is None or tz in (zones or "").split(";") or iso3 in CAPITAL_TZ, f"{iso3}: capital_tz {tz}")
    return out.sort("iso3")


def build_wdi(source: Path, universe: set[str]) -> tuple[pl.DataFrame, pl.DataFrame]:
    panel = read(source, "wdi_panel.csv")
    codes = [c for c in panel.columns if c not in ("iso3", "year")]
    check(len(codes) == 28, f"expected 28 WDI series in wdi_panel.csv, found {len(codes)}")
    long = panel.unpivot(index=["iso3", "year"], on=codes, variable_name="indicator", value_name="value")

    focus = read(source, "wdi_services_trade_focus.csv")
    extra = [ICT_EXPORTS_SHARE]
    # BX.GSR.CCIS.CD is also a panel column (same World Bank file): it must agree, then only the panel copy is kept.
    both = focus.select("iso3", "year", pl.col(ICT_EXPORTS_USD).alias("f")).join(
        panel.select("iso3", "year", pl.col(ICT_EXPORTS_USD).alias("p")), on=["iso3", "year"], how="left"
    )
    check(both.filter(pl.col("f").ne_missing(pl.col("p"))).is_empty(), "BX.GSR.CCIS.CD differs between files")
    long = pl.concat(
        [long, focus.unpivot(index=["iso3", "year"], on=extra, variable_name="indicator", value_name="value")]
    )
    wdi = (
        long.filter(pl.col("value").is_not_null() & (pl.col("value").str.strip_chars() != ""))
        .with_columns(pl.col("year").cast(pl.Int32), pl.col("value").cast(pl.Float64))
        .filter((pl.col("year") >= FIRST_YEAR) & pl.col("iso3").is_in(sorted(universe)))
        .select("iso3", "indicator", "year", "value")
    )
    wdi = pl.concat([wdi, build_services_by_category(source, universe, focus)])
    derived = derive_service_exports(wdi)
    # our derivation must reproduce the staged one
    staged = focus.filter(pl.col("BX.GSR.NFSV.CD_derived").is_not_null()).select(
        "iso3", pl.col("year").cast(pl.Int32), pl.col("BX.GSR.NFSV.CD_derived").cast(pl.Float64).alias("s")
    )
    cmp = staged.join(derived, on=["iso3", "year"], how="full", coalesce=True)
    check(cmp.height == staged.height == derived.height, "derived service exports: coverage differs")
    check(cmp.filter(((pl.col("value") - pl.col("s")).abs() / pl.col("s").abs()) > 1e-6).is_empty(),
          "derived service exports: values differ")
    wdi = pl.concat([wdi, derived]).sort("iso3", "indicator", "year")
    check(not wdi.select("iso3", "indicator", "year").is_duplicated().any(), "duplicate WDI rows")
    meta = read(source, "indicators.csv")
    check(sorted(meta["code"]) == sorted(codes), "indicators.csv does not describe the panel's columns")
    return wdi, meta


def build_services_by_category(source: Path, universe: set[str], focus: pl.DataFrame) -> pl.DataFrame:
    """Service imports and their computer/communications/other and insurance/financial shares, every economy, 2005+.

    The service-imports series replaces the focus-only transcription (they must agree where both exist)."""
    raw = read(source, "wdi_services_by_category.csv")
    rows = (
        raw.filter(pl.col("indicator").is_in(list(SERVICES_BY_CATEGORY)))
        .with_columns(pl.col("iso3").replace({"NLD_CURACAO": "CUW"}))
        .filter(pl.col("value").is_not_null() & (pl.col("value").str.strip_chars() != ""))
        .select("iso3", "indicator", pl.col("year").cast(pl.Int32), pl.col("value").cast(pl.Float64))
        .filter((pl.col("year") >= SERVICES_FIRST_YEAR) & pl.col("iso3").is_in(sorted(universe)))
    )
    check(not rows.select("iso3", "indicator", "year").is_duplicated().any(), "services by category: duplicates")
    transcribed = focus.filter(pl.col("BM.GSR.NFSV.CD").is_not_null()).select(
        "iso3", pl.col("year").cast(pl.Int32), pl.col("BM.GSR.NFSV.CD").cast(pl.Float64).alias("t"))
    both = transcribed.join(rows.filter(pl.col("indicator") == "BM.GSR.NFSV.CD"), on=["iso3", "year"])
    check(both.height == transcribed.height, "services by category: the focus transcription has rows it lacks")
    check(both.filter((pl.col("t") - pl.col("value")).abs() > 1e-6 * pl.col("t").abs()).is_empty(),
          "services by category: BM.GSR.NFSV.CD differs from the focus transcription")
    return rows


def build_dds(source: Path, universe: set[str]) -> pl.DataFrame:
    raw = read(source, "unctad_digital_economy.csv")
    dds = (
        raw.filter(pl.col("indicator").is_in(list(DDS_CODES)) & (pl.col("is_wb_economy") == "1"))
        .filter(pl.col("value").is_not_null())
        .select(
            "iso3",
            pl.col("year").cast(pl.Int32),
            pl.col("indicator").replace_strict(DDS_CODES).alias("flow"),
            pl.col("value").cast(pl.Float64).alias("value_usd_m"),
            "obs_status",
        )
        .filter(pl.col("year") >= FIRST_YEAR)
    )
    check(set(raw.filter(pl.col("indicator").is_in(list(DDS_CODES)))["unit"].unique()) == {"USD millions (current)"},
          "UNCTAD unit is not USD millions")
    outside = sorted(set(dds["iso3"]) - universe)
    check(not outside, f"UNCTAD WB economies outside countries.csv: {outside}")
    return dds.sort("iso3", "flow", "year")


def build_agreements(source: Path, countries: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame, str]:
    """The per-economy summary (217 rows less China) and the per-agreement events, cross-checked against the
    staged DESTA-derived table of the 44 focus markets and its hand-entered supplement."""
    staged = read(source, "china_fta_by_country.csv")
    supplement = read(source, "china_fta_supplement_manual.csv")
    check(sorted(staged["iso3"]) == sorted(ASEAN + LAC), "china_fta_by_country.csv must hold the 44 markets")
    events = build_events(read_sources(), set(countries["iso3"]))
    since = {r["iso3"]: int(r["asean_member_since"]) for r in staged.iter_rows(named=True) if r["asean_member_since"]}
    summary = build_summary(events, countries, since)
    problems = cross_check(summary, staged, supplement)
    check(not problems, "agreements disagree with the staged table: " + "; ".join(problems))
    return summary, events, AS_OF.isoformat()


def build_indicators(wdi: pl.DataFrame, dds: pl.DataFrame, meta: pl.DataFrame, source: Path) -> pl.DataFrame:
    vintage = dict(wdi.group_by("indicator").agg(pl.col("year").max()).iter_rows())
    rows = []
    for m in meta.iter_rows(named=True):
        via = "" if m["source_repo"] == "datasets/world-development-indicators" else f" ({m['original_source']})"
        rows.append({
            "code": m["code"], "name": m["name"], "unit": m["unit"], "dataset": "World Bank WDI",
            "licence": "CC BY 4.0",
            "source_detail": f"{m['source_repo']} @ {m['source_commit']}, {m['source_path']}{via}",
            "table": "wdi", "note": None,
        })
    rows += [
        {"code": code, "name": name, "unit": unit, "dataset": "World Bank WDI", "licence": "CC BY 4.0",
         "source_detail": SERVICES_SOURCE.format(code=code.lower().replace(".", "_")) + " (read in full)",
         "table": "wdi", "note": f"every economy, from {SERVICES_FIRST_YEAR}"}
        for code, (name, unit) in SERVICES_BY_CATEGORY.items()
    ]
    rows += [
        {"code": ICT_EXPORTS_SHARE, "name": "ICT service exports (% of service exports, BoP)",
         "unit": "% of service exports", "dataset": "World Bank WDI", "licence": "CC BY 4.0",
         "source_detail": f"{OPEN_NUMBERS_WDI}, datapoints/ddf--datapoints--bx_gsr_ccis_zs--by--geo--time.csv "
                          "(transcribed for the focus countries)",
         "table": "wdi", "note": "focus countries only in the shipped snapshot; a refresh fetches all economies"},
        {"code": DERIVED_SERVICE_EXPORTS, "name": "Service exports (BoP, current US$), derived",
         "unit": "current US$ (BoP)", "dataset": "World Bank WDI (derived by opentrade)", "licence": "CC BY 4.0",
         "source_detail": f"computed from {ICT_EXPORTS_USD} and {ICT_EXPORTS_SHARE}",
         "table": "wdi",
         "note": f"= {ICT_EXPORTS_USD} / ({ICT_EXPORTS_SHARE} / 100), rounded to cents; reproduces WDI "
                 "BX.GSR.NFSV.CD to <1e-5 relative error where checked; recomputed after every refresh"},
    ]
    unctad = read(source, "unctad_digital_economy.csv")
    labels = dict(unctad.select("indicator", "indicator_label").unique().iter_rows())
    for code, flow in DDS_CODES.items():
        rows.append({
            "code": code, "name": labels[code], "unit": "USD millions (current)",
            "dataset": "UNCTAD Digital Economy (digitally-deliverable services trade)", "licence": "CC BY 4.0",
            "source_detail": UNCTAD_SOURCE, "table": "dds", "note": f"the dds table's flow = {flow!r}",
        })
        vintage[code] = dds.filter(pl.col("flow") == flow)["year"].max()
    out = pl.DataFrame(rows).with_columns(
        pl.col("code").replace_strict(vintage, return_dtype=pl.Int32).alias("vintage"),
        pl.col("code").replace_strict(HIGHER_IS_BETTER, return_dtype=pl.Boolean).alias("higher_is_better"),
    )
    check(set(out["code"]) == set(wdi["indicator"]) | set(DDS_CODES), "indicators.csv does not match the data")
    return out.select(
        "code", "name", "unit", "dataset", "licence", "source_detail", "vintage", "higher_is_better", "table", "note"
    )


def country_gaps(countries: pl.DataFrame, focus: list[str]) -> list[str]:
    sub = countries.filter(pl.col("iso3").is_in(focus))
    clauses = []
    for col in ("name_zh", "wb_income_group_2021", "capital", "capital_lat", "capital_tz", "languages_iso639_1",
                "currency_codes", "area_km2", "landlocked"):
        missing = sorted(sub.filter(pl.col(col).is_null())["iso3"].to_list())
        if missing:
            clauses.append(f"{col}: no value for {' '.join(missing)}")
    return clauses


def build_datasets(countries, wdi, dds, batis, agreements, indicators, focus: list[str], agreements_vintage: str
                   ) -> pl.DataFrame:
    wdi_codes = indicators.filter(pl.col("table") == "wdi")["code"].to_list()
    wdi_gaps = coverage_gaps(wdi, by="indicator", keys=wdi_codes, focus=focus)
    dds_gaps = coverage_gaps(dds.rename({"value_usd_m": "value"}), by="flow", keys=["exports", "imports"],
                             focus=focus)
    by_conf = {c: agreements.filter(pl.col("china_pta_in_force") & (pl.col("confidence") == c))["iso3"].to_list()
               for c in ("medium", "low")}
    unclear = agreements.filter(pl.col("rcep_status") == "unclear")["iso3"].to_list()
    agr_gaps = [
        f"Every economy has a sourced row; {agreements.filter(pl.col('china_pta_in_force')).height} have an FTA "
        f"with China in force on {agreements_vintage}",
        f"In force at medium confidence (date to verify): {' '.join(by_conf['medium']) or 'none'}",
        f"RCEP status unclear for {' '.join(unclear)}",
        "No DEPA-style digital economy agreement with China is in force (China applied to DEPA on 2021-11-01)",
    ]
    def gaps(clauses: list[str]) -> str:
        return gaps_sentence(clauses, len(focus))

    return pl.DataFrame([
        {"id": "countries", "title": "Country reference (217 World Bank economies)",
         "publisher": "ISO 3166 via pycountry; Unicode CLDR via babel; World Bank country classification",
         "licence": "facts; CLDR names under the Unicode License v3; World Bank classification CC BY 4.0",
         "attribution": "Country codes: ISO 3166-1 (pycountry). Chinese names: Unicode CLDR (via babel). "
                        "Regions and income groups: World Bank country classification (2021).",
         "vintage": "World Bank income groups 2021; CLDR (babel 2.19.0); pycountry 26.2.16", "retrieved": RETRIEVED,
         "coverage_gaps": gaps(country_gaps(countries, focus)),
         "source_detail": "shared staged countries.csv (pycountry 26.2.16, babel 2.19.0, light-and-salt/World-Bank-"
                          "Data-by-Indicators @ 5f2cc05380ef33fb21a237c7b0c6aa1682800c04, countryinfo 1.0.1; "
                          "capital points hand-checked)"},
        {"id": "wdi", "title": "World Development Indicators (33 series incl. 1 derived; 2010+, services trade by category 2005+)",
         "publisher": "World Bank", "licence": "CC BY 4.0", "attribution": WDI_ATTRIBUTION,
         "vintage": str(wdi["year"].max()), "retrieved": RETRIEVED, "coverage_gaps": gaps(wdi_gaps),
         "source_detail": "datasets/world-development-indicators @ 4ebec5a2273f531ba238a34dbe440394dc5a6c4b; "
                          "open-numbers/ddf--gapminder--systema_globalis @ c63631abeb62af6db3910f68be7c2b443beca50b; "
                          f"{OPEN_NUMBERS_WDI}; {WB_BULK_CCIS}"},
        {"id": "unctad_dds", "title": "International trade in digitally-deliverable services (USD millions)",
         "publisher": "UNCTAD", "licence": "CC BY 4.0", "attribution": UNCTAD_ATTRIBUTION,
         "vintage": str(dds["year"].max()), "retrieved": RETRIEVED, "coverage_gaps": gaps(dds_gaps),
         "source_detail": UNCTAD_SOURCE},
        {"id": "batis", "title": "China's services exports by partner and EBOPS 2010 category (BaTIS, BPM6)",
         "publisher": "OECD and WTO", "licence": "CC BY 4.0 (OECD terms from July 2024)",
         "attribution": BATIS_ATTRIBUTION + " — partly model-based estimates",
         "vintage": str(batis["year"].max()), "retrieved": RETRIEVED,
         "coverage_gaps": gaps(focus_gaps(batis, [f for f in focus if f != "CHN"])),
         "source_detail": BATIS_SOURCE},
        {"id": "china_agreements", "title": "China's trade agreements with every economy (FTAs in force, RCEP, "
                                            "upgrades, applications)",
         "publisher": "compiled by opentrade from the MOFCOM China FTA Network and official announcements",
         "licence": "facts (each row names its source and confidence)",
         "attribution": f"Source: {VERIFY_AT}",
         "vintage": f"in force on {agreements_vintage}",
         "retrieved": RETRIEVED, "coverage_gaps": gaps(agr_gaps),
         "source_detail": "scripts/reference_sources/china_agreements_mofcom.csv (one row per agreement instrument "
                          "with source note and confidence), cross-checked against DESTA v2.0 (Dür, Baccini & Elsig "
                          "2014; rows not shipped) and the staged post-2020 supplement for the 44 focus markets"},
    ])


# ---------------------------------------------------------------------------------------------------------- README


def readme(out: Path, datasets: pl.DataFrame, indicators: pl.DataFrame, counts: dict[str, int]) -> str:
    sizes = {f: (out / f).stat().st_size for f in FILES.values()}
    total = sum(sizes.values())
    size_rows = "\n".join(f"| `{f}` | {counts[f]:,} | {sizes[f] / 1024:,.0f} KiB |" for f in FILES.values())
    gap_rows = "\n".join(
        f"* **{d['id']}**\n" + "\n".join(f"  * {c}" for c in d["coverage_gaps"].split(" — ", 1)[1].rstrip(".").split(". "))
        for d in datasets.iter_rows(named=True)
    )
    ind_rows = "\n".join(
        f"| `{r['code']}` | {r['name']} | {r['unit']} | {r['dataset']} | {r['vintage']} | "
        f"{'' if r['higher_is_better'] is None else ('higher' if r['higher_is_better'] else 'lower')} |"
        for r in indicators.iter_rows(named=True)
    )
    return f"""# Market reference data (generated — do not edit)

Built by `scripts/build_reference.py` from the project's staged copy of public data; loaded by
`opentrade.refdata.reference.load_reference()`. The product reads only these files (and, if the user refreshed them,
the copies in `<data_dir>/reference`, which take precedence file by file). Long tables hold real observations only:
a country–year that is absent is a gap, never a zero.

## Attribution and licences

* **World Bank World Development Indicators** (`wdi.csv`), CC BY 4.0 — *{WDI_ATTRIBUTION}*. Copies taken from
  `datasets/world-development-indicators` (datahub mirror of the World Bank API, 2026-07-01), Gapminder Systema Globalis
  (IT.NET.USER.ZS, NV.SRV.TETC.ZS, BX.KLT.DINV.WD.GD.ZS, which Gapminder takes from WDI), open-numbers' WDI mirror
  (BM.GSR.NFSV.CD, BX.GSR.CCIS.ZS, focus countries) and a World Bank bulk file (BX.GSR.CCIS.CD); repository and
  commit of each series are in `indicators.csv` → `source_detail`.
  `{DERIVED_SERVICE_EXPORTS}` is computed here as `{ICT_EXPORTS_USD} / ({ICT_EXPORTS_SHARE} / 100)` (WDI's own
  service-exports series was not in the staged sources); its name marks it as derived.
* **UNCTAD** digitally-deliverable services trade (`unctad_dds.csv`), CC BY 4.0 — *{UNCTAD_ATTRIBUTION}* (taken from
  UNCTAD's Digital Economy database as republished via World Bank Data360, Zenodo 10.5281/zenodo.17971395).
  World Bank economies only (no aggregates); USD millions, current prices; `obs_status` as published.
* **Country reference** (`countries.csv`): ISO 3166-1 codes from **pycountry** (LGPL-2.1; only the facts are used);
  Chinese names from **Unicode CLDR** via **babel** (CLDR data under the Unicode License v3); World Bank region and
  income group (2021 classification, CC BY 4.0; Venezuela is unclassified there); languages (ISO 639-1), currencies
  (ISO 4217), IANA time zones and area from the countryinfo package (MIT) with corrections; capital coordinates are
  facts taken from CEPII's GeoDist capital points or countryinfo, checked by hand wherever the two disagreed by more
  than 50 km (e.g. Naypyidaw for Myanmar); `landlocked` from GeoDist. Bolivia's capital point is Sucre. `capital_tz` is the capital's zone
  (chosen by hand where a country spans several). CHI and XKX have no capital or time zone.
* **OECD-WTO Balanced Trade in Services** (`batis_china.csv`), CC BY 4.0 under the OECD's terms — *{BATIS_ATTRIBUTION}*.
  China → partner exports, BPM6, 2005–2019, US$ (whole dollars), for the EBOPS 2010 items S, SF, SG, SH, SI, SJ, SK;
  partners mapped to ISO 3166 alpha-3 (`WLD` = China's total). **Partly model-based estimates** (balanced and, where
  no country reports a flow, gravity-estimated): the product labels every figure from this table as an estimate.
  Source extract: {BATIS_SOURCE}. Partners left out (not World Bank economies or no longer existing):
  {", ".join(BATIS_DROPPED)}.
* **World Bank services trade by category** (in `wdi.csv`: BM.GSR.NFSV.CD, BM.GSR.CMCP.ZS, BM.GSR.INSF.ZS), CC BY 4.0 —
  *World Bank, World Development Indicators, via open-numbers/Gapminder DDF*; every economy, from
  {SERVICES_FIRST_YEAR}; the service-imports series replaces the earlier focus-only transcription (equal wherever both
  exist, checked at build time). Shares outside 0–100 are kept as published (residual categories).
* **China's agreements** (`china_agreements.csv`, one row per economy; `china_agreement_events.csv`, one row per
  agreement instrument and party): facts with a source note and a confidence (high / medium / low) per row, compiled
  in `scripts/reference_sources/china_agreements_mofcom.csv` from the MOFCOM China FTA Network (fta.mofcom.gov.cn) and
  the announcements that fixed each date; cross-checked at build time against DESTA v2.0 and the staged post-2020
  supplement for the 44 focus markets. An economy with no free trade agreement with China in force has that as a
  sourced fact (MOFCOM's list is exhaustive): nothing is imputed. `counts_as_fta` is false for goods-only
  partial-scope arrangements (APTA, early-harvest programmes), which the ranking does not count as an FTA.
  `ecommerce_provisions_in_force` names agreements with an e-commerce chapter; no DEPA-style digital economy agreement
  with China is in force (China applied to DEPA on 2021-11-01).

## What is deliberately not shipped

* **DESTA rows** (`trade_agreements_desta.csv`): DESTA has no open licence. It is used only to cross-check the
  sourced agreement list at build time.
* **CEPII GeoDist distances**: licence unverified. Distances are computed at run time (`great_circle_km`, haversine,
  R = 6371.0088 km, from Shanghai 31.2304 N 121.4737 E to the capital point in `countries.csv`).
* UNCTAD's ICT-use-by-business indicators (sparse for the focus set) and the staged extra country columns
  (alternative names/coordinates, memberships under GPL data, precomputed distances).

## Files

| file | rows | size |
|---|---|---|
{size_rows}
| **total** | | **{total / 1024:,.0f} KiB** |

## Coverage gaps for the focus set (CHN, ASEAN-10 + TLS, LAC-33; computed at build time; "latest before {STALE_BEFORE}" = stale)

{gap_rows}

## Indicators

`higher_is_better`: direction when ranking markets for a Shanghai service exporter; blank = no direction.

| code | name | unit | dataset | latest year | better |
|---|---|---|---|---|---|
{ind_rows}

## Rebuilding and refreshing

`python scripts/build_reference.py --source ../shared/data/public` rewrites every file here.
`opentrade refdata refresh` downloads current WDI series from the World Bank API (wbgapi) into
`<data_dir>/reference/` (wdi.csv, indicators.csv, datasets.csv with the retrieval date); the shipped files are never
modified. `opentrade refdata info` lists datasets, vintages, licences and gaps.
"""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", type=Path, default=DEFAULT_SOURCE, help="staged public data folder")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="output folder")
    args = parser.parse_args(argv)
    source, out = args.source.resolve(), args.out.resolve()
    check(source.is_dir(), f"source folder {source} not found")

    countries = build_countries(source)
    universe = set(countries["iso3"])
    focus = sorted(countries.filter(pl.col("focus_group") != "other")["iso3"])
    wdi, meta = build_wdi(source, universe)
    dds = build_dds(source, universe)
    batis = build_batis(source, read(source, "countries.csv"))
    agreements, events, agreements_vintage = build_agreements(source, countries)
    indicators = build_indicators(wdi, dds, meta, source)
    datasets = build_datasets(countries, wdi, dds, batis, agreements, indicators, focus, agreements_vintage)

    tables = {"countries": countries, "wdi": wdi, "dds": dds, "batis": batis, "agreements": agreements,
              "agreement_events": events, "indicators": indicators, "datasets": datasets}
    for name, frame in tables.items():
        write_csv_atomic(frame, out / FILES[name])
        read_table(name, out / FILES[name])  # what we wrote must load
    counts = {FILES[n]: f.height for n, f in tables.items()}
    (out / "README.md").write_text(readme(out, datasets, indicators, counts), encoding="utf-8")
    total = sum((out / f).stat().st_size for f in FILES.values())
    print(f"wrote {len(tables)} tables to {out} ({total / 1024:,.0f} KiB): "
          + ", ".join(f"{f} {c:,}" for f, c in counts.items()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
