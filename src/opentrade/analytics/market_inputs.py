"""Assemble the market model's inputs from the reference data and the registry's partners.

Per service segment: the raw factor matrix (economies × factors) with each value's year and whether it is a
model-based estimate; China's realised exports and the market's import demand in US$ (for the potential); the ease
of each market, built from PPML elasticities fitted on China's exports of the segment's EBOPS categories
(:mod:`opentrade.analytics.gravity`). Everything is computed from what ``ref`` holds: a reference truncated with
:meth:`Reference.as_of` gives the inputs as they could have been known then (the backtest relies on it).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING

import numpy as np
import polars as pl

from opentrade.analytics.gravity import EASE_TERMS, TERMS, GravityFit, ease_log, ease_terms, fit_ppml
from opentrade.refdata.reference import SHANGHAI, SHANGHAI_TZ, WORLD, great_circle_km, working_hours_overlap

if TYPE_CHECKING:
    from opentrade.refdata.market_model import ModelConfig
    from opentrade.refdata.reference import Reference

DATASETS = {
    "batis": "OECD-WTO BaTIS",
    "wdi_share": "World Bank WDI",
    "wdi": "World Bank WDI",
    "unctad_dds": "UNCTAD digitally-deliverable services",
    "china_agreements": "China's trade agreements (MOFCOM China FTA Network, sourced table)",
    "computed": "computed from capital coordinates / IANA time zones / official languages (countries.csv)",
    "gravity": "gravity model (PPML on OECD-WTO BaTIS, WDI, agreements)",
    "registry": "district registry (partners)",
}
DATASET_IDS = {"batis": "batis", "wdi_share": "wdi", "wdi": "wdi", "unctad_dds": "unctad_dds",
               "china_agreements": "china_agreements", "computed": "countries", "gravity": "gravity",
               "registry": "registry"}
SERVICE_IMPORTS = "BM.GSR.NFSV.CD"
LANGUAGE_FIT = {"zh": 1.0, "en": 0.7}  # what a Shanghai service firm can work in, roughly; stated in the docs
PANEL_FIRST_YEAR = 2010  # the WDI panel (GDP, internet users) starts here


@dataclass
class SegmentInputs:
    raw: np.ndarray  # economies × factors; NaN = no data
    year: np.ndarray  # economies × factors; NaN where no year applies
    estimated: np.ndarray  # economies × factors: the value is (partly) a model-based estimate
    realised_usd: np.ndarray  # China's exports of the segment's categories (BaTIS, latest year)
    realised_year: np.ndarray
    demand_usd: np.ndarray  # the market's imports of the segment's service group (US$, latest year)
    demand_year: np.ndarray
    ease_terms: np.ndarray  # economies × EASE_TERMS, log points; rows add up to the ease factor
    category_weights: dict[str, float]  # China's export mix within the segment (weights of the category fits)


@dataclass
class Inputs:
    """The inputs for every economy in the reference universe, sorted by ISO code."""

    iso3: list[str]
    countries: pl.DataFrame  # same order as iso3
    factor_ids: list[str]
    segments: dict[str, SegmentInputs]
    source: dict[str, str]  # factor → "dataset: indicator"
    dataset: dict[str, str]  # factor → dataset id (datasets.csv id, "gravity", "registry")
    channel_names: dict[str, list[str]]  # iso3 → partner names giving the channel points
    ease_z: np.ndarray  # economies × EASE_TERMS: the frictions (imputed where missing)
    ease_z_imputed: np.ndarray  # same shape: True where a friction was imputed (regional median)
    ease_centre: np.ndarray  # EASE_TERMS: the mean the ease is measured against
    gravity: dict[str, GravityFit]
    as_of_year: int | None  # None: everything the reference holds
    notes: list[str] = field(default_factory=list)

    def matrix(self, segment: str) -> SegmentInputs:
        return self.segments[segment]


# --------------------------------------------------------------------------------------------------- small helpers


def _align(frame: pl.DataFrame, iso3: list[str], column: str) -> np.ndarray:
    lookup = dict(zip(frame.get_column("iso3").to_list(), frame.get_column(column).to_list(), strict=True))
    return np.array([np.nan if lookup.get(i) is None else float(lookup[i]) for i in iso3])


def _latest_and_growth(series: pl.DataFrame, iso3: list[str], years: int) -> tuple[np.ndarray, ...]:
    """From iso3, year, value: the latest value and year, and the compound growth (% a year) over ``years``."""
    s = series.drop_nulls("value").filter(pl.col("value").is_not_nan())
    latest = s.sort("iso3", "year").group_by("iso3", maintain_order=True).last()
    level, level_year = _align(latest, iso3, "value"), _align(latest, iso3, "year")
    earlier = latest.select("iso3", (pl.col("year") - years).alias("year")).join(s, on=["iso3", "year"])
    start = _align(earlier, iso3, "value")
    with np.errstate(all="ignore"):
        cagr = np.where((start > 0) & (level > 0), ((level / start) ** (1 / years) - 1) * 100, np.nan)
    return level, level_year, cagr, np.where(np.isfinite(cagr), level_year, np.nan)


def batis_series(ref: Reference, categories: list[str]) -> pl.DataFrame:
    """China's exports of the sum of ``categories`` per partner and year (iso3, year, value); a year counts only
    when every category has a value."""
    b = ref.batis.filter(pl.col("item").is_in(categories) & pl.col("value_usd").is_not_null())
    return (b.group_by("iso3", "year").agg(pl.col("value_usd").sum().alias("value"), pl.len().alias("n"))
            .filter(pl.col("n") == len(categories)).select("iso3", "year", "value").sort("iso3", "year"))


def bucket_imports(ref: Reference, share_code: str) -> pl.DataFrame:
    """A market's imports of a service group: WDI share (% of commercial service imports) × service imports."""
    share = ref.wdi.filter(pl.col("indicator") == share_code).select("iso3", "year", pl.col("value").alias("pct"))
    total = ref.wdi.filter(pl.col("indicator") == SERVICE_IMPORTS).select("iso3", "year", pl.col("value").alias("m"))
    return (share.join(total, on=["iso3", "year"]).filter((pl.col("pct") > 0) & (pl.col("m") > 0))
            .select("iso3", "year", (pl.col("pct") / 100 * pl.col("m")).alias("value")).sort("iso3", "year"))


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


def overlap_hours(capital_tz: list[str | None], year: int, hours: tuple[float, float]) -> np.ndarray:
    """Business hours shared with Shanghai, both sides working ``hours`` local time; averaged over a January and a
    July day so that daylight-saving time on either side counts fairly. With a 12-hour day this is 12 minus the
    time difference (Mexico City 2 h, São Paulo 1 h, Bangkok 11 h)."""
    days = (dt.date(year, 1, 15), dt.date(year, 7, 15))
    start, end = hours
    return np.array([
        np.nan if not tz else float(np.mean([working_hours_overlap(SHANGHAI_TZ, tz, on=d, start=start, end=end)
                                             for d in days]))
        for tz in capital_tz
    ])


def _languages(languages: list[str | None]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Language fit (Chinese 1, English 0.7, other 0) and the two official-language dummies; NaN when unknown."""
    fit, zh, en = [], [], []
    for langs in languages:
        if not langs:
            fit.append(np.nan)
            zh.append(np.nan)
            en.append(np.nan)
            continue
        codes = set(langs.split(";"))
        fit.append(max([LANGUAGE_FIT.get(c, 0.0) for c in codes] or [0.0]))
        zh.append(float("zh" in codes))
        en.append(float("en" in codes))
    return np.array(fit), np.array(zh), np.array(en)


def fta_start(ref: Reference) -> dict[str, dt.date]:
    """Per economy: the date its first free trade agreement with China entered into force (as ``ref`` knows it)."""
    e = ref.agreement_events.filter(pl.col("counts_as_fta") & pl.col("date_in_force").is_not_null())
    first = e.group_by("iso3").agg(pl.col("date_in_force").min())
    return dict(first.iter_rows())


def fta_share_of_year(start: dt.date | None, year: int) -> float:
    """The share of ``year`` during which an agreement that entered into force on ``start`` was in force."""
    if start is None or start.year > year:
        return 0.0
    if start.year < year:
        return 1.0
    first, last = dt.date(year, 1, 1), dt.date(year, 12, 31)
    return ((last - start).days + 1) / ((last - first).days + 1)


def _impute_by_region(values: np.ndarray, regions: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    out, mask = values.copy(), np.isnan(values)
    for j in range(values.shape[1]):
        col = values[:, j]
        overall = np.nanmedian(col) if np.isfinite(col).any() else 0.0
        for g in np.unique(regions):
            rows = (regions == g) & mask[:, j]
            pool = col[(regions == g) & ~mask[:, j]]
            out[rows, j] = np.median(pool) if pool.size else overall
    return out, mask


# --------------------------------------------------------------------------------------------------------- gravity


def _wdi_wide(ref: Reference, codes: dict[str, str]) -> pl.DataFrame:
    w = ref.wdi.filter(pl.col("indicator").is_in(list(codes)))
    return w.pivot(on="indicator", index=["iso3", "year"], values="value").rename(
        {k: v for k, v in codes.items() if k in w["indicator"].unique().to_list()})


def gravity_panel(ref: Reference, category: str, static: pl.DataFrame, starts: dict[str, dt.date]) -> pl.DataFrame:
    """Partner × year rows for one category: the flow and the seven regressors of :data:`TERMS`."""
    flows = (ref.batis.filter((pl.col("item") == category) & (pl.col("iso3") != WORLD) & (pl.col("year") >= PANEL_FIRST_YEAR))
             .select("iso3", "year", pl.col("value_usd").alias("flow")))
    wide = _wdi_wide(ref, {"NY.GDP.MKTP.CD": "gdp", "IT.NET.USER.ZS": "net"})
    for col in ("gdp", "net"):
        if col not in wide.columns:
            wide = wide.with_columns(pl.lit(None, dtype=pl.Float64).alias(col))
    panel = flows.join(static, on="iso3").join(wide, on=["iso3", "year"], how="left")
    fta = [fta_share_of_year(starts.get(i), y) for i, y in panel.select("iso3", "year").iter_rows()]
    return panel.with_columns(
        pl.Series("fta", fta, dtype=pl.Float64),
        (pl.col("net") / 100).alias("internet"),
        pl.when(pl.col("gdp") > 0).then(pl.col("gdp").log()).otherwise(None).alias("ln_gdp"),
    )


@lru_cache(maxsize=32)
def fit_categories(ref: Reference, categories: tuple[str, ...], hours: tuple[float, float],
                   exclude: tuple[str, ...] = ()) -> dict[str, GravityFit]:
    """One PPML fit per category on every year ``ref`` holds, without the ``exclude`` partners (cached per
    reference object)."""
    static = _static_frictions(ref, hours).filter(~pl.col("iso3").is_in(list(exclude)))
    starts = fta_start(ref)
    fits = {}
    for c in categories:
        panel = gravity_panel(ref, c, static, starts)
        x = panel.select(*TERMS).to_numpy().astype(float)
        fits[c] = fit_ppml(panel["flow"].to_numpy().astype(float), x, years=panel["year"].to_numpy(),
                           partners=panel["iso3"].to_numpy(), category=c)
    return fits


def _static_frictions(ref: Reference, hours: tuple[float, float]) -> pl.DataFrame:
    c = ref.countries.filter(pl.col("iso3") != "CHN").sort("iso3")
    km = great_circle_km(SHANGHAI[0], SHANGHAI[1], c["capital_lat"].to_numpy().astype(float),
                         c["capital_lon"].to_numpy().astype(float))
    _, zh, en = _languages(c["languages_iso639_1"].to_list())
    year = ref.up_to_year or dt.date.today().year - 1
    with np.errstate(divide="ignore"):
        ln_km = np.log(km)
    return pl.DataFrame({"iso3": c["iso3"], "ln_distance": ln_km,
                         "office_overlap": overlap_hours(c["capital_tz"].to_list(), year, hours),
                         "lang_zh": zh, "lang_en": en}).fill_nan(None)


# ------------------------------------------------------------------------------------------------------ the matrix


def build_inputs(ref: Reference, config: ModelConfig, *, partners: list[dict]) -> Inputs:
    """Every segment's inputs for all economies from ``ref`` (use ``ref.as_of(T)`` for the inputs as of year T)."""
    countries = ref.countries.sort("iso3")
    iso3 = countries.get_column("iso3").to_list()
    regions = np.array(countries.get_column("wb_region").fill_null("unknown region").to_list())
    factor_ids = list(config.factors)
    hours = (float(config.office_hours[0]), float(config.office_hours[1]))
    year_now = ref.up_to_year or dt.date.today().year - 1
    notes: list[str] = []

    # frictions shared by every segment
    lat = countries.get_column("capital_lat").to_numpy().astype(float)
    lon = countries.get_column("capital_lon").to_numpy().astype(float)
    km = great_circle_km(SHANGHAI[0], SHANGHAI[1], lat, lon)
    overlap = overlap_hours(countries.get_column("capital_tz").to_list(), year_now, hours)
    lang_fit, zh, en = _languages(countries.get_column("languages_iso639_1").to_list())
    starts = fta_start(ref)
    cutoff = dt.date(year_now, 12, 31) if ref.up_to_year else dt.date.max
    fta_now = np.array([1.0 if (d := starts.get(i)) is not None and d <= cutoff else 0.0 for i in iso3])
    fta_now[np.array(iso3) == "CHN"] = np.nan  # the home economy: not applicable
    fta_year = np.array([np.nan if starts.get(i) is None else float(starts[i].year) for i in iso3])
    internet = ref.latest("IT.NET.USER.ZS")
    with np.errstate(divide="ignore"):
        z = np.column_stack([np.where(km > 0, np.log(km), np.nan), overlap, zh, en, fta_now,
                             _align(internet, iso3, "value") / 100])
    z[np.array(iso3) == "CHN"] = np.nan
    z_used, z_imputed = _impute_by_region(z, regions)
    others = np.array(iso3) != "CHN"
    centre = z_used[others].mean(axis=0)

    fits = fit_categories(ref, tuple(config.categories()), hours, tuple(config.gravity.exclude))
    for c, fit in fits.items():
        if not fit.converged:
            notes.append(f"gravity fit for {c} did not converge; its elasticities are shown but uncertain")
    world = ref.batis.filter(pl.col("iso3") == WORLD)
    points, names = channel_points(partners, config.channel_kind_points)

    shared: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]] = {}
    dds = ref.dds.filter(pl.col("flow") == "imports").select("iso3", "year", pl.col("value_usd_m").alias("value"),
                                                              "obs_status")
    dds_level, dds_year, dds_cagr, dds_cagr_year = _latest_and_growth(dds, iso3, config.growth_years)
    dds_est = _align(dds.filter(pl.col("obs_status") == "E").group_by("iso3").agg(pl.len().alias("n")), iso3, "n") > 0
    no_year = np.full(len(iso3), np.nan)
    for fid, f in config.factors.items():
        flag = np.zeros(len(iso3), dtype=bool)
        if f.source == "wdi":
            latest = ref.latest(f.indicator)
            shared[fid] = (_align(latest, iso3, "value"), _align(latest, iso3, "year"), flag)
        elif fid == "dds_imports":
            shared[fid] = (dds_level * 1e6, dds_year, dds_est)
        elif fid == "dds_imports_growth":
            shared[fid] = (dds_cagr, dds_cagr_year, dds_est)
        elif fid == "distance":
            shared[fid] = (km, no_year, flag)
        elif fid == "time_overlap":
            shared[fid] = (overlap, no_year, flag)
        elif fid == "language":
            shared[fid] = (lang_fit, no_year, flag)
        elif fid == "agreement":
            shared[fid] = (fta_now, fta_year, flag)
        elif fid == "channels":
            shared[fid] = (np.array([points.get(i, 0.0) for i in iso3]), no_year, flag)

    segments: dict[str, SegmentInputs] = {}
    for sid, seg in config.segments.items():
        exp_level, exp_year, exp_cagr, exp_cagr_year = _latest_and_growth(batis_series(ref, seg.categories), iso3,
                                                                          config.growth_years)
        imp_level, imp_year, imp_cagr, imp_cagr_year = _latest_and_growth(bucket_imports(ref, seg.imports_share),
                                                                          iso3, config.growth_years)
        mix = _category_weights(world, seg.categories)
        coef = sum(mix[c] * fits[c].ease_coef() for c in seg.categories)
        terms = ease_terms(np.asarray(coef), z_used, centre)
        ease = ease_log(np.asarray(coef), z_used, centre)
        terms[~others], ease = np.nan, np.where(others, ease, np.nan)
        est = np.ones(len(iso3), dtype=bool)
        per_segment = {
            "china_exports": (exp_level, exp_year, est), "china_exports_growth": (exp_cagr, exp_cagr_year, est),
            "segment_imports": (imp_level, imp_year, ~est), "segment_imports_growth": (imp_cagr, imp_cagr_year, ~est),
            "ease": (ease, no_year, est),
        }
        raw = np.full((len(iso3), len(factor_ids)), np.nan)
        year = np.full_like(raw, np.nan)
        estimated = np.zeros(raw.shape, dtype=bool)
        for j, fid in enumerate(factor_ids):
            values, years, flags = per_segment.get(fid) or shared[fid]
            raw[:, j], year[:, j], estimated[:, j] = values, years, flags
        segments[sid] = SegmentInputs(raw, year, estimated, exp_level, exp_year, imp_level, imp_year, terms, mix)

    source = {fid: f"{DATASETS[f.source]}: {f.indicator}" for fid, f in config.factors.items()}
    dataset = {fid: DATASET_IDS[f.source] for fid, f in config.factors.items()}
    return Inputs(iso3, countries, factor_ids, segments, source, dataset, names, z_used, z_imputed, centre, fits,
                  ref.up_to_year, notes)


def _category_weights(world: pl.DataFrame, categories: list[str]) -> dict[str, float]:
    """China's export mix within the segment (latest year with every category), the weights of the category fits."""
    w = world.filter(pl.col("item").is_in(categories) & pl.col("value_usd").is_not_null())
    years = w.group_by("year").agg(pl.len().alias("n")).filter(pl.col("n") == len(categories))
    if years.is_empty():
        return {c: 1 / len(categories) for c in categories}
    last = w.filter(pl.col("year") == years["year"].max())
    total = float(last["value_usd"].sum())
    return {c: float(last.filter(pl.col("item") == c)["value_usd"].sum()) / total for c in categories}


__all__ = ["EASE_TERMS", "Inputs", "SegmentInputs", "build_inputs", "channel_points", "fit_categories"]
