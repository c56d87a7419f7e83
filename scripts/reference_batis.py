"""China's services exports by partner and EBOPS 2010 category (OECD-WTO BaTIS) for the shipped snapshot (used by
``build_reference.py``).

Only China → partner exports of the categories the market model uses (S total and SF, SG, SH, SI, SJ, SK) are
kept; partners are mapped from BaTIS's English names to ISO 3166 alpha-3 through the country table plus the alias
list below; "World" becomes ``WLD`` (China's total exports of the category). Partners that are not among the 217
World Bank economies are dropped and named in the README (Anguilla, Montserrat, Chinese Taipei, historical
entities, "Rest of the World"). Values are whole US dollars (the source carries float noise such as
129654655.99999999); an empty source cell stays missing.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

ITEMS = ("S", "SF", "SG", "SH", "SI", "SJ", "SK")
ALIASES = {
    "Democratic People's Republic of Korea": "PRK", "Democratic Republic of the Congo": "COD",
    "Faeroe Islands": "FRO", "Hong Kong, China": "HKG", "Iran": "IRN", "Korea": "KOR", "Macao, China": "MAC",
    "Palestinian Authority": "PSE", "Russia": "RUS", "Sao Tomé and Principe": "STP", "Sint Maarten": "SXM",
    "The Gambia": "GMB", "Venezuela": "VEN", "World": "WLD",
}
#: BaTIS partners that are not World Bank economies (or no longer exist): left out, and said so
DROPPED = ("Anguilla", "Chinese Taipei", "Montserrat", "Netherlands Antilles", "Rest of the World",
           "Serbia and Montenegro")
ATTRIBUTION = "Source: OECD-WTO Balanced Trade in Services (BaTIS), BPM6"
SOURCE_DETAIL = ("sumikey/uk_services_trade_app @ 838e68e3f50b7d9cb891b0dcedab967496411bfb, "
                 "data/batis/batis_china_ts.parquet (extract of the OECD-WTO BaTIS bulk download, China as reporter)")


def build_batis(source: Path, countries: pl.DataFrame) -> pl.DataFrame:
    raw = pl.read_csv(source / "batis_china.csv", infer_schema=False, encoding="utf8")
    names = dict(zip(countries["name_en"], countries["iso3"], strict=True))
    names |= {n: i for n, i in zip(countries["name_iso"], countries["iso3"], strict=True) if n}
    names |= ALIASES
    partners = set(raw["partner"])
    unmapped = sorted(partners - set(names) - set(DROPPED))
    if unmapped:
        raise SystemExit(f"batis_china.csv: partners with no ISO code and not listed as dropped: {unmapped}")
    out = (
        raw.filter((pl.col("flow") == "exports") & pl.col("item_code").is_in(ITEMS)
                   & ~pl.col("partner").is_in(DROPPED))
        .select(
            pl.col("partner").replace_strict(names).alias("iso3"),
            pl.col("item_code").alias("item"),
            pl.col("year").cast(pl.Int32),
            pl.col("value_usd").cast(pl.Float64).round(0).alias("value_usd"),
        )
        .sort("iso3", "item", "year")
    )
    if out.select("iso3", "item", "year").is_duplicated().any():
        raise SystemExit("batis_china.csv: two partners map to one ISO code")
    return out


def focus_gaps(batis: pl.DataFrame, focus: list[str]) -> list[str]:
    have = set(batis.filter(pl.col("value_usd").is_not_null())["iso3"])
    missing = sorted(set(focus) - have)
    clauses = [f"no BaTIS partner row for {' '.join(missing)}"] if missing else []
    clauses.append(f"series ends {int(batis['year'].max())} for every partner (BaTIS BPM6 release used)")
    clauses.append("values are partly model-based estimates (balanced / gravity-estimated where no country "
                   "reports the flow)")
    return clauses
