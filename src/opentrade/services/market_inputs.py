"""Assemble the market model's raw factor matrix (economies × factors) from reference data and the registry.

Every value keeps the dataset, indicator and year it came from, so any figure in a ranking can name its source.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import polars as pl

from opentrade.refdata.market_model import ModelConfig
from opentrade.refdata.reference import (
    SHANGHAI,
    SHANGHAI_TZ,
    Reference,
    great_circle_km,
    working_hours_overlap,
)

DATASET_NAMES = {
    "wdi": "World Bank WDI",
    "unctad_dds": "UNCTAD digitally-deliverable services",
    "china_agreements": "China's trade agreements (curated)",
    "computed": "computed from capital coordinates / IANA time zones / official languages (countries.csv)",
    "registry": "district registry (partners)",
}
LANGUAGE_FIT = {"zh": 1.0, "en": 0.7}  # what a Shanghai service firm can work in, roughly; stated in the docs


@dataclass
class Inputs:
    """The raw matrix for every economy in the reference universe, sorted by ISO code."""

    iso3: list[str]
    countries: pl.DataFrame  # same order as iso3
    factor_ids: list[str]
    raw: np.ndarray  # economies × factors; NaN = no data
    year: np.ndarray  # economies × factors; NaN where no year applies
    source: dict[str, str]  # factor → "dataset: indicator"
    channel_names: dict[str, list[str]]  # iso3 → partner names giving the channel points


def _by_iso(frame: pl.DataFrame, iso3: list[str], column: str) -> np.ndarray:
    lookup = dict(zip(frame.get_column("iso3").to_list(), frame.get_column(column).to_list(), strict=True))
    return np.array([np.nan if lookup.get(i) is None else float(lookup[i]) for i in iso3])


def _dds_imports(ref: Reference, iso3: list[str], up_to_year: int | None) -> tuple[np.ndarray, ...]:
    """Level (US$) and 5-year CAGR of digitally-deliverable services imports, each with its (end) year."""
    imports = ref.dds.filter(pl.col("flow") == "imports", pl.col("value_usd_m").is_not_null())
    if up_to_year is not None:
        imports = imports.filter(pl.col("year") <= up_to_year)
    latest = imports.sort("year").group_by("iso3").last()
    level = _by_iso(latest, iso3, "value_usd_m") * 1e6
    level_year = _by_iso(latest, iso3, "year")
    earlier = latest.select("iso3", (pl.col("year") - 5).alias("year")).join(imports, on=["iso3", "year"])
    start = _by_iso(earlier, iso3, "value_usd_m") * 1e6
    with np.errstate(all="ignore"):
        cagr = np.where((start > 0) & (level > 0), (level / start) ** (1 / 5) - 1, np.nan)
    return level, level_year, cagr, np.where(np.isfinite(cagr), level_year, np.nan)


def channel_points(partners: list[dict], points: dict[str, float]) -> tuple[dict[str, float], dict[str, list[str]]]:
    """Per market: the sum of its partners' kind points (capped at 1), and their names. A partner serves its own
    country and every market it lists."""
    score: dict[str, float] = {}
    names: dict[str, list[str]] = {}
    for p in partners:
        markets = {m for m in (p.get("markets") or "").split(";") if m} | ({p["country"]} if p.get("country") else set())
        for m in markets:
            score[m] = min(1.0, score.get(m, 0.0) + points.get(p["kind"], 0.0))
            names.setdefault(m, []).append(p["name_en"])
    return score, names


def _overlap(capital_tz: list[str | None], year: int) -> np.ndarray:
    # Averaged over a January and a July day, so daylight-saving time on either side counts fairly.
    days = (dt.date(year, 1, 15), dt.date(year, 7, 15))
    return np.array([
        np.nan if not tz else float(np.mean([working_hours_overlap(SHANGHAI_TZ, tz, on=d) for d in days]))
        for tz in capital_tz
    ])


def _language(languages: list[str | None]) -> np.ndarray:
    out = []
    for langs in languages:
        if not langs:
            out.append(np.nan)
            continue
        codes = set(langs.split(";"))
        out.append(max([LANGUAGE_FIT.get(c, 0.0) for c in codes] or [0.0]))
    return np.array(out)


def build_inputs(ref: Reference, config: ModelConfig, *, partners: list[dict], up_to_year: int | None = None,
                 reference_year: int = 2024) -> Inputs:
    countries = ref.countries.sort("iso3")
    iso3 = countries.get_column("iso3").to_list()
    factor_ids = list(config.factors)
    raw = np.full((len(iso3), len(factor_ids)), np.nan)
    year = np.full_like(raw, np.nan)
    source: dict[str, str] = {}
    level, level_year, cagr, cagr_year = _dds_imports(ref, iso3, up_to_year)
    points, names = channel_points(partners, config.channel_kind_points)
    for j, fid in enumerate(factor_ids):
        f = config.factors[fid]
        source[fid] = f"{DATASET_NAMES.get(f.source, f.source)}: {f.indicator}"
        if f.source == "wdi":
            latest = ref.latest(f.indicator, up_to_year=up_to_year)
            raw[:, j], year[:, j] = _by_iso(latest, iso3, "value"), _by_iso(latest, iso3, "year")
        elif fid == "dds_imports":
            raw[:, j], year[:, j] = level, level_year
        elif fid == "dds_imports_growth":
            raw[:, j], year[:, j] = cagr, cagr_year
        elif fid == "distance":
            lat = countries.get_column("capital_lat").to_numpy().astype(float)
            lon = countries.get_column("capital_lon").to_numpy().astype(float)
            raw[:, j] = great_circle_km(SHANGHAI[0], SHANGHAI[1], lat, lon)
        elif fid == "time_overlap":
            raw[:, j] = _overlap(countries.get_column("capital_tz").to_list(), up_to_year or reference_year)
        elif fid == "language":
            raw[:, j] = _language(countries.get_column("languages_iso639_1").to_list())
        elif fid == "agreement":
            agr = ref.agreements.with_columns(
                (pl.col("china_pta_in_force") & (pl.col("first_eif_year") <= (up_to_year or 9999))).cast(pl.Float64)
                .fill_null(0.0).alias("in_force"))
            raw[:, j] = _by_iso(agr, iso3, "in_force")  # economies outside the curated set stay missing
            year[:, j] = _by_iso(agr, iso3, "first_eif_year")
        elif fid == "channels":
            raw[:, j] = np.array([points.get(i, 0.0) for i in iso3])  # no partner is an observed 0, not a gap
        else:  # pragma: no cover - guarded by the config schema
            raise ValueError(f"no data source for factor {fid}")
    return Inputs(iso3, countries, factor_ids, raw, year, source, names)
