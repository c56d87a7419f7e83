"""Read-only registry queries the cockpit pages need (filters, paging, breakdowns); no HTTP here."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

import polars as pl
from sqlalchemy import Select, and_, case, func, or_, select, true

from opentrade.store.db import Database
from opentrade.store.models import (
    DistrictStatistic,
    Enterprise,
    EnterpriseYear,
    Event,
    HeritageSite,
    ImportRun,
    InvestmentProject,
    Partner,
    Space,
    University,
)

PAGE_SIZE = 25
MAX_PAGE_SIZE = 200
OWNERSHIPS = ("domestic", "foreign", "hmt")
DE_CATEGORIES = ("01", "02", "03", "04", "05")
SORTS = {
    "name": Enterprise.name_zh,
    "uscc": Enterprise.uscc,
    "established": Enterprise.established_on,
    "industry": Enterprise.industry_code,
}
ENTERPRISE_COLUMNS = [
    "uscc", "name_zh", "name_en", "ownership", "origin_country", "industry_code", "de_category", "de_subcategory",
    "clusters", "established_on", "mnc_regional_hq", "rd_centre", "status", "synthetic",
]


@dataclass
class EnterpriseFilter:
    q: str = ""
    cluster: str = ""
    de_category: str = ""
    ownership: str = ""
    origin: str = ""
    flag: str = ""  # "hq" | "rd" | "hq_rd"
    sort: str = "name"
    desc: bool = False
    page: int = 1
    page_size: int = PAGE_SIZE

    def clean(self) -> EnterpriseFilter:
        self.q = self.q.strip()[:100]
        self.ownership = self.ownership if self.ownership in OWNERSHIPS else ""
        self.de_category = self.de_category if self.de_category in DE_CATEGORIES else ""
        self.origin = self.origin.strip().upper()[:3]
        self.flag = self.flag if self.flag in ("hq", "rd", "hq_rd") else ""
        self.sort = self.sort if self.sort in SORTS else "name"
        self.page = max(1, self.page)
        self.page_size = min(max(1, self.page_size), MAX_PAGE_SIZE)
        return self

    def conditions(self) -> list:
        e = Enterprise
        cond = []
        if self.q:
            like = f"%{self.q}%"
            cond.append(or_(e.name_zh.like(like), e.name_en.like(like), e.uscc.like(like),
                            e.business_scope.like(like)))
        if self.cluster:
            cond.append(or_(e.clusters == self.cluster, e.clusters.like(f"{self.cluster};%"),
                            e.clusters.like(f"%;{self.cluster}"), e.clusters.like(f"%;{self.cluster};%")))
        if self.de_category:
            cond.append(e.de_category == self.de_category)
        if self.ownership:
            cond.append(e.ownership == self.ownership)
        if self.origin:
            cond.append(e.origin_country == self.origin)
        if self.flag == "hq":
            cond.append(e.mnc_regional_hq.is_(True))
        elif self.flag == "rd":
            cond.append(e.rd_centre.is_(True))
        elif self.flag == "hq_rd":
            cond.append(or_(e.mnc_regional_hq.is_(True), e.rd_centre.is_(True)))
        return cond

    def params(self, **override: object) -> dict[str, object]:
        """The filter as query parameters (for links: paging, sorting, exports)."""
        out = {"q": self.q, "cluster": self.cluster, "de_category": self.de_category, "ownership": self.ownership,
               "origin": self.origin, "flag": self.flag, "sort": self.sort, "desc": "1" if self.desc else "",
               "page": self.page}
        out.update(override)
        return {k: v for k, v in out.items() if v not in ("", None)}


@dataclass
class Page:
    rows: list[dict]
    total: int
    page: int
    page_size: int
    extra: dict = field(default_factory=dict)

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.page_size))


def _enterprise_select(flt: EnterpriseFilter) -> Select:
    cols = [getattr(Enterprise, c) for c in ENTERPRISE_COLUMNS]
    stmt = select(*cols).where(and_(true(), *flt.conditions()))
    order = SORTS[flt.sort]
    return stmt.order_by(order.desc() if flt.desc else order.asc(), Enterprise.id)


def search_enterprises(db: Database, flt: EnterpriseFilter) -> Page:
    flt.clean()
    with db.engine.connect() as conn:
        total = conn.execute(select(func.count()).select_from(Enterprise).where(and_(true(), *flt.conditions()))).scalar_one()
        pages = max(1, -(-total // flt.page_size))
        flt.page = min(flt.page, pages)
        rows = conn.execute(_enterprise_select(flt).limit(flt.page_size).offset((flt.page - 1) * flt.page_size))
        return Page([dict(r._mapping) for r in rows], total, flt.page, flt.page_size)


def enterprises_frame(db: Database, flt: EnterpriseFilter, *, limit: int = 1_000_000) -> pl.DataFrame:
    flt.clean()
    with db.engine.connect() as conn:
        rows = conn.execute(_enterprise_select(flt).limit(limit)).all()
    return pl.DataFrame([tuple(r) for r in rows], schema=ENTERPRISE_COLUMNS, orient="row", infer_schema_length=None)


def enterprise_detail(db: Database, uscc: str) -> dict | None:
    with db.engine.connect() as conn:
        row = conn.execute(select(Enterprise.__table__).where(Enterprise.uscc == uscc)).mappings().one_or_none()
        if row is None:
            return None
        firm = dict(row)
        years = conn.execute(
            select(EnterpriseYear.year, EnterpriseYear.revenue, EnterpriseYear.tax, EnterpriseYear.employees,
                   EnterpriseYear.foreign_revenue, EnterpriseYear.synthetic, EnterpriseYear.source)
            .where(EnterpriseYear.enterprise_id == firm["id"]).order_by(EnterpriseYear.year)
        ).mappings().all()
        projects = conn.execute(
            select(InvestmentProject.title, InvestmentProject.stage, InvestmentProject.amount,
                   InvestmentProject.currency, InvestmentProject.announced_on)
            .where(InvestmentProject.enterprise_id == firm["id"])
        ).mappings().all()
    try:
        firm["cluster_reasons"] = json.loads(firm.get("cluster_basis") or "{}")
    except ValueError:
        firm["cluster_reasons"] = {}
    firm["years"] = [dict(y) for y in years]
    firm["projects"] = [dict(p) for p in projects]
    return firm


def breakdowns(db: Database) -> dict[str, list[tuple[str, int]]]:
    """Active firms per digital-economy category and per 1+2+3+4 cluster (a firm may sit in several clusters)."""
    e = Enterprise
    with db.engine.connect() as conn:
        by_de = conn.execute(
            select(func.coalesce(e.de_category, ""), func.count()).where(e.status == "active")
            .group_by(e.de_category).order_by(e.de_category)
        ).all()
        clusters = pl.DataFrame(
            conn.execute(select(e.clusters).where(e.status == "active", e.clusters != "")).all(),
            schema=["clusters"], orient="row",
        )
    by_cluster: list[tuple[str, int]] = []
    if clusters.height:
        counted = (clusters.select(pl.col("clusters").str.split(";")).explode("clusters")
                   .group_by("clusters").len().sort("clusters"))
        by_cluster = [(c, int(n)) for c, n in counted.iter_rows() if c]
    return {"de_category": [(c, int(n)) for c, n in by_de], "cluster": by_cluster}


def origin_countries(db: Database) -> list[str]:
    with db.engine.connect() as conn:
        return [r[0] for r in conn.execute(
            select(Enterprise.origin_country).where(Enterprise.origin_country.is_not(None))
            .distinct().order_by(Enterprise.origin_country))]


def _rows(db: Database, stmt: Select) -> list[dict]:
    with db.engine.connect() as conn:
        return [dict(r) for r in conn.execute(stmt).mappings()]


def partners(db: Database) -> list[dict]:
    p = Partner
    return _rows(db, select(p.id, p.kind, p.name_en, p.name_zh, p.country, p.markets, p.description, p.synthetic,
                            p.source).order_by(p.kind, p.name_en))


def events(db: Database) -> list[dict]:
    e = Event
    return _rows(db, select(e.id, e.name_en, e.name_zh, e.kind, e.starts_on, e.organisers, e.description,
                            Partner.name_en.label("partner"), e.synthetic, e.source)
                 .outerjoin(Partner, Partner.id == e.partner_id).order_by(e.starts_on.desc(), e.name_en))


def projects(db: Database) -> list[dict]:
    p = InvestmentProject
    return _rows(db, select(p.title, p.stage, p.amount, p.currency, p.announced_on, Enterprise.name_zh.label("firm_zh"),
                            Enterprise.name_en.label("firm_en"), p.synthetic)
                 .outerjoin(Enterprise, Enterprise.id == p.enterprise_id).order_by(p.announced_on.desc(), p.title))


HERITAGE_COLUMNS = ["name_zh", "name_en", "protection_level", "industrial_relic", "built_year", "original_use",
                    "floor_area_m2", "restored_area_m2", "status", "lat", "lon", "synthetic"]
LEVEL_ORDER = case({"national": 0, "municipal": 1, "district": 2}, value=HeritageSite.protection_level, else_=3)


def heritage_page(db: Database, *, page: int = 1, page_size: int = PAGE_SIZE, status: str = "") -> Page:
    h = HeritageSite
    cond = [h.status == status] if status in ("restored", "restoring", "unrestored") else []
    with db.engine.connect() as conn:
        total = conn.execute(select(func.count()).select_from(h).where(*cond)).scalar_one()
        pages = max(1, -(-total // page_size))
        page = min(max(1, page), pages)
        rows = conn.execute(
            select(*[getattr(h, c) for c in HERITAGE_COLUMNS]).where(*cond)
            .order_by(LEVEL_ORDER, h.floor_area_m2.desc().nulls_last(), h.name_zh)
            .limit(page_size).offset((page - 1) * page_size)
        ).mappings().all()
    return Page([dict(r) for r in rows], total, page, page_size)


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


def spaces(db: Database) -> list[dict]:
    s = Space
    return _rows(db, select(s.name, s.kind, s.area_m2, s.vacant_m2, s.address, HeritageSite.name_zh.label("heritage"),
                            s.synthetic).outerjoin(HeritageSite, HeritageSite.id == s.heritage_site_id)
                 .order_by(s.name))


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
