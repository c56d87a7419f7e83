"""Read the registry's other records as the cockpit shows them and downloads them: every partner, event, buyer,
project, heritage site, space, tenancy, university, statistic and import run, the enterprise facets, and which
firms are synthetic. The API's filtered, paged lists of the same tables are :mod:`opentrade.services.registry`'s;
enterprises are read there alone (list, detail, export), by the API and the cockpit alike."""

from __future__ import annotations

import datetime as dt
from typing import Any

import polars as pl
from sqlalchemy import Select, case, func, select

from opentrade.domain.vocabulary import EnterpriseStatus, Restoration, values
from opentrade.services.registry import HeritageFilter, PageResult, heritage_where, pages_for
from opentrade.store.db import Database
from opentrade.store.models import (
    Buyer,
    DistrictStatistic,
    Enterprise,
    EnterpriseYear,
    Event,
    HeritageSite,
    ImportRun,
    InvestmentProject,
    Meeting,
    Partner,
    Space,
    Tenancy,
    University,
)

PAGE_SIZE = 25


def enterprise_facets(db: Database) -> dict[str, list[tuple[str, int]]]:
    """Active firms per digital-economy category and per 1+2+3+4 cluster (a firm may sit in several clusters)."""
    e = Enterprise
    with db.engine.connect() as conn:
        by_de = conn.execute(
            select(func.coalesce(e.de_category, ""), func.count()).where(e.status == EnterpriseStatus.ACTIVE)
            .group_by(e.de_category).order_by(e.de_category)
        ).all()
        clusters = pl.DataFrame(
            conn.execute(select(e.clusters).where(e.status == EnterpriseStatus.ACTIVE, e.clusters != "")).all(),
            schema=["clusters"], orient="row",
        )
    by_cluster: list[tuple[str, int]] = []
    if clusters.height:
        counted = (clusters.select(pl.col("clusters").str.split(";")).explode("clusters")
                   .group_by("clusters").len().sort("clusters"))
        by_cluster = [(c, int(n)) for c, n in counted.iter_rows() if c]
    return {"de_category": [(c, int(n)) for c, n in by_de], "cluster": by_cluster}


def origin_countries(db: Database) -> list[str | None]:
    with db.engine.connect() as conn:
        return [r[0] for r in conn.execute(
            select(Enterprise.origin_country).where(Enterprise.origin_country.is_not(None))
            .distinct().order_by(Enterprise.origin_country))]


def _rows(db: Database, stmt: Select) -> list[dict[str, Any]]:
    with db.engine.connect() as conn:
        return [dict(r) for r in conn.execute(stmt).mappings()]


def partners(db: Database) -> list[dict]:
    p = Partner
    return _rows(db, select(p.id, p.kind, p.name_en, p.name_zh, p.country, p.markets, p.segments, p.contact_name,
                            p.contact_email, p.agreement, p.agreement_on, p.description, p.synthetic,
                            p.source).order_by(p.kind, p.name_en))


def events(db: Database) -> list[dict]:
    e = Event
    buyers = select(func.count()).where(Buyer.event_id == e.id).scalar_subquery()
    meetings = select(func.count()).where(Meeting.event_id == e.id).scalar_subquery()
    return _rows(db, select(e.id, e.name_en, e.name_zh, e.kind, e.starts_on, e.organisers, e.description,
                            Partner.name_en.label("partner"), buyers.label("buyers"), meetings.label("meetings"),
                            e.synthetic, e.source)
                 .outerjoin(Partner, Partner.id == e.partner_id).order_by(e.starts_on.desc().nulls_last(), e.name_en))


def event(db: Database, event_id: int) -> dict | None:
    return next((e for e in events(db) if e["id"] == event_id), None)


def buyers(db: Database, event_id: int) -> list[dict]:
    b = Buyer
    return _rows(db, select(b.id, b.name, b.organisation, b.country, b.segments, b.interests, b.unavailable_slots,
                            b.synthetic, b.source).where(b.event_id == event_id).order_by(b.country, b.name))


def synthetic_usccs(db: Database, usccs: list[str]) -> set[str]:
    """Which of these firms are generated demo records (for the synthetic tag on computed rows)."""
    wanted = sorted(set(usccs))
    out: set[str] = set()
    with db.engine.connect() as conn:
        for i in range(0, len(wanted), 500):
            out |= set(conn.execute(select(Enterprise.uscc).where(
                Enterprise.uscc.in_(wanted[i:i + 500]), Enterprise.synthetic)).scalars())
    return out


def projects(db: Database) -> list[dict]:
    p = InvestmentProject
    return _rows(db, select(p.title, p.stage, p.amount, p.currency, p.announced_on, Enterprise.name_zh.label("firm_zh"),
                            Enterprise.name_en.label("firm_en"), p.synthetic)
                 .outerjoin(Enterprise, Enterprise.id == p.enterprise_id).order_by(p.announced_on.desc().nulls_last(), p.title))


HERITAGE_COLUMNS = ["name_zh", "name_en", "protection_level", "industrial_relic", "built_year", "original_use",
                    "floor_area_m2", "restored_area_m2", "status", "lat", "lon", "synthetic"]
LEVEL_ORDER = case({"national": 0, "municipal": 1, "district": 2}, value=HeritageSite.protection_level, else_=3)


def heritage_page(db: Database, *, page: int = 1, page_size: int = PAGE_SIZE, status: str = "") -> PageResult:
    """Heritage sites by protection level, the largest first; a page past the end shows the last one."""
    h = HeritageSite
    cond = heritage_where(HeritageFilter(status=status if status in values(Restoration) else None))
    with db.engine.connect() as conn:
        total = conn.execute(select(func.count()).select_from(h).where(*cond)).scalar_one()
        page = min(max(1, page), pages_for(total, page_size))
        rows = conn.execute(
            select(*[getattr(h, c) for c in HERITAGE_COLUMNS]).where(*cond)
            .order_by(LEVEL_ORDER, h.floor_area_m2.desc().nulls_last(), h.name_zh)
            .limit(page_size).offset((page - 1) * page_size)
        ).mappings().all()
    return PageResult([dict(r) for r in rows], total, page, page_size)


def heritage_all(db: Database) -> list[dict]:
    h = HeritageSite
    return _rows(db, select(*[getattr(h, c) for c in HERITAGE_COLUMNS]).order_by(LEVEL_ORDER, h.name_zh))


def restoration(db: Database) -> list[dict]:
    """Per protection level: sites by status and floor areas (all sites; relic areas are a subset)."""
    h = HeritageSite
    return _rows(db, select(
        h.protection_level.label("level"), func.count().label("sites"),
        func.sum(case((h.status == "restored", 1), else_=0)).label("restored"),
        func.sum(case((h.status == "restoring", 1), else_=0)).label("restoring"),
        func.sum(case((h.status == "unrestored", 1), else_=0)).label("unrestored"),
        func.coalesce(func.sum(h.floor_area_m2), 0).label("floor_area_m2"),
        func.coalesce(func.sum(h.restored_area_m2), 0).label("restored_area_m2"),
    ).group_by(h.protection_level).order_by(func.min(LEVEL_ORDER)))


def _current(as_of: dt.date):
    return (Tenancy.starts_on <= as_of) & (Tenancy.ends_on.is_(None) | (Tenancy.ends_on >= as_of))


def spaces(db: Database, as_of: dt.date | None = None) -> list[dict]:
    """Spaces with their asking rent, the clusters they suit and the tenancies current on ``as_of`` (today)."""
    s, as_of = Space, as_of or dt.date.today()
    tenants = select(func.count()).where(Tenancy.space_id == s.id, _current(as_of)).scalar_subquery()
    let = select(func.sum(Tenancy.area_m2)).where(Tenancy.space_id == s.id, _current(as_of)).scalar_subquery()
    return _rows(db, select(s.name, s.kind, s.area_m2, s.vacant_m2, s.address, HeritageSite.name_zh.label("heritage"),
                            HeritageSite.name_en.label("heritage_en"), s.rent_cny_m2_day, s.suitable_clusters,
                            tenants.label("tenants"), let.label("let_m2"), s.synthetic)
                 .outerjoin(HeritageSite, HeritageSite.id == s.heritage_site_id).order_by(s.name))


def tenancies(db: Database, as_of: dt.date | None = None) -> list[dict]:
    """Tenancies current on ``as_of`` (today): the firm, its space and suite area, heritage site or not."""
    t, as_of = Tenancy, as_of or dt.date.today()
    return _rows(db, select(Space.name.label("space"), HeritageSite.name_zh.label("heritage"),
                            HeritageSite.name_en.label("heritage_en"), Enterprise.uscc, Enterprise.name_zh,
                            Enterprise.name_en, Enterprise.de_category, t.area_m2, t.starts_on, t.ends_on, t.synthetic)
                 .join(Space, Space.id == t.space_id).join(Enterprise, Enterprise.id == t.enterprise_id)
                 .outerjoin(HeritageSite, HeritageSite.id == Space.heritage_site_id)
                 .where(_current(as_of)).order_by(Space.name, Enterprise.uscc))


def universities(db: Database) -> list[dict]:
    u = University
    return _rows(db, select(u.name_en, u.name_zh, u.students, u.international_students, u.synthetic, u.source)
                 .order_by(u.name_en))


def statistics(db: Database) -> list[dict]:
    s = DistrictStatistic
    return _rows(db, select(s.key, s.value, s.unit, s.as_of, s.qualifier, s.source, s.synthetic)
                 .order_by(s.key, s.as_of))


def import_runs(db: Database, *, limit: int = 50) -> list[dict]:
    r = ImportRun
    return _rows(db, select(r.kind, r.path, r.rows, r.sha256, r.finished_at)
                 .order_by(r.finished_at.desc(), r.id.desc()).limit(limit))


def synthetic_counts(db: Database) -> list[dict]:
    """Records and synthetic records per registry table."""
    out = []
    with db.engine.connect() as conn:
        for name, model in (("enterprises", Enterprise), ("financials", EnterpriseYear),
                            ("projects", InvestmentProject), ("partners", Partner), ("events", Event),
                            ("universities", University), ("heritage", HeritageSite), ("spaces", Space),
                            ("statistics", DistrictStatistic)):
            n, syn = conn.execute(select(func.count(), func.coalesce(
                func.sum(case((model.synthetic, 1), else_=0)), 0)).select_from(model)).one()
            out.append({"table": name, "records": int(n), "synthetic": int(syn)})
    return out
