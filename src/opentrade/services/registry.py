"""Read the district registry: filtered, sorted, paged lists and detail records, for the API and the cockpit.

Every query is built here, never in a route handler. A list query selects only the listed columns and counts with
a separate ``count(*)`` over the same filter; ``page_size`` is capped at :data:`MAX_PAGE_SIZE`.

Filters are plain frozen dataclasses (``EnterpriseFilter`` …); a value of ``None`` means "no filter".
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import polars as pl
from sqlalchemy import ColumnElement, Select, and_, func, literal, or_, select
from sqlalchemy.orm import aliased

from opentrade.domain.vocabulary import (
    CORE_DIGITAL,
    CORE_DIGITAL_FILTER,
    FOREIGN_FUNDED,
    FOREIGN_FUNDED_FILTER,
)
from opentrade.errors import ConfigError, NotFound
from opentrade.ingest.schemas import SPECS
from opentrade.refdata.standards import Taxonomy
from opentrade.store import revision
from opentrade.store.db import Database
from opentrade.store.models import (
    Enterprise,
    EnterpriseYear,
    Event,
    HeritageSite,
    InvestmentProject,
    Partner,
    Space,
)

MAX_PAGE_SIZE = 500
#: firm-level figures withheld from anonymous readers (see opentrade.http.disclosure.sees_firm_money)
FIRM_MONEY = ("revenue", "tax", "foreign_revenue")


@dataclass(frozen=True)
class PageRequest:
    page: int = 1
    page_size: int = 50
    sort: str | None = None  # a column name, "-" in front for descending

    def __post_init__(self) -> None:
        if self.page < 1:
            raise ConfigError("page starts at 1")
        if not 1 <= self.page_size <= MAX_PAGE_SIZE:
            raise ConfigError(f"page_size must be between 1 and {MAX_PAGE_SIZE}")


@dataclass
class PageResult:
    """One page of a list: its rows, how many match over all pages, which page, and its size."""

    items: list[dict[str, Any]]
    total: int
    page: int
    page_size: int

    @property
    def pages(self) -> int:
        return pages_for(self.total, self.page_size)

    @property
    def rows(self) -> list[dict[str, Any]]:  # the cockpit's templates say rows
        return self.items


def pages_for(total: int, page_size: int) -> int:
    """Pages needed for ``total`` rows (at least one, an empty page)."""
    return max(1, -(-total // page_size))


# --- filters -----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class EnterpriseFilter:
    cluster: str | None = None  # a 1+2+3+4 cluster id ("2.ai_plus"), or a tier ("2": any cluster of tier 2)
    de_category: str | None = None  # "01".."05", or "core" (01-04)
    ownership: str | None = None  # domestic | foreign | hmt | foreign_funded (foreign + hmt)
    origin_country: str | None = None  # ISO 3166-1 alpha-3
    mnc_regional_hq: bool | None = None
    rd_centre: bool | None = None
    hq_or_rd: bool | None = None  # either flag (the "MNC HQ and R&D centres" figure counts these)
    status: str | None = None
    synthetic: bool | None = None
    q: str | None = None  # text in the Chinese or English name, or a USCC fragment


@dataclass(frozen=True)
class PartnerFilter:
    kind: str | None = None
    country: str | None = None
    market: str | None = None  # ISO alpha-3 in the partner's ';'-joined markets
    q: str | None = None


@dataclass(frozen=True)
class ProjectFilter:
    stage: str | None = None
    uscc: str | None = None  # the investing enterprise
    q: str | None = None


@dataclass(frozen=True)
class EventFilter:
    kind: str | None = None
    starts_from: dt.date | None = None
    starts_to: dt.date | None = None
    q: str | None = None


@dataclass(frozen=True)
class HeritageFilter:
    protection_level: str | None = None
    industrial_relic: bool | None = None
    status: str | None = None
    q: str | None = None


@dataclass(frozen=True)
class SpaceFilter:
    kind: str | None = None
    vacant: bool | None = None  # True: only spaces with vacant floor area
    q: str | None = None


def _contains(column, text: str) -> ColumnElement[bool]:
    return column.contains(text, autoescape=True)


def _in_list(column, item: str) -> ColumnElement[bool]:
    """``item`` is one of the ';'-joined values of ``column``."""
    return (literal(";") + func.coalesce(column, "") + literal(";")).contains(f";{item};", autoescape=True)


def _enterprise_where(f: EnterpriseFilter) -> list[ColumnElement[bool]]:
    e = Enterprise
    where: list[ColumnElement[bool]] = []
    if f.cluster:
        if "." in f.cluster:
            where.append(_in_list(e.clusters, f.cluster))
        else:  # a tier: the cluster "1" itself, or any "2.…"
            padded = literal(";") + func.coalesce(e.clusters, "") + literal(";")
            where.append(or_(padded.contains(f";{f.cluster};", autoescape=True),
                             padded.contains(f";{f.cluster}.", autoescape=True)))
    if f.de_category:
        where.append(e.de_category.in_(CORE_DIGITAL) if f.de_category == CORE_DIGITAL_FILTER else e.de_category == f.de_category)
    if f.ownership:
        where.append(e.ownership.in_(FOREIGN_FUNDED) if f.ownership == FOREIGN_FUNDED_FILTER
                     else e.ownership == f.ownership)
    if f.origin_country:
        where.append(e.origin_country == f.origin_country.upper())
    if f.mnc_regional_hq is not None:
        where.append(e.mnc_regional_hq.is_(f.mnc_regional_hq))
    if f.rd_centre is not None:
        where.append(e.rd_centre.is_(f.rd_centre))
    if f.hq_or_rd is not None:
        either = or_(e.mnc_regional_hq.is_(True), e.rd_centre.is_(True))
        where.append(either if f.hq_or_rd else ~either)
    if f.status:
        where.append(e.status == f.status)
    if f.synthetic is not None:
        where.append(e.synthetic.is_(f.synthetic))
    if f.q:
        q = f.q.strip()
        where.append(or_(_contains(e.name_zh, q), _contains(e.name_en, q), _contains(e.uscc, q.upper())))
    return where


# --- generic paging -----------------------------------------------------------------------------------------------


def _order_by(sort: str | None, model, sortable: Sequence[str], default: Sequence[Any], tiebreak) -> list:
    if not sort:
        return [*default, tiebreak]
    name = sort.removeprefix("-")
    if name not in sortable:
        raise ConfigError(f"cannot sort by {name!r}; choose one of: {', '.join(sortable)}")
    col = getattr(model, name)
    # Missing values first going up, last going down: SQLite's order, spelled out so PostgreSQL pages alike.
    return [col.desc().nulls_last() if sort.startswith("-") else col.asc().nulls_first(), tiebreak]


def _page(db: Database, stmt: Select, count_from, where: list[ColumnElement[bool]], page: PageRequest,
          *, order: list, convert=None) -> PageResult:
    condition = and_(*where) if where else None
    count = select(func.count()).select_from(count_from)
    if condition is not None:
        stmt, count = stmt.where(condition), count.where(condition)
    stmt = stmt.order_by(*order).limit(page.page_size).offset((page.page - 1) * page.page_size)
    with db.engine.connect() as conn:
        rows = conn.execute(stmt).mappings().all()
        # Page 1 shorter than a page: its length is the total, no count needed.
        if page.page == 1 and len(rows) < page.page_size:
            total = len(rows)
        else:
            total = conn.execute(count).scalar_one()
    items = [convert(dict(r)) if convert else dict(r) for r in rows]
    return PageResult(items, total, page.page, page.page_size)


def _split(text: str | None) -> list[str]:
    return [p for p in (text or "").split(";") if p]


# --- enterprises ------------------------------------------------------------------------------------------------

ENTERPRISE_LIST_COLUMNS = (
    "uscc", "name_zh", "name_en", "ownership", "origin_country", "industry_code", "established_on", "status",
    "mnc_regional_hq", "rd_centre", "de_category", "de_subcategory", "clusters", "synthetic",
)
ENTERPRISE_SORT = ("uscc", "name_zh", "name_en", "ownership", "origin_country", "industry_code", "established_on",
                   "status", "de_category")
PARTNER_SORT = ("kind", "name_en", "name_zh", "country")
PROJECT_SORT = ("title", "announced_on", "stage", "amount", "amount_usd")
EVENT_SORT = ("starts_on", "name_en", "name_zh", "kind")
HERITAGE_SORT = ("name_zh", "name_en", "protection_level", "built_year", "floor_area_m2", "restored_area_m2", "status")
SPACE_SORT = ("name", "kind", "area_m2", "vacant_m2")


def _enterprise_item(row: dict[str, Any]) -> dict[str, Any]:
    row["clusters"] = _split(row["clusters"])
    return row


def list_enterprises(db: Database, filters: EnterpriseFilter | None = None,
                     page: PageRequest | None = None, *, clamp: bool = False) -> PageResult:
    """``clamp``: a page past the end is the last page (the cockpit's pager), instead of an empty one (the API)."""
    filters, page = filters or EnterpriseFilter(), page or PageRequest()
    stmt = select(*[getattr(Enterprise, c) for c in ENTERPRISE_LIST_COLUMNS])
    order = _order_by(page.sort, Enterprise, ENTERPRISE_SORT, (), Enterprise.id)
    result = _page(db, stmt, Enterprise, _enterprise_where(filters), page, order=order, convert=_enterprise_item)
    last = pages_for(result.total, page.page_size)
    if clamp and page.page > last:
        return list_enterprises(db, filters, PageRequest(last, page.page_size, page.sort))
    return result


def enterprise_frame(db: Database, filters: EnterpriseFilter | None = None, *, sort: str | None = None,
                     limit: int | None = None) -> pl.DataFrame:
    """All enterprises matching ``filters`` with the export columns (import field names + classification), so an
    exported file imports back unchanged."""
    filters = filters or EnterpriseFilter()
    table = Enterprise.__table__
    names = [c.field for c in SPECS["enterprises"].columns if c.field in table.c]
    names += ["de_category", "de_subcategory", "de_basis", "clusters"]
    stmt = select(*[table.c[n] for n in names]).order_by(*_order_by(sort, Enterprise, ENTERPRISE_SORT, (), Enterprise.id))
    where = _enterprise_where(filters)
    if where:
        stmt = stmt.where(and_(*where))
    if limit is not None:
        stmt = stmt.limit(limit)
    with db.engine.connect() as conn:
        rows = conn.execute(stmt).all()
    return pl.DataFrame([tuple(r) for r in rows], schema=names, orient="row", infer_schema_length=None)


def get_enterprise(db: Database, uscc: str, *, taxonomy: Taxonomy | None = None) -> dict[str, Any]:
    """One enterprise with its classification (and why), its yearly figures and its investment projects."""
    code = uscc.strip().upper()
    with db.engine.connect() as conn:
        row = conn.execute(select(Enterprise.__table__).where(Enterprise.uscc == code)).mappings().first()
        if row is None:
            raise NotFound(f"no enterprise with USCC {code}")
        years = conn.execute(
            select(EnterpriseYear.year, EnterpriseYear.revenue, EnterpriseYear.tax, EnterpriseYear.employees,
                   EnterpriseYear.foreign_revenue, EnterpriseYear.synthetic, EnterpriseYear.source)
            .where(EnterpriseYear.enterprise_id == row["id"]).order_by(EnterpriseYear.year)).mappings().all()
        projects = conn.execute(
            select(InvestmentProject.id, InvestmentProject.title, InvestmentProject.stage,
                   InvestmentProject.amount, InvestmentProject.currency, InvestmentProject.announced_on)
            .where(InvestmentProject.enterprise_id == row["id"]).order_by(InvestmentProject.id)).mappings().all()
    out = dict(row)
    out.pop("id")
    try:
        basis = json.loads(out.pop("cluster_basis") or "{}")
    except json.JSONDecodeError:
        basis = {}
    if not isinstance(basis, dict):
        basis = {}
    clusters = _split(out.pop("clusters"))
    names = {c.id: c for c in taxonomy.clusters} if taxonomy else {}
    de = taxonomy.digital_economy if taxonomy else {}
    out["clusters"] = clusters
    out["classification"] = {
        "de_category": out["de_category"],
        "de_category_name_zh": de[out["de_category"]].name_zh if out["de_category"] in de else None,
        "de_category_name_en": de[out["de_category"]].name_en if out["de_category"] in de else None,
        "de_subcategory": out.pop("de_subcategory"),
        "de_basis": out.pop("de_basis"),
        "de_approximate": bool(out.pop("de_approximate")),
        "clusters": [
            {"id": c, "name_zh": names[c].name_zh if c in names else None,
             "name_en": names[c].name_en if c in names else None, "basis": str(basis.get(c) or "") or None}
            for c in clusters
        ],
        "framework_version": taxonomy.framework_version if taxonomy else None,
    }
    sub = out["classification"]["de_subcategory"]
    out["classification"]["de_subcategory_name_zh"] = de[sub].name_zh if sub in de else None
    out["classification"]["de_subcategory_name_en"] = de[sub].name_en if sub in de else None
    out["years"] = [dict(y) for y in years]
    out["projects"] = [dict(p) for p in projects]
    return out


# --- partners, projects, events, heritage, spaces ---------------------------------------------------------------


def list_partners(db: Database, filters: PartnerFilter | None = None, page: PageRequest | None = None) -> PageResult:
    f, page = filters or PartnerFilter(), page or PageRequest()
    p = Partner
    where: list[ColumnElement[bool]] = []
    if f.kind:
        where.append(p.kind == f.kind)
    if f.country:
        where.append(p.country == f.country.upper())
    if f.market:
        where.append(_in_list(p.markets, f.market.upper()))
    if f.q:
        where.append(or_(_contains(p.name_en, f.q), _contains(p.name_zh, f.q), _contains(p.description, f.q)))
    stmt = select(p.id, p.kind, p.name_en, p.name_zh, p.country, p.markets, p.description, p.synthetic, p.source)
    order = _order_by(page.sort, p, PARTNER_SORT, (p.kind,), p.id)

    def convert(row: dict[str, Any]) -> dict[str, Any]:
        row["markets"] = _split(row["markets"])
        return row

    return _page(db, stmt, p, where, page, order=order, convert=convert)


def list_projects(db: Database, filters: ProjectFilter | None = None, page: PageRequest | None = None) -> PageResult:
    f, page = filters or ProjectFilter(), page or PageRequest()
    p, e = InvestmentProject, aliased(Enterprise)
    where: list[ColumnElement[bool]] = []
    if f.stage:
        where.append(p.stage == f.stage)
    if f.uscc:
        where.append(e.uscc == f.uscc.upper())
    if f.q:
        where.append(or_(_contains(p.title, f.q), _contains(p.description, f.q), _contains(e.name_zh, f.q),
                         _contains(e.name_en, f.q)))
    joined = p.__table__.outerjoin(e, e.id == p.enterprise_id)
    stmt = select(p.id, p.title, e.uscc.label("investor_uscc"), e.name_zh.label("investor_name_zh"),
                  e.name_en.label("investor_name_en"), p.amount, p.currency, p.amount_usd, p.announced_on, p.stage,
                  p.description, p.synthetic, p.source).select_from(joined)
    order = _order_by(page.sort, p, PROJECT_SORT, (), p.id)
    return _page(db, stmt, joined, where, page, order=order)


def list_events(db: Database, filters: EventFilter | None = None, page: PageRequest | None = None) -> PageResult:
    f, page = filters or EventFilter(), page or PageRequest()
    ev, pa = Event, aliased(Partner)
    where: list[ColumnElement[bool]] = []
    if f.kind:
        where.append(ev.kind == f.kind)
    if f.starts_from:
        where.append(ev.starts_on >= f.starts_from)
    if f.starts_to:
        where.append(ev.starts_on <= f.starts_to)
    if f.q:
        where.append(or_(_contains(ev.name_en, f.q), _contains(ev.name_zh, f.q), _contains(ev.organisers, f.q),
                         _contains(ev.description, f.q)))
    joined = ev.__table__.outerjoin(pa, pa.id == ev.partner_id)
    stmt = select(ev.id, ev.name_en, ev.name_zh, ev.kind, ev.starts_on, ev.organisers,
                  pa.name_en.label("partner_name_en"), ev.description, ev.synthetic, ev.source).select_from(joined)
    order = _order_by(page.sort, ev, EVENT_SORT, (ev.starts_on.desc().nulls_last(),), ev.id)
    return _page(db, stmt, joined, where, page, order=order)


HERITAGE_COLUMNS = ("id", "name_zh", "name_en", "protection_level", "industrial_relic", "built_year", "original_use",
                    "floor_area_m2", "restored_area_m2", "status", "lat", "lon", "synthetic", "source")


def heritage_where(f: HeritageFilter) -> list[ColumnElement[bool]]:
    """The conditions of a heritage filter (the API's list and the cockpit's page share them)."""
    h = HeritageSite
    where: list[ColumnElement[bool]] = []
    if f.protection_level:
        where.append(h.protection_level == f.protection_level)
    if f.industrial_relic is not None:
        where.append(h.industrial_relic.is_(f.industrial_relic))
    if f.status:
        where.append(h.status == f.status)
    if f.q:
        where.append(or_(_contains(h.name_zh, f.q), _contains(h.name_en, f.q), _contains(h.original_use, f.q)))
    return where


def list_heritage(db: Database, filters: HeritageFilter | None = None, page: PageRequest | None = None) -> PageResult:
    f, page = filters or HeritageFilter(), page or PageRequest()
    h = HeritageSite
    stmt = select(*[getattr(h, c) for c in HERITAGE_COLUMNS])
    order = _order_by(page.sort, h, HERITAGE_SORT, (), h.id)
    return _page(db, stmt, h, heritage_where(f), page, order=order)


def list_spaces(db: Database, filters: SpaceFilter | None = None, page: PageRequest | None = None) -> PageResult:
    f, page = filters or SpaceFilter(), page or PageRequest()
    s, h = Space, aliased(HeritageSite)
    where: list[ColumnElement[bool]] = []
    if f.kind:
        where.append(s.kind == f.kind)
    if f.vacant is not None:
        where.append(func.coalesce(s.vacant_m2, 0) > 0 if f.vacant else func.coalesce(s.vacant_m2, 0) <= 0)
    if f.q:
        where.append(or_(_contains(s.name, f.q), _contains(s.address, f.q)))
    joined = s.__table__.outerjoin(h, h.id == s.heritage_site_id)
    stmt = select(s.id, s.name, s.kind, s.area_m2, s.vacant_m2, h.name_zh.label("heritage_site"), s.address,
                  s.synthetic, s.source).select_from(joined)
    order = _order_by(page.sort, s, SPACE_SORT, (), s.id)
    return _page(db, stmt, joined, where, page, order=order)


# --- change detection ---------------------------------------------------------------------------------------------


def registry_version(db: Database) -> int:
    """Changes whenever a write lands (see :mod:`opentrade.store.revision`): the key for caches of derived
    results (KPIs; market rankings, which depend on the partner registry)."""
    return revision.current(db)
