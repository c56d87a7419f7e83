"""Matchmaking: each firm's best (market, segment, channel) and shortlists of firms to invite, with reasons.
Handlers parse parameters and call :mod:`opentrade.services.matchmaking`; nothing more.

Plain functions (run in the thread pool): a first call builds the matching context, which takes a second or more
on a large registry; later calls of the same registry revision reuse it."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from opentrade.api.params import ISO3, USCC, AsOf, region_param, regions
from opentrade.http.access import Db
from opentrade.services import matchmaking

router = APIRouter()
RegionParam = Annotated[str, region_param("comma-separated regions whose markets are ranked")]


class MatchRow(BaseModel):
    rank: int
    uscc: str
    name_zh: str
    name_en: str | None
    market: str
    market_zh: str
    market_en: str
    segment: str
    segment_zh: str
    segment_en: str
    channel: str = Field(description="platform | organisation | friendly_city | direct")
    channel_zh: str
    channel_en: str
    via: list[str] = Field(description="the partners giving the channel")
    fit_basis: str
    total: float = Field(description="fit × market_score × channel_strength × origin × export × size boosts")
    fit: float
    market_score: float
    channel_strength: float
    origin_boost: float
    export_boost: float
    size_boost: float
    reason: str


class ShortlistOut(BaseModel):
    target: str
    markets: list[str]
    segments: list[str]
    firms: list[MatchRow]


@router.get("/matches", response_model=list[MatchRow], tags=["operations"],
            summary="Each firm's top (market, segment, channel), with the factors that make the score")
def matches(db: Db, uscc: Annotated[str | None, Query(pattern=USCC, description="one firm")] = None,
            top: Annotated[int, Query(ge=1, le=20)] = 3, limit: Annotated[int, Query(ge=1, le=2000)] = 100,
            region: RegionParam = "asean,lac", as_of: AsOf = None) -> list[dict[str, Any]]:
    return matchmaking.recommendations(db, n=top, uscc=uscc, limit=limit, regions=regions(region), as_of=as_of)


@router.get("/shortlist", response_model=ShortlistOut, tags=["operations"],
            summary="Firms to invite for a market, a partner or an event, best first, with reasons")
def shortlist(
    db: Db,
    market: Annotated[str | None, Query(pattern=ISO3)] = None,
    partner_id: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
    event_id: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
    segment: Annotated[list[str] | None, Query(max_length=20, description="only these segments")] = None,
    limit: Annotated[int, Query(ge=1, le=2000)] = 50,
    region: RegionParam = "asean,lac", as_of: AsOf = None,
) -> dict[str, Any]:
    return matchmaking.shortlist(db, market=market, partner_id=partner_id, event_id=event_id,
                                 segments=segment or None, limit=limit, regions=regions(region), as_of=as_of)
