"""Market intelligence: foreign markets ranked per service segment with every factor shown, a market's explanation,
the segments, factors and the reference data in use. Rankings are cached per parameters and registry revision
(imports change the channels), as the JSON sent."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response
from fastapi import Path as PathParam
from pydantic import TypeAdapter

from opentrade.api.routes.kpis import as_json
from opentrade.api.schemas import FactorPublic, MarketRanking, MarketScorePublic, ReferenceInfo, SegmentPublic
from opentrade.errors import NotFound
from opentrade.http.access import Conf, Db
from opentrade.http.cache import ResultCache
from opentrade.http.errors import ApiError
from opentrade.refdata.market_model import load_model_config, segment_weights
from opentrade.refdata.reference import load_reference
from opentrade.services.markets import MarketScore, Ranking, model_inputs, rank_markets
from opentrade.services.registry import registry_version
from opentrade.store.db import Database

router = APIRouter()

REGIONS = "asean|lac|other|china|all"
MAX_WEIGHT = 1000.0
RegionParam = Annotated[str, Query(
    pattern=rf"^({REGIONS})(,({REGIONS}))*$", max_length=100,
    description="comma-separated regions: asean, lac, other, china, all")]


def _segment_param() -> Any:
    ids = list(load_model_config().segments)
    return Query(pattern="^(" + "|".join(ids) + ")$", description=f"service segment: {', '.join(ids)}")


def _weight_parameters() -> list[dict[str, Any]]:
    config = load_model_config()
    return [
        {"name": f"w_{fid}", "in": "query", "required": False,
         "schema": {"type": "number", "minimum": 0, "maximum": MAX_WEIGHT},
         "description": f"weight of {f.en} ({f.group}); overrides the segment's default; weights are normalised"}
        for fid, f in config.factors.items()
    ]


WEIGHTS_DOC = {"parameters": _weight_parameters()}


_RANKING = TypeAdapter(MarketRanking)


def _weights(request: Request, segment: str) -> dict[str, float] | None:
    """The segment's default weights with every ``w_<factor>`` query parameter applied; None when none is given."""
    config = load_model_config()
    given = {k[2:]: v for k, v in request.query_params.items() if k.startswith("w_")}
    if not given:
        return None
    weights = dict(segment_weights(config, segment))
    errors = []
    for factor, text in given.items():
        if factor not in config.factors:
            errors.append({"loc": ["query", f"w_{factor}"], "msg": "unknown factor", "type": "value_error"})
            continue
        try:
            value = float(text)
        except ValueError:
            value = math.nan
        if not 0 <= value <= MAX_WEIGHT:  # also false for NaN
            errors.append({"loc": ["query", f"w_{factor}"], "msg": f"a number from 0 to {MAX_WEIGHT:g}",
                           "type": "value_error"})
            continue
        weights[factor] = value
    if errors:
        raise ApiError(422, "invalid weights: " + ", ".join(e["loc"][1] for e in errors), type_="ValidationError",
                       details=errors)
    return weights


def _rank(request: Request, db: Database, *, segment: str, regions: tuple[str, ...],
          weights: dict[str, float] | None, draws: int) -> Ranking:
    cache: ResultCache = request.app.state.cache
    version = registry_version(db)
    inputs = cache.get(("inputs", version), lambda: model_inputs(db))
    key = (version, segment, regions, tuple(sorted((weights or {}).items())), draws)
    return cache.get(key, lambda: rank_markets(db, segment=segment, regions=regions, weights=weights, draws=draws,
                                               inputs=inputs))


def _num(x: float | None) -> float | None:
    return None if x is None or not math.isfinite(x) else x


def _market(m: MarketScore) -> dict[str, Any]:
    return {
        "iso3": m.iso3, "name_en": m.name_en, "name_zh": m.name_zh, "region": m.region, "rank": m.rank,
        "score": _num(round(m.score, 4)), "factors": {k: _num(round(v, 4)) for k, v in m.factors.items()},
        "flags": m.flags, "channels": m.channels,
        "stability": None if m.p_top is None else {
            "p_top": _num(m.p_top), "median_rank": _num(m.median_rank),
            "interval_90": [x for x in (m.rank_interval or ()) if math.isfinite(x)]},
        "values": [{**d.__dict__, "value": _num(d.value), "used": _num(d.used), "normalised": _num(d.normalised),
                    "weight": _num(d.weight), "contribution": _num(d.contribution)} for d in m.details],
    }


def _ranking_head(r: Ranking) -> dict[str, Any]:
    return {"segment": r.segment, "segment_en": r.segment_en, "segment_zh": r.segment_zh,
            "regions": list(r.regions), "weights": r.weights}


@router.get("/markets", response_model=MarketRanking, tags=["markets"], openapi_extra=WEIGHTS_DOC,
            summary="Foreign markets ranked for a service segment, every factor's contribution shown")
async def markets(
    request: Request,
    db: Db,
    segment: Annotated[str, _segment_param()] = "ict",
    region: RegionParam = "asean,lac",
    draws: Annotated[int, Query(ge=0, le=5000, description="Monte-Carlo draws for rank stability (0 = off)")] = 1000,
    top: Annotated[int | None, Query(ge=1, le=300, description="only the first N markets")] = None,
) -> Response:
    regions = tuple(dict.fromkeys(region.split(",")))
    weights = _weights(request, segment)

    def compute() -> bytes:
        r = _rank(request, db, segment=segment, regions=regions, weights=weights, draws=draws)
        shown = r.markets[:top] if top else r.markets
        return as_json(_RANKING, {
            **_ranking_head(r), "markets": [_market(m) for m in shown], "excluded": r.excluded, "supply": r.supply,
            "stability": r.stability, "potential_note": r.potential_note, "sources": r.sources})

    key = ("markets.json", registry_version(db), segment, regions, tuple(sorted((weights or {}).items())), draws, top)
    return Response(await request.app.state.cache.aget(key, compute), media_type="application/json")


@router.get("/markets/{iso3}", tags=["markets"], openapi_extra=WEIGHTS_DOC, response_model=MarketScorePublic,
            summary="Why a market scores what it does: every factor's value, year, source, weight and points")
def market(
    request: Request,
    db: Db,
    iso3: Annotated[str, PathParam(pattern=r"^[A-Za-z]{3}$", description="ISO 3166 alpha-3, e.g. BRA")],
    segment: Annotated[str, _segment_param()] = "ict",
    region: RegionParam = "asean,lac",
) -> dict:
    code = iso3.upper()
    weights = _weights(request, segment)
    regions = tuple(dict.fromkeys(region.split(",")))
    for scope in (regions, ("all",)):
        r = _rank(request, db, segment=segment, regions=scope, weights=weights, draws=0)
        found = next((m for m in r.markets if m.iso3 == code), None)
        if found is not None:
            return _market(found)
        excluded = next((e for e in r.excluded if e["iso3"] == code), None)
        if excluded is not None:
            raise NotFound(f"{code} is excluded from the ranking: {excluded['reason']}")
    raise NotFound(f"{code} is not an economy in the reference data (use an ISO 3166 alpha-3 code)")


@router.get("/segments", response_model=list[SegmentPublic], tags=["markets"],
            summary="Service segments: EBOPS 2010 categories, default weights, the registry classes of supply")
def segments() -> list[dict]:
    config = load_model_config()
    return [{"id": sid, **seg.model_dump()} for sid, seg in config.segments.items()]


@router.get("/market-factors", response_model=list[FactorPublic], tags=["markets"],
            summary="The factors a market score is made of (ids for the w_<factor> weights)")
def market_factors() -> list[dict]:
    config = load_model_config()
    return [{"id": fid, **f.model_dump()} for fid, f in config.factors.items()]


@router.get("/reference", response_model=ReferenceInfo, tags=["markets"],
            summary="Reference data in use: datasets, vintages, licences, coverage gaps; indicators")
def reference(settings: Conf) -> dict:
    folder = (settings.data_dir / "reference").expanduser().resolve()
    ref = load_reference(folder)
    overridden = sorted(name for name, path in (ref.sources or {}).items() if Path(path).parent == folder)
    return {"datasets": ref.datasets.to_dicts(), "indicators": ref.indicators.to_dicts(),
            "overridden_files": overridden}
