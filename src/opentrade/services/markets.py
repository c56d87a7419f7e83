"""Rank foreign markets for a service segment and explain a market's score.

The flow: reference data + the registry's partners → per-segment inputs and gravity fits
(analytics.market_inputs) → imputation, points, stale discount and weighting (analytics.scoring) → ranked markets
with every factor's value, unit, dataset, year, flags (estimated / imputed / stale) and how the value became points;
the ITC-style potential in US$ (analytics.potential); the Monte-Carlo over weights, imputation, staleness and
elasticities, tiers and top-5 weight ranges (analytics.uncertainty). Scores are normalised over all economies in
the reference, so filtering by region changes ranks within the shown set but never a market's score. The backtest
lives in services.market_backtest.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
from sqlalchemy import select

from opentrade.analytics.gravity import EASE_TERMS, TERM_LABELS, draw_coefficients, ease_log
from opentrade.analytics.market_inputs import Inputs, build_inputs
from opentrade.analytics.potential import Potential, potential
from opentrade.analytics.ranking import effective_weights, ranks_from_scores
from opentrade.analytics.scoring import Scored, score_segment
from opentrade.analytics.uncertainty import MonteCarlo, Perturbations, simulate, tiers, top_k_weight_ranges
from opentrade.errors import ConfigError
from opentrade.refdata.market_model import (
    ModelConfig,
    check_weights,
    load_model_config,
    message,
    segment_weights,
)
from opentrade.refdata.reference import Reference, load_reference
from opentrade.store.db import Database
from opentrade.store.models import Enterprise, EnterpriseYear, Partner

REGIONS = ("asean", "lac", "other", "china")


def _num(x: Any) -> float | None:
    return None if x is None or not np.isfinite(x) else float(x)


@dataclass
class FactorDetail:
    id: str
    label_en: str
    label_zh: str
    group: str
    value: float | None  # as observed, in the factor's unit; None if missing
    used: float | None  # after imputation
    year: int | None
    source: str  # "dataset: indicator"
    imputed: str | None  # the rule, when the value was imputed
    normalised: float  # points 0–1 after the stale discount (before the weight)
    weight: float
    contribution: float  # 100 × weight × normalised: these add up to the score
    unit_en: str = ""
    unit_zh: str = ""
    dataset: str = ""  # id in datasets.csv ("gravity", "registry", "countries" for computed values)
    indicator: str = ""
    estimated: bool = False  # (partly) a model-based estimate
    is_imputed: bool = False
    stale: bool = False
    age_years: int | None = None  # years behind the series' latest year
    stale_discount: float = 1.0  # multiplier applied to the points
    points_before_discount: float = 0.0
    points_rule: dict = field(default_factory=dict)  # how value becomes points: code, method, direction, params


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
    tier: int | None = None
    score_interval: tuple[float, float] | None = None
    potential: dict[str, Any] | None = None
    top5_weight_ranges: list[dict[str, Any]] = field(default_factory=list)
    flag_codes: list[dict[str, Any]] = field(default_factory=list)

    def to_json(self) -> dict:
        return {
            "iso3": self.iso3, "name_en": self.name_en, "name_zh": self.name_zh, "region": self.region,
            "rank": self.rank, "score": round(self.score, 4), "tier": self.tier,
            "factors": {k: round(v, 4) for k, v in self.factors.items()},
            "flags": self.flags, "flag_codes": self.flag_codes, "channels": self.channels,
            "stability": None if self.p_top is None else {
                "p_top5": round(self.p_top, 4), "median_rank": self.median_rank,
                "interval_90": list(self.rank_interval or ()), "score_interval_90": list(self.score_interval or ())},
            "potential": self.potential, "top5_weight_ranges": self.top5_weight_ranges,
            "values": [{k: v for k, v in asdict(d).items() if k != "label_zh"} for d in self.details],
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
    potential_note: str = ""
    sources: dict[str, str] = field(default_factory=dict)
    factors_meta: list[dict[str, Any]] = field(default_factory=list)  # unit, nominal/effective weight, points rule
    normalisation: dict[str, Any] = field(default_factory=dict)
    staleness: dict[str, Any] = field(default_factory=dict)
    tiers: list[dict[str, Any]] = field(default_factory=list)
    gravity: dict[str, Any] = field(default_factory=dict)
    potential_method: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


# --- inputs -----------------------------------------------------------------------------------------------------


def _partners(db: Database | None) -> list[dict]:
    if db is None:
        return []
    with db.engine.connect() as conn:
        rows = conn.execute(select(Partner.kind, Partner.name_en, Partner.country, Partner.markets)).mappings().all()
    return [dict(r) for r in rows]


def model_inputs(db: Database | None, *, ref: Reference | None = None, config: ModelConfig | None = None
                 ) -> tuple[Inputs, ModelConfig]:
    config = config or load_model_config()
    return build_inputs(ref or load_reference(), config, partners=_partners(db)), config


def select_markets(inputs: Inputs, regions: tuple[str, ...]) -> np.ndarray:
    unknown = sorted(set(regions) - set(REGIONS) - {"all"})
    if unknown:
        raise ConfigError(f"unknown region(s) {', '.join(unknown)}; choose from asean, lac, other, china, all")
    focus = np.array(inputs.countries.get_column("focus_group").to_list())
    if "all" in regions:
        return np.arange(len(focus))
    return np.flatnonzero(np.isin(focus, regions))


def _exclusion(scored: Scored, row: int) -> str | None:
    if scored.inputs.iso3[row] == "CHN":
        return "the home economy: China's exports to itself are not defined"
    ids = scored.inputs.factor_ids
    if all(np.isnan(scored.seg.raw[row, ids.index(f)]) for f in ("china_exports", "market_size")):
        return "no data on China's services exports to it (BaTIS) nor on its GDP"
    return None


# --- ranking ----------------------------------------------------------------------------------------------------


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
        try:
            check_weights(w, known=config.factors, where="weights")
        except ValueError as exc:
            raise ConfigError(str(exc)) from None
    if segment not in config.segments:
        raise ConfigError(f"unknown segment {segment!r}; choose one of: {', '.join(config.segments)}")
    scored = score_segment(inp, config, segment, w)
    excluded, kept_list = [], []
    for r in select_markets(inp, regions):
        reason = _exclusion(scored, int(r))
        if reason:
            excluded.append({"iso3": inp.iso3[r], "name_en": inp.countries["name_en"][int(r)], "reason": reason})
        else:
            kept_list.append(int(r))
    kept = np.array(kept_list, dtype=int)
    ranks = ranks_from_scores(scored.scores[kept]) if len(kept) else np.array([], dtype=int)
    pot = _potential(scored)
    mc = _monte_carlo(scored, kept, config, draws, top_k) if draws and len(kept) else None
    tier_of = None
    if mc is not None:
        tier_of = tiers(mc, np.argsort(ranks, kind="stable"), confidence=config.monte_carlo.tier_confidence)
    summary = None if mc is None else (mc.p_top, mc.rank_quantiles(), mc.score_quantiles(), tier_of)
    table = _Columns(scored, config, pot)
    markets = [_market(table, int(r), int(ranks[i]), summary, i) for i, r in enumerate(kept)]
    order = [int(i) for i in np.argsort(ranks, kind="stable")[:top_k]]
    for i, found in top_k_weight_ranges(scored.points[kept], scored.weights, order, inp.factor_ids, k=top_k).items():
        markets[i].top5_weight_ranges = [asdict(x) for x in found]
    markets.sort(key=lambda m: m.rank)
    seg = config.segments[segment]
    return Ranking(
        segment, seg.en, seg.zh, tuple(regions),
        dict(zip(inp.factor_ids, scored.weights.round(6).tolist(), strict=True)), markets, excluded,
        district_supply(db, config, segment), _stability_meta(mc, config, top_k),
        potential_note=message("potential.method", year=_realised_year(scored), share=_pct(config))["text_en"],
        sources=dict(inp.source), factors_meta=_factors_meta(scored, config, kept),
        normalisation={"method": scored.method, "winsor_pct": config.normalisation.winsor_pct,
                       "robust_clip": config.normalisation.robust_clip,
                       "over": "all economies in the reference except China; anchors from observed values only"},
        staleness=config.staleness.model_dump(),
        tiers=[] if tier_of is None else [{"tier": int(t), "markets": [m.iso3 for m in markets if m.tier == t]}
                                          for t in sorted(set(tier_of.tolist()))],
        gravity=_gravity_meta(scored), potential_method=_potential_meta(scored, pot, config), notes=list(inp.notes))


def _pct(config: ModelConfig) -> float:
    return round(config.district_share.value * 100, 2)


def _realised_year(scored: Scored) -> int | None:
    years = scored.seg.realised_year[np.isfinite(scored.seg.realised_year)]
    return int(years.max()) if years.size else None


def _potential(scored: Scored) -> Potential:
    gdp = scored.seg.raw[:, scored.inputs.factor_ids.index("market_size")]
    return potential(scored.seg.realised_usd, scored.seg.demand_usd, scored.seg.ease_terms, gdp=gdp,
                     groups=scored.groups, universe=scored.universe)


def _monte_carlo(scored: Scored, kept: np.ndarray, config: ModelConfig, draws: int, top_k: int) -> MonteCarlo:
    mc_cfg = config.monte_carlo
    rng = np.random.default_rng(mc_cfg.seed)
    inp, seg = scored.inputs, scored.seg
    age_over = np.clip(np.nan_to_num(scored.age, nan=0.0) - config.staleness.max_age_years, 0, None)
    sigma = np.where(scored.stale, config.staleness.mc_noise_per_year * age_over, 0.0)
    j = inp.factor_ids.index("ease")
    ln_draws = np.zeros((draws, len(kept)))
    dz = inp.ease_z[kept]
    for c, share in seg.category_weights.items():
        coef = draw_coefficients(inp.gravity[c], draws, rng)
        ln_draws += share * ease_log(coef, dz, inp.ease_centre)
    pert = Perturbations(scored.imputed[kept], scored.groups[kept], scored.points, ~scored.imputed, scored.groups,
                         sigma[kept], ease_column=j, ease_points=scored.scalings[j].points(ln_draws))
    return simulate(scored.points[kept], scored.weights, pert, draws=draws, concentration=mc_cfg.concentration,
                    top_k=top_k, rng=rng)


def _stability_meta(mc: MonteCarlo | None, config: ModelConfig, top_k: int) -> dict[str, object] | None:
    if mc is None:
        return None
    m = config.monte_carlo
    return {"draws": mc.draws, "concentration": m.concentration, "top_k": top_k, "seed": m.seed,
            "tier_confidence": m.tier_confidence,
            "method": "each draw: weights ~ Dirichlet(concentration × weights); imputed values drawn from the observed "
                      "points of their region; stale values' points + noise growing with age; ease coefficients "
                      "drawn from their estimated sampling distribution",
            "tiers": f"a new tier starts where the tier's first market outscores the next market in ≥ "
                     f"{m.tier_confidence:.0%} of the draws"}


class _Columns:
    """The ranking's arrays as Python lists, read once, so that building ~40,000 factor details stays cheap."""

    def __init__(self, scored: Scored, config: ModelConfig, pot: Potential) -> None:
        self.scored, self.config, self.pot = scored, config, pot
        self.raw = scored.seg.raw.tolist()
        self.used = scored.used.tolist()
        self.year = scored.seg.year.tolist()
        self.age = scored.age.tolist()
        self.points = scored.points.tolist()
        self.before = scored.points_before_discount.tolist()
        self.contrib = scored.contrib.tolist()
        self.discount = scored.discount.tolist()
        self.estimated = scored.seg.estimated.tolist()
        self.imputed = scored.imputed.tolist()
        self.stale = scored.stale.tolist()
        self.rule = scored.imputed_rule.tolist()
        self.weights = scored.weights.tolist()
        self.rules = [sc.describe() for sc in scored.scalings]
        self.countries = scored.inputs.countries.select("iso3", "name_en", "name_zh", "focus_group").rows()
        self.meta = [(f, config.factors[f.id], scored.inputs.source[f.id], scored.inputs.dataset[f.id])
                     for f in scored.factors]
        self.pot_cols = (pot.potential.tolist(), pot.realised.tolist(), pot.unrealised.tolist(), pot.demand.tolist(),
                         pot.demand_imputed.tolist(), pot.ln_terms.tolist(), scored.seg.realised_year.tolist(),
                         scored.seg.demand_year.tolist())
        self.scores = scored.scores.tolist()


def _finite(x: float) -> float | None:
    return None if x != x or x in (float("inf"), float("-inf")) else x


def _flags(t: _Columns, r: int, j: int) -> list[dict[str, Any]]:
    f = t.scored.factors[j]
    base = {"factor": f.label_en, "factor_zh": f.label_zh}
    out = []
    if t.imputed[r][j] and t.used[r][j] == t.used[r][j]:
        rule = t.rule[r][j]
        rule_zh = "全部市场中位数" if rule == "median of all markets" else rule.replace("median of ", "") + "中位数"
        out.append({"factor_id": f.id, **message("flag.imputed", **base, rule=rule, rule_zh=rule_zh)})
    elif t.used[r][j] != t.used[r][j]:
        out.append({"factor_id": f.id, **message("flag.missing", **base)})
    if t.stale[r][j]:
        out.append({"factor_id": f.id, **message(
            "flag.stale", **base, year=int(t.year[r][j]), age=int(t.age[r][j]),
            penalty=round((1 - t.discount[r][j]) * 100))})
    return out


def _market(t: _Columns, r: int, rank: int, summary: tuple | None, i: int) -> MarketScore:
    details, flags, codes = [], [], []
    raw, used, year, age = t.raw[r], t.used[r], t.year[r], t.age[r]
    for j, (f, fc, source, dataset) in enumerate(t.meta):
        weighted = t.weights[j] > 0
        if weighted and (t.imputed[r][j] or t.stale[r][j] or used[j] != used[j]):
            for flag in _flags(t, r, j):
                codes.append(flag)
                flags.append(flag["text_en"].replace(f.label_en, f.id, 1))
        y, a = year[j], age[j]
        details.append(FactorDetail(
            f.id, f.label_en, f.label_zh, f.group, _finite(raw[j]), _finite(used[j]), None if y != y else int(y),
            source, t.rule[r][j] or None, t.points[r][j], t.weights[j], t.contrib[r][j], fc.unit_en, fc.unit_zh,
            dataset, fc.indicator, t.estimated[r][j] and not t.imputed[r][j], t.imputed[r][j], t.stale[r][j],
            None if a != a else int(a), t.discount[r][j], t.before[r][j], t.rules[j]))
    iso3, name_en, name_zh, group = t.countries[r]
    m = MarketScore(iso3, name_en, name_zh or name_en, group, rank, t.scores[r],
                    {d.id: d.contribution for d in details if d.weight > 0}, details, flags,
                    t.scored.inputs.channel_names.get(iso3, []), flag_codes=codes,
                    potential=_market_potential(t, r))
    if summary is not None:
        p_top, rank_q, score_q, tier_of = summary
        m.p_top, m.median_rank = float(p_top[i]), float(rank_q[1, i])
        m.rank_interval = (float(rank_q[0, i]), float(rank_q[2, i]))
        m.score_interval = (round(float(score_q[0, i]), 4), round(float(score_q[2, i]), 4))
        m.tier = None if tier_of is None else int(tier_of[i])
    return m


_TERM_IDS = ["ln_kappa", "ln_demand", *EASE_TERMS]
_TERM_LABELS = {"ln_kappa": ("China's average penetration of the segment (κ)", "中国在本细分的平均渗透率（κ）"),
                "ln_demand": ("the market's imports of the segment's service group", "该市场本细分服务大类进口"),
                **{k: TERM_LABELS[k] for k in EASE_TERMS}}


def _market_potential(t: _Columns, r: int) -> dict[str, Any]:
    share = t.config.district_share.value
    pot, real, unreal, demand, imputed, ln_terms, real_year, demand_year = (col[r] for col in t.pot_cols)
    p, real, unreal = _finite(pot), _finite(real), _finite(unreal)
    terms = [{"id": n, "label_en": _TERM_LABELS[n][0], "label_zh": _TERM_LABELS[n][1], "log_points": _finite(v),
              "multiplier": None if v != v else float(np.exp(v))} for n, v in zip(_TERM_IDS, ln_terms, strict=True)]
    return {
        "china_usd": p, "district_usd": None if p is None else p * share,
        "realised_china_usd": real, "realised_district_usd": None if real is None else real * share,
        "unrealised_china_usd": unreal, "unrealised_district_usd": None if unreal is None else unreal * share,
        "realised_year": None if real_year != real_year else int(real_year),
        "demand_usd": _finite(demand), "demand_year": None if demand_year != demand_year else int(demand_year),
        "demand_imputed": bool(imputed), "estimated": True, "dataset": "batis",
        "ln_potential": _finite(sum(ln_terms)), "terms": terms,
    }


def _factors_meta(scored: Scored, config: ModelConfig, kept: np.ndarray) -> list[dict[str, Any]]:
    eff = effective_weights(scored.points_before_discount[kept], scored.weights) if len(kept) > 1 else None
    out = []
    for j, f in enumerate(scored.factors):
        fc = config.factors[f.id]
        out.append({
            "id": f.id, "group": f.group, "label_en": f.label_en, "label_zh": f.label_zh, "unit_en": fc.unit_en,
            "unit_zh": fc.unit_zh, "dataset": scored.inputs.dataset[f.id], "source": scored.inputs.source[f.id],
            "vintage": _num(scored.vintage[j]) and int(scored.vintage[j]),
            "weight": float(scored.weights[j]), "effective_weight": None if eff is None else float(eff[j]),
            "points_rule": scored.scalings[j].describe(),
        })
    return out


def _gravity_meta(scored: Scored) -> dict[str, Any]:
    inp, seg = scored.inputs, scored.seg
    return {"categories": seg.category_weights,
            "fits": {c: inp.gravity[c].summary() for c in seg.category_weights},
            "ease_terms": list(EASE_TERMS), "centre": dict(zip(EASE_TERMS, inp.ease_centre.tolist(), strict=True)),
            "specification": "PPML (statsmodels GLM Poisson), year fixed effects, SE clustered by partner; China's "
                             "exports of each EBOPS category to each partner (BaTIS), WDI panel years"}


def _potential_meta(scored: Scored, pot: Potential, config: ModelConfig) -> dict[str, Any]:
    return {"kappa": _num(pot.kappa), "calibration_markets": pot.calibration_markets,
            "district_share": config.district_share.value, "district_share_basis_en": config.district_share.basis_en,
            "district_share_basis_zh": config.district_share.basis_zh, "realised_year": _realised_year(scored),
            **message("potential.method", year=_realised_year(scored), share=_pct(config))}


def explain_market(db: Database | None, iso3: str, *, segment: str = "ict",
                   regions: tuple[str, ...] = ("asean", "lac"), weights_file: Path | None = None) -> MarketScore:
    ranking = rank_markets(db, segment=segment, regions=regions, weights_file=weights_file, draws=0)
    code = iso3.upper()
    for m in ranking.markets:
        if m.iso3 == code:
            return m
    for e in ranking.excluded:
        if e["iso3"] == code:
            raise ConfigError(f"{code} is excluded from the ranking: {e['reason']}")
    if regions != ("all",):  # outside the chosen regions: explain it among all economies
        return explain_market(db, code, segment=segment, regions=("all",), weights_file=weights_file)
    raise ConfigError(f"{iso3!r} is not an economy in the reference data (use an ISO 3166 alpha-3 code)")


# --- the district's supply --------------------------------------------------------------------------------------


def district_supply(db: Database | None, config: ModelConfig, segment: str) -> dict[str, object]:
    """How strong the district is in the segment: firms and revenue matching the segment's registry rules."""
    rule = config.segments[segment].supply
    base: dict[str, object] = {"rule": rule.model_dump(), "location_quotient": None,
                               "location_quotient_note": "no national or city reference distribution is shipped",
                               "share_of_china": config.district_share.value,
                               "share_of_china_basis_en": config.district_share.basis_en,
                               "share_of_china_basis_zh": config.district_share.basis_zh}
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


# the backtest is its own module; these names stay importable from here for existing callers
from opentrade.services.market_backtest import Backtest, backtest, backtest_run  # noqa: E402

__all__ = ["Backtest", "FactorDetail", "MarketScore", "Ranking", "backtest", "backtest_run", "district_supply",
           "explain_market", "model_inputs", "rank_markets", "select_markets"]
