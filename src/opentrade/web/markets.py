"""Market pages: a ranking under the weights the sliders send, map and chart series, a market's waterfall, the
backtest (cached); the same data as downloads (:mod:`opentrade.web.exports`)."""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache

import polars as pl
from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from opentrade.errors import ConfigError, OpentradeError
from opentrade.http.access import Db
from opentrade.i18n import Translator
from opentrade.refdata.market_model import ModelConfig, load_model_config
from opentrade.refdata.reference import load_reference
from opentrade.services.markets import (
    Backtest,
    Inputs,
    MarketScore,
    Ranking,
    backtest,
    model_inputs,
    rank_markets,
)
from opentrade.store.db import Database
from opentrade.web.rendering import render, require_public_read, translator

REGION_CHOICES = {"asean,lac": ("asean", "lac"), "asean": ("asean",), "lac": ("lac",), "all": ("all",)}
DEFAULT_REGION = "asean,lac"
SLIDER_MAX = 50  # a weight slider runs 0…50 (points before re-scaling to a sum of 1)
DRAWS = 300
_INPUT_TTL_S = 30.0


@dataclass
class MarketQuery:
    segment: str
    region: str
    weights: dict[str, float]
    custom: bool  # the user moved a slider

    @property
    def regions(self) -> tuple[str, ...]:
        return REGION_CHOICES[self.region]

    def params(self, **override: object) -> dict[str, object]:
        out: dict[str, object] = {"segment": self.segment, "region": self.region}
        if self.custom:
            out |= {f"w_{k}": _slider(v) for k, v in self.weights.items()}
        out.update(override)
        return out


def _slider(weight: float) -> int:
    return int(round(weight * 100))


def config() -> ModelConfig:
    return load_model_config()


def parse_query(params: Mapping[str, str]) -> MarketQuery:
    cfg = config()
    segment = params.get("segment") or "ict"
    if segment not in cfg.segments:
        segment = "ict"
    region = params.get("region") or DEFAULT_REGION
    if region not in REGION_CHOICES:
        region = DEFAULT_REGION
    weights = dict(cfg.segments[segment].weights)
    weights = {f: float(weights.get(f, 0.0)) for f in cfg.factors}
    custom = False
    for f in cfg.factors:
        raw = params.get(f"w_{f}")
        if raw is None or raw == "":
            continue
        try:
            value = float(raw)
        except ValueError:
            continue
        if value == value and 0 <= value <= 1000:
            weights[f] = value / 100
            custom = True
    return MarketQuery(segment, region, weights, custom)


_inputs_cache: dict[str, tuple[float, tuple[Inputs, ModelConfig]]] = {}


def _inputs(db: Database) -> tuple[Inputs, ModelConfig]:
    """Reference inputs plus the registry's partners, re-read at most every 30 s (an import may add partners)."""
    hit = _inputs_cache.get(db.url)
    now = time.monotonic()
    if hit is None or now - hit[0] > _INPUT_TTL_S:
        hit = (now, model_inputs(db))
        _inputs_cache[db.url] = hit
    return hit[1]


def ranking(db: Database, query: MarketQuery) -> Ranking:
    if sum(query.weights.values()) <= 0:
        raise ConfigError("weights are all zero")
    return rank_markets(db, segment=query.segment, regions=query.regions, weights=query.weights, draws=DRAWS,
                        inputs=_inputs(db))


def explain(rank: Ranking, iso3: str | None) -> MarketScore | None:
    if not rank.markets:
        return None
    code = (iso3 or "").upper()
    for m in rank.markets:
        if m.iso3 == code:
            return m
    return rank.markets[0]


@lru_cache(maxsize=16)
def backtest_cached(segment: str, regions: tuple[str, ...]) -> Backtest:
    return backtest(None, segment=segment, regions=regions)


@lru_cache(maxsize=1)
def iso_numeric() -> dict[str, str]:
    """ISO alpha-3 → ISO numeric (the world-atlas TopoJSON feature ids), from the shipped countries.csv."""
    countries = load_reference().countries
    return dict(countries.select("iso3", "iso_numeric").iter_rows())


def map_series(rank: Ranking, lang: str) -> list[dict]:
    nums = iso_numeric()
    return [{"name": nums.get(m.iso3, m.iso3), "value": round(m.score, 2), "iso3": m.iso3,
             "label": m.name_zh if lang == "zh" else m.name_en, "rank": m.rank}
            for m in rank.markets if nums.get(m.iso3)]


def stability_series(rank: Ranking, lang: str, *, top: int = 15) -> dict:
    rows = [m for m in rank.markets if m.p_top is not None][:top]
    return {
        "names": [m.name_zh if lang == "zh" else m.name_en for m in rows],
        "p_top": [round(m.p_top or 0.0, 3) for m in rows],
        "low": [m.rank_interval[0] if m.rank_interval else None for m in rows],
        "high": [m.rank_interval[1] if m.rank_interval else None for m in rows],
        "median": [m.median_rank for m in rows],
        "top_k": (rank.stability or {}).get("top_k", 5),
    }


def waterfall_series(market: MarketScore, lang: str) -> dict:
    items = [d for d in market.details if d.weight > 0]
    items.sort(key=lambda d: -d.contribution)
    return {
        "names": [d.label_zh if lang == "zh" else d.label_en for d in items],
        "values": [round(d.contribution, 3) for d in items],
        "total": round(market.score, 3),
    }


def backtest_series(bt: Backtest, lang: str) -> dict:
    names = load_reference().countries.select("iso3", "name_en", "name_zh")
    label = dict(names.select("iso3", pl.col("name_zh" if lang == "zh" else "name_en")).iter_rows())
    pts = [[round(r["score"], 2), round(r["realised_cagr"] * 100, 2), label.get(r["iso3"], r["iso3"])]
           for r in bt.rows if r["realised_cagr"] is not None]
    return {"points": pts}


def ranking_frame(rank: Ranking) -> pl.DataFrame:
    rows = []
    for m in rank.markets:
        row = {"rank": m.rank, "iso3": m.iso3, "name_en": m.name_en, "name_zh": m.name_zh, "region": m.region,
               "score": round(m.score, 4), "p_top5": m.p_top, "median_rank": m.median_rank,
               "rank_low": m.rank_interval[0] if m.rank_interval else None,
               "rank_high": m.rank_interval[1] if m.rank_interval else None,
               "flags": "; ".join(m.flags), "channels": "; ".join(m.channels)}
        row |= {f"points_{k}": round(v, 4) for k, v in m.factors.items()}
        rows.append(row)
    return pl.DataFrame(rows, infer_schema_length=None)


def explanation_frame(market: MarketScore) -> pl.DataFrame:
    return pl.DataFrame([{"iso3": market.iso3, "factor": d.id, "label_en": d.label_en, "label_zh": d.label_zh,
                          "group": d.group, "value": d.value, "used": d.used, "year": d.year, "source": d.source,
                          "imputed": d.imputed, "normalised": d.normalised, "weight": d.weight,
                          "points": d.contribution} for d in market.details], infer_schema_length=None)


def backtest_frame(bt: Backtest) -> pl.DataFrame:
    return pl.DataFrame(bt.rows, infer_schema_length=None)


# --- pages ------------------------------------------------------------------------------------------------------

router = APIRouter(include_in_schema=False, dependencies=[Depends(require_public_read)])


def _market_context(request: Request, db: Database) -> dict[str, object]:
    t: Translator = translator(request)
    query = parse_query(request.query_params)
    rank: Ranking | None
    try:
        rank = ranking(db, query)
        error = None
    except OpentradeError as exc:
        rank, error = None, str(exc)
    market = explain(rank, request.query_params.get("iso3")) if rank else None
    return dict(
        query=query, rank=rank, error=error, market=market,
        map_data=map_series(rank, t.lang) if rank else [],
        stability=stability_series(rank, t.lang) if rank else None,
        waterfall=waterfall_series(market, t.lang) if market else None,
        query_params=query.params(),
    )


@router.get("/markets", name="web_markets", response_class=HTMLResponse)
def markets(request: Request, db: Db) -> HTMLResponse:
    return render(request, "markets.html", page="markets", cfg=config(), slider_max=SLIDER_MAX,
                  regions=list(REGION_CHOICES), **_market_context(request, db))


@router.get("/markets/ranking", name="web_market_ranking", response_class=HTMLResponse)
def market_ranking(request: Request, db: Db) -> HTMLResponse:
    return render(request, "_market_results.html", **_market_context(request, db))


@router.get("/markets/explain", name="web_market_explain", response_class=HTMLResponse)
def market_explain(request: Request, db: Db) -> HTMLResponse:
    return render(request, "_market_explain.html", **_market_context(request, db))


@router.get("/markets/backtest", name="web_market_backtest", response_class=HTMLResponse)
def market_backtest(request: Request) -> HTMLResponse:
    query = parse_query(request.query_params)
    bt = backtest_cached(query.segment, query.regions)
    return render(request, "_market_backtest.html", bt=bt, query=query,
                  points=backtest_series(bt, translator(request).lang))
