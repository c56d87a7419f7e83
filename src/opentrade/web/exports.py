"""Every cockpit table as a download (``/export/<table>.<fmt>``): the same query the page ran, written by
:func:`opentrade.services.exporter.download` (UTF-8-with-BOM CSV or XLSX; cells starting with = + - @ escaped)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping

import polars as pl
from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from opentrade.errors import ConfigError, OpentradeError
from opentrade.http.access import Db
from opentrade.i18n import Translator
from opentrade.refdata.reference import load_reference
from opentrade.services import records
from opentrade.services.exporter import MEDIA, download, rows_frame
from opentrade.services.kpis import compute_kpis
from opentrade.services.registry import FIRM_MONEY, enterprise_frame
from opentrade.store.db import Database
from opentrade.web import expo, matchmaking, pipeline, registry, space
from opentrade.web import markets as markets_view
from opentrade.web.params import parse_date
from opentrade.web.rendering import TemplateAuth, not_found, require_public_read, text_error

_frame = rows_frame


def _kpis(db: Database, _p: Mapping[str, str]) -> pl.DataFrame:
    rows = []
    for k in compute_kpis(db, as_of=dt.date.today()):
        v = k.value
        rows.append({"id": k.id, "name_en": k.name_en, "name_zh": k.name_zh,
                     "value": "; ".join("" if x is None else f"{x:.6f}" for x in v) if isinstance(v, list)
                     else (None if v is None else str(v)),
                     "unit": k.definition.unit, "qualifier": k.qualifier, "as_of": k.as_of.isoformat(),
                     "seed_value": k.definition.seed_value, "provenance_kind": k.provenance.kind,
                     "definition": k.provenance.definition, "record_count": k.provenance.record_count,
                     "synthetic_records": k.provenance.synthetic_records, "source": k.provenance.source})
    return _frame(rows)


def _enterprises(db: Database, p: Mapping[str, str]) -> pl.DataFrame:
    form = registry.EnterpriseForm.of(p)
    return enterprise_frame(db, form.filters, sort=form.order, limit=1_000_000)


def _enterprise_years(db: Database, p: Mapping[str, str]) -> pl.DataFrame:
    firm = registry.enterprise_detail(db, p.get("uscc", ""))
    return _frame([{"uscc": firm["uscc"], **y} for y in firm["years"]] if firm else [])


def _ranking(db: Database, p: Mapping[str, str]) -> pl.DataFrame:
    return markets_view.ranking_frame(markets_view.ranking(db, markets_view.parse_query(p)))


def _explanation(db: Database, p: Mapping[str, str]) -> pl.DataFrame:
    rank = markets_view.ranking(db, markets_view.parse_query(p))
    market = markets_view.explain(rank, p.get("iso3"))
    return markets_view.explanation_frame(market) if market else _frame([])


def _backtest(_db: Database, p: Mapping[str, str]) -> pl.DataFrame:
    q = markets_view.parse_query(p)
    return markets_view.backtest_frame(markets_view.backtest_cached(q.segment, q.regions))


def _heritage(db: Database, _p: Mapping[str, str]) -> pl.DataFrame:
    return _frame(records.heritage_all(db))


def _as_of(p: Mapping[str, str]) -> dt.date:
    return parse_date(p.get("as_of")) or dt.date.today()


def _matchmaking(db: Database, p: Mapping[str, str]) -> pl.DataFrame:
    q = matchmaking.parse_match_query(p)
    return matchmaking.match_frame(matchmaking.filter_recommendations(matchmaking.all_recommendations(db, q), q))


def _shortlist(db: Database, p: Mapping[str, str]) -> pl.DataFrame:
    target = matchmaking.parse_target(p.get("target"))
    if target is None:
        raise ConfigError("name a target: target=market:ISO3, partner:<id> or event:<id>")
    q = matchmaking.parse_match_query(p)
    return matchmaking.match_frame(matchmaking.shortlist(db, q, target)["firms"])


def _channels(db: Database, _p: Mapping[str, str]) -> pl.DataFrame:
    rows = []
    for m in registry.market_channels(records.partners(db), Translator("en")):
        for c in m["channels"]:
            rows.append({"market": m["iso3"], "market_name": m["name"], "channel": c["kind"],
                         "partners": "; ".join(p["name_en"] for p in c["partners"])})
    return _frame(rows)


def _reference(name: str) -> Callable[[Database, Mapping[str, str]], pl.DataFrame]:
    return lambda _db, _p: getattr(load_reference(), name)


def _rows(fn: Callable[[Database], list[dict]]) -> Callable[[Database, Mapping[str, str]], pl.DataFrame]:
    return lambda db, _p: _frame(fn(db))


TABLES: dict[str, Callable[[Database, Mapping[str, str]], pl.DataFrame]] = {
    "kpis": _kpis,
    "enterprises": _enterprises,
    "enterprise_years": _enterprise_years,
    "ranking": _ranking,
    "explanation": _explanation,
    "backtest": _backtest,
    "partners": _rows(records.partners),
    "events": _rows(records.events),
    "projects": _rows(records.projects),
    "heritage": _heritage,
    "restoration": _rows(records.restoration),
    "spaces": _rows(records.spaces),
    "tenancies": lambda db, p: _frame(records.tenancies(db, _as_of(p))),
    "allocation": lambda db, p: space.allocation_frame(db, _as_of(p), "assigned"),
    "allocation_left_out": lambda db, p: space.allocation_frame(db, _as_of(p), "unassigned"),
    "matchmaking": _matchmaking,
    "shortlist": _shortlist,
    "channels": _channels,
    "pipeline": lambda db, p: pipeline.board_frame(db, _as_of(p)),
    "buyers": expo.buyer_frame,
    "meetings": expo.meeting_frame,
    "universities": _rows(records.universities),
    "statistics": _rows(records.statistics),
    "import_runs": _rows(records.import_runs),
    "records": _rows(records.synthetic_counts),
    "datasets": _reference("datasets"),
    "indicators": _reference("indicators"),
}


#: firm-level money in a table: dropped from anonymous readers' downloads (as on the pages)
MONEY_COLUMNS = {"enterprise_years": FIRM_MONEY}


def sees_money(request: Request) -> bool:
    return TemplateAuth.sees_money(request)


def export_frame(db: Database, table: str, params: Mapping[str, str], *, withhold_money: bool = True
                 ) -> pl.DataFrame:
    """The table as the page shows it; KeyError for an unknown table."""
    frame = TABLES[table](db, params)
    if withhold_money:
        frame = frame.drop([c for c in MONEY_COLUMNS.get(table, ()) if c in frame.columns])
    return frame


def export_bytes(db: Database, table: str, fmt: str, params: Mapping[str, str], *,
                 withhold_money: bool = True) -> bytes:
    """The table as file bytes; KeyError for an unknown table, ValueError for an unknown format."""
    if fmt not in MEDIA:
        raise ValueError(fmt)
    return download(export_frame(db, table, params, withhold_money=withhold_money), fmt=fmt, name=table)[0]


router = APIRouter(include_in_schema=False, dependencies=[Depends(require_public_read)])


@router.get("/export/{table}.{fmt}", name="web_export")
def export(request: Request, table: str, fmt: str, db: Db) -> Response:
    if table not in TABLES or fmt not in MEDIA:
        return not_found(request)
    try:
        frame = export_frame(db, table, request.query_params, withhold_money=not sees_money(request))
    except OpentradeError as exc:
        return text_error(str(exc))
    data, media, filename = download(frame, fmt=fmt, name=f"opentrade-{table}-{dt.date.today().isoformat()}")
    return Response(data, media_type=media, headers={"Content-Disposition": f'attachment; filename="{filename}"'})
