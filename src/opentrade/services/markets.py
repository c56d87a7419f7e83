"""Rank foreign markets for a service segment, explain a market's score, and backtest the model.

The flow: reference data + the registry's partners → raw factor matrix (services.market_inputs) → imputation,
normalisation and weighting (analytics.ranking) → ranked markets with every factor's value, source, year and
contribution. Scores are normalised over all economies in the reference, so filtering by region changes ranks
within the shown set but never a market's score.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import polars as pl
from sqlalchemy import select

from opentrade.analytics.ranking import (
    Factor,
    Stability,
    bootstrap_spearman,
    contributions,
    impute,
    normalise,
    rank_stability,
    ranks_from_scores,
    spearman,
)
from opentrade.errors import ConfigError
from opentrade.refdata.market_model import ModelConfig, load_model_config, segment_weights
from opentrade.refdata.reference import Reference, load_reference
from opentrade.services.market_inputs import Inputs, build_inputs
from opentrade.store.db import Database
from opentrade.store.models import Enterprise, EnterpriseYear, Partner

REGIONS = ("asean", "lac", "other", "china")
POTENTIAL_NOTE = (
    "An ITC-style export potential in US$ (supply share × projected demand × bilateral ease) needs the district's or "
    "China's exports by service category and bilateral services trade with each market; neither is in the shipped "
    "data (no China→partner services trade, no EBOPS split of imports). The demand ceiling shown instead is each "
    "market's total imports of digitally-deliverable services (UNCTAD, US$)."
)


@dataclass
class FactorDetail:
    id: str
    label_en: str
    label_zh: str
    group: str
    value: float | None  # as observed; None if missing
    used: float | None  # after imputation
    year: int | None
    source: str
    imputed: str | None  # the rule, when the value was imputed
    normalised: float
    weight: float
    contribution: float


@dataclass
class MarketScore:
    iso3: str
    name_en: str
    name_zh: str
    region: str
    rank: int
    score: float
    factors: dict[str, float]  # factor → contribution (points); they add up to ``score``
    details: list[FactorDetail]
    flags: list[str]
    channels: list[str]
    p_top: float | None = None
    median_rank: float | None = None
    rank_interval: tuple[float, float] | None = None

    def to_json(self) -> dict:
        return {
            "iso3": self.iso3, "name_en": self.name_en, "name_zh": self.name_zh, "region": self.region,
            "rank": self.rank, "score": round(self.score, 4),
            "factors": {k: round(v, 4) for k, v in self.factors.items()},
            "flags": self.flags, "channels": self.channels,
            "stability": None if self.p_top is None else {
                "p_top5": round(self.p_top, 4), "median_rank": self.median_rank,
                "interval_90": list(self.rank_interval or ())},
            "values": [{k: v for k, v in d.__dict__.items() if k not in ("label_zh",)} for d in self.details],
        }


@dataclass
class Ranking:
    segment: str
    segment_en: str
    segment_zh: str
    regions: tuple[str, ...]
    weights: dict[str, float]
    markets: list[MarketScore]
    excluded: list[dict[str, str]]
    supply: dict[str, object]
    stability: dict[str, object] | None
    potential_note: str = POTENTIAL_NOTE
    sources: dict[str, str] = field(default_factory=dict)


# --- inputs -----------------------------------------------------------------------------------------------------


def _partners(db: Database | None) -> list[dict]:
    if db is None:
        return []
    with db.engine.connect() as conn:
        rows = conn.execute(select(Partner.kind, Partner.name_en, Partner.country, Partner.markets)).mappings().all()
    return [dict(r) for r in rows]


def model_inputs(db: Database | None, *, ref: Reference | None = None, config: ModelConfig | None = None,
                 up_to_year: int | None = None) -> tuple[Inputs, ModelConfig]:
    config = config or load_model_config()
    return build_inputs(ref or load_reference(), config, partners=_partners(db), up_to_year=up_to_year), config


def _factors(config: ModelConfig, ids: list[str]) -> list[Factor]:
    return [Factor(i, config.factors[i].group, config.factors[i].en, config.factors[i].zh,
                   config.factors[i].transform, config.factors[i].higher_is_better, config.factors[i].scale)
            for i in ids]


def _weights_vector(weights: dict[str, float], ids: list[str]) -> np.ndarray:
    w = np.array([weights.get(i, 0.0) for i in ids], dtype=float)
    return w / w.sum()


def _exclusion(inputs: Inputs, row: int) -> str | None:
    ids = inputs.factor_ids
    if all(np.isnan(inputs.raw[row, ids.index(f)]) for f in ("dds_imports", "market_size")):
        return "no data on digitally-deliverable services imports nor on GDP"
    return None


# --- ranking ----------------------------------------------------------------------------------------------------


@dataclass
class Scored:
    """Scores for every economy under one weight vector (shared by rank, explain, backtest)."""

    inputs: Inputs
    factors: list[Factor]
    weights: np.ndarray
    norm: np.ndarray
    contrib: np.ndarray
    scores: np.ndarray
    imputed_rule: np.ndarray
    used: np.ndarray


def score_all(inputs: Inputs, config: ModelConfig, weights: dict[str, float]) -> Scored:
    factors = _factors(config, inputs.factor_ids)
    groups = np.array(inputs.countries.get_column("wb_region").fill_null("unknown region").to_list())
    imp = impute(inputs.raw, groups)
    norm = normalise(imp.values, factors)
    w = _weights_vector(weights, inputs.factor_ids)
    contrib = contributions(norm, w)
    return Scored(inputs, factors, w, norm, contrib, contrib.sum(axis=1), imp.rule, imp.values)


def select_markets(inputs: Inputs, regions: tuple[str, ...]) -> np.ndarray:
    unknown = sorted(set(regions) - set(REGIONS) - {"all"})
    if unknown:
        raise ConfigError(f"unknown region(s) {', '.join(unknown)}; choose from asean, lac, other, china, all")
    focus = np.array(inputs.countries.get_column("focus_group").to_list())
    if "all" in regions:
        return np.arange(len(focus))
    return np.flatnonzero(np.isin(focus, regions))


def rank_markets(
    db: Database | None,
    *,
    segment: str = "ict",
    regions: tuple[str, ...] = ("asean", "lac"),
    weights_file: Path | None = None,
    weights: dict[str, float] | None = None,
    draws: int = 1000,
    top_k: int = 5,
    inputs: tuple[Inputs, ModelConfig] | None = None,
) -> Ranking:
    """Markets of ``regions`` ranked for ``segment``; ``weights`` (a mapping) overrides ``weights_file``."""
    inp, config = inputs or model_inputs(db)
    w = weights if weights is not None else segment_weights(config, segment, weights_file)
    if weights is not None:
        from opentrade.refdata.market_model import check_weights

        try:
            check_weights(w, known=config.factors, where="weights")
        except ValueError as exc:
            raise ConfigError(str(exc)) from None
    scored = score_all(inp, config, w)
    rows = select_markets(inp, regions)
    excluded, kept = [], []
    for r in rows:
        reason = _exclusion(inp, r)
        if reason:
            excluded.append({"iso3": inp.iso3[r], "name_en": inp.countries["name_en"][int(r)], "reason": reason})
        else:
            kept.append(r)
    kept_arr = np.array(kept, dtype=int)
    ranks = ranks_from_scores(scored.scores[kept_arr]) if len(kept_arr) else np.array([], dtype=int)
    stability = None
    if draws and len(kept_arr):
        stab = rank_stability(scored.norm[kept_arr], scored.weights, draws=draws, top_k=top_k, seed=20240614)
        stability = {"draws": stab.draws, "concentration": stab.concentration, "top_k": stab.top_k,
                     "method": "weights ~ Dirichlet(concentration × configured weights); seed 20240614"}
    markets = [
        _market(scored, int(r), int(ranks[i]), None if stability is None else (stab, i))
        for i, r in enumerate(kept_arr)
    ]
    markets.sort(key=lambda m: m.rank)
    seg = config.segments[segment]
    return Ranking(segment, seg.en, seg.zh, tuple(regions), dict(zip(inp.factor_ids, scored.weights.round(6).tolist(),
                   strict=True)), markets, excluded, district_supply(db, config, segment), stability,
                   sources=dict(inp.source))


def _market(scored: Scored, r: int, rank: int, stab: tuple[Stability, int] | None) -> MarketScore:
    inp = scored.inputs
    details, flags = [], []
    for j, f in enumerate(scored.factors):
        observed = inp.raw[r, j]
        rule = scored.imputed_rule[r, j] or None
        if rule and scored.weights[j] > 0:
            flags.append(f"imputed {f.id} ({rule})")
        elif np.isnan(scored.used[r, j]) and scored.weights[j] > 0:
            flags.append(f"missing {f.id} (no data for any economy)")
        y = inp.year[r, j]
        details.append(FactorDetail(
            f.id, f.label_en, f.label_zh, f.group, None if np.isnan(observed) else float(observed),
            None if np.isnan(scored.used[r, j]) else float(scored.used[r, j]), None if np.isnan(y) else int(y),
            inp.source[f.id], rule, float(scored.norm[r, j]), float(scored.weights[j]), float(scored.contrib[r, j])))
    c = inp.countries.row(r, named=True)
    m = MarketScore(c["iso3"], c["name_en"], c["name_zh"] or c["name_en"], c["focus_group"], rank,
                    float(scored.scores[r]), {d.id: d.contribution for d in details if d.weight > 0},
                    details, flags, inp.channel_names.get(c["iso3"], []))
    if stab is not None:
        s, i = stab
        m.p_top, m.median_rank = float(s.p_top[i]), float(s.median_rank[i])
        m.rank_interval = (float(s.low[i]), float(s.high[i]))
    return m


def explain_market(db: Database | None, iso3: str, *, segment: str = "ict",
                   regions: tuple[str, ...] = ("asean", "lac"), weights_file: Path | None = None) -> MarketScore:
    ranking = rank_markets(db, segment=segment, regions=("all",) if regions == ("all",) else regions,
                           weights_file=weights_file)
    code = iso3.upper()
    for m in ranking.markets:
        if m.iso3 == code:
            return m
    for e in ranking.excluded:
        if e["iso3"] == code:
            raise ConfigError(f"{code} is excluded from the ranking: {e['reason']}")
    # Outside the chosen regions: explain it among all economies.
    if regions != ("all",):
        return explain_market(db, code, segment=segment, regions=("all",), weights_file=weights_file)
    raise ConfigError(f"{iso3!r} is not an economy in the reference data (use an ISO 3166 alpha-3 code)")


# --- the district's supply --------------------------------------------------------------------------------------


def district_supply(db: Database | None, config: ModelConfig, segment: str) -> dict[str, object]:
    """How strong the district is in the segment: firms and revenue matching the segment's registry rules."""
    rule = config.segments[segment].supply
    base: dict[str, object] = {"rule": rule.model_dump(), "location_quotient": None,
                               "location_quotient_note": "no national or city reference distribution is shipped"}
    if db is None:
        return base | {"firms": None, "share_of_firms": None, "revenue_yuan": None, "year": None}
    with db.engine.connect() as conn:
        firms = pl.DataFrame(conn.execute(
            select(Enterprise.id, Enterprise.industry_code, Enterprise.de_subcategory, Enterprise.clusters,
                   Enterprise.synthetic).where(Enterprise.status == "active")).all(),
            schema=["id", "industry_code", "de_subcategory", "clusters", "synthetic"], orient="row")
        year = conn.execute(select(EnterpriseYear.year).order_by(EnterpriseYear.year.desc()).limit(1)).scalar()
        revenue = pl.DataFrame(conn.execute(
            select(EnterpriseYear.enterprise_id, EnterpriseYear.revenue).where(EnterpriseYear.year == year)).all(),
            schema=["id", "revenue"], orient="row") if year else None
    if firms.height == 0:
        return base | {"firms": 0, "share_of_firms": None, "revenue_yuan": None, "year": None}
    code = pl.col("industry_code").fill_null("")
    match = pl.col("de_subcategory").is_in(rule.digital_economy)
    for prefix in rule.gbt4754:
        match = match | code.str.starts_with(prefix)
    for cluster in rule.clusters:
        match = match | pl.col("clusters").fill_null("").str.split(";").list.contains(cluster)
    hit = firms.filter(match.fill_null(False))
    rev = None
    if revenue is not None:
        rev = float(hit.join(revenue, on="id").get_column("revenue").sum() or 0.0)
    return base | {"firms": hit.height, "share_of_firms": hit.height / firms.height, "revenue_yuan": rev,
                   "year": year, "synthetic_firms": int(hit.get_column("synthetic").sum())}


# --- backtest ---------------------------------------------------------------------------------------------------


@dataclass
class Backtest:
    segment: str
    year: int
    horizon: int
    markets: int
    rho: float
    rho_interval: tuple[float, float]
    baseline_rho: float
    baseline_interval: tuple[float, float]
    rows: list[dict]
    notes: list[str]


def backtest(db: Database | None = None, *, segment: str = "ict", year: int = 2017, horizon: int = 5,
             regions: tuple[str, ...] = ("asean", "lac")) -> Backtest:
    """Score markets with data up to ``year``; compare with the realised growth of digitally-deliverable services
    imports over the next ``horizon`` years (CAGR), against ranking by market size alone."""
    ref = load_reference()
    config = load_model_config()
    inp = build_inputs(ref, config, partners=[], up_to_year=year)
    weights = dict(segment_weights(config, segment))
    weights["channels"] = 0.0  # the registry has no history: channels cannot be known as of the past year
    scored = score_all(inp, config, weights)
    rows_idx = select_markets(inp, regions)
    imports = ref.dds.filter(pl.col("flow") == "imports")
    start = dict(imports.filter(pl.col("year") == year).select("iso3", "value_usd_m").iter_rows())
    end = dict(imports.filter(pl.col("year") == year + horizon).select("iso3", "value_usd_m").iter_rows())
    gdp_j = inp.factor_ids.index("market_size")
    rows = []
    for r in rows_idx:
        iso = inp.iso3[r]
        a, b = start.get(iso), end.get(iso)
        realised = (b / a) ** (1 / horizon) - 1 if a and b and a > 0 and b > 0 else None
        rows.append({"iso3": iso, "score": float(scored.scores[r]), "gdp": float(inp.raw[r, gdp_j]),
                     "realised_cagr": realised})
    have = [x for x in rows if x["realised_cagr"] is not None and np.isfinite(x["gdp"])]
    score = np.array([x["score"] for x in have])
    gdp = np.array([x["gdp"] for x in have])
    realised = np.array([x["realised_cagr"] for x in have])
    notes = [f"{len(rows) - len(have)} market(s) without imports in both {year} and {year + horizon} are left out",
             "channels weight set to 0: partners are not dated, so they cannot be known as of the backtest year"]
    return Backtest(segment, year, horizon, len(have), spearman(score, realised),
                    bootstrap_spearman(score, realised, seed=1), spearman(gdp, realised),
                    bootstrap_spearman(gdp, realised, seed=1), rows, notes)
