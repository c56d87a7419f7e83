"""Heritage and space: vacant space allocated to candidate digital firms, and the space figures.

Allocation (:func:`opentrade.analytics.allocation.allocate`): a space's vacant floor area is offered as suites
of at most ``suite_m2`` (default 1,000 m², the last suite taking the remainder when it is at least ``min_need``),
one firm per suite; a space's suitable 1+2+3+4 clusters come from the record (empty = any cluster). Candidates
are active digital-economy core firms (NBS 01-04) without a current tenancy and with a head count in the newest
year — by default the ``candidates`` largest that fit in a suite, or the firms named. A firm's
need is its employees × ``m2_per_employee`` (default 10 m²), at least ``min_need`` (default 50 m²); a named firm
without a head count is sized at ``min_need`` and marked so.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
from sqlalchemy import and_, case, func, or_, select

from opentrade.analytics.allocation import allocate
from opentrade.domain.vocabulary import CORE_DIGITAL, EnterpriseStatus
from opentrade.errors import ConfigError
from opentrade.refdata.standards import load_taxonomy
from opentrade.store.db import Database
from opentrade.store.models import Enterprise, EnterpriseYear, HeritageSite, Space, Tenancy


def _current_tenancy(as_of: dt.date):
    return and_(Tenancy.starts_on <= as_of, or_(Tenancy.ends_on.is_(None), Tenancy.ends_on >= as_of))


def _units(conn) -> list[dict[str, Any]]:
    s = Space
    rows = conn.execute(select(s.id, s.name, s.kind, s.vacant_m2, s.suitable_clusters, s.rent_cny_m2_day,
                               s.heritage_site_id, HeritageSite.name_zh.label("heritage"))
                        .outerjoin(HeritageSite, HeritageSite.id == s.heritage_site_id)
                        .where(s.vacant_m2 > 0).order_by(s.id)).all()
    return [dict(r._mapping) for r in rows]


def _candidates(conn, as_of: dt.date, limit: int, usccs: list[str] | None, max_staff: float
                ) -> list[dict[str, Any]]:
    e, y = Enterprise, EnterpriseYear
    latest = conn.execute(select(func.max(y.year)).where(y.year < as_of.year)).scalar() or 0
    housed = select(Tenancy.enterprise_id).where(_current_tenancy(as_of))
    stmt = (select(e.id, e.uscc, e.name_zh, e.name_en, e.clusters, e.established_on, y.employees)
            .outerjoin(y, (y.enterprise_id == e.id) & (y.year == latest))
            .where(e.status == EnterpriseStatus.ACTIVE, e.de_category.in_(CORE_DIGITAL), e.id.not_in(housed)))
    if usccs:
        stmt = stmt.where(e.uscc.in_([u.strip().upper() for u in usccs]))
    else:
        stmt = stmt.where(y.employees > 0, y.employees <= max_staff).order_by(y.employees.desc(), e.id).limit(limit)
    return [dict(r._mapping) for r in conn.execute(stmt)]


def _suites(spaces: list[dict[str, Any]], suite_m2: float, min_need: float) -> list[dict[str, Any]]:
    out = []
    for sp in spaces:
        left, k = float(sp["vacant_m2"]), 0
        while left >= min_need or (k == 0 and left > 0):
            k += 1
            size = min(left, suite_m2)
            out.append({**sp, "vacant_m2": size, "suite": k})
            left -= size
    return out


def allocate_space(db: Database, *, candidates: int = 200, usccs: list[str] | None = None,
                   max_oversize: float = 2.0, m2_per_employee: float = 10.0, min_need: float = 50.0,
                   suite_m2: float = 1000.0, as_of: dt.date | None = None) -> dict[str, Any]:
    """The best allocation of vacant suites to candidate firms, each assignment and each firm left out explained."""
    if not (1 <= candidates <= 5000 and m2_per_employee > 0 and 0 < min_need <= suite_m2 and max_oversize >= 1):
        raise ConfigError("candidates 1…5000; m2_per_employee > 0; 0 < min_need ≤ suite_m2; max_oversize ≥ 1")
    as_of = as_of or dt.date.today()
    clusters = [c.id for c in load_taxonomy().clusters]
    col = {c: i for i, c in enumerate(clusters)}
    with db.engine.connect() as conn:
        units = _suites(_units(conn), suite_m2, min_need)
        firms = _candidates(conn, as_of, candidates, usccs, suite_m2 / m2_per_employee)
    suits = np.zeros((len(units), len(clusters)), dtype=bool)
    for i, u in enumerate(units):
        ids = [c for c in (u["suitable_clusters"] or "").split(";") if c in col]
        suits[i, [col[c] for c in ids] if ids else slice(None)] = True
    member = np.zeros((len(firms), len(clusters)), dtype=bool)
    for i, f in enumerate(firms):
        member[i, [col[c] for c in (f["clusters"] or "").split(";") if c in col]] = True
    need = np.array([max(min_need, (f["employees"] or 0) * m2_per_employee) for f in firms], dtype=float)
    result = allocate(np.array([u["vacant_m2"] for u in units], dtype=float), suits, need, member,
                      unit_rent=np.array([np.nan if u["rent_cny_m2_day"] is None else u["rent_cny_m2_day"]
                                          for u in units], dtype=float),
                      unit_heritage=np.array([u["heritage_site_id"] is not None for u in units], dtype=bool),
                      max_oversize=max_oversize)

    def firm(i: int) -> dict[str, Any]:
        f = firms[i]
        return {"uscc": f["uscc"], "name_zh": f["name_zh"], "name_en": f["name_en"], "need_m2": float(need[i]),
                "need_estimated": f["employees"] is None, "clusters": [c for c in (f["clusters"] or "").split(";") if c]}

    def unit(j: int) -> dict[str, Any]:
        u = units[j]
        return {"space": u["name"], "suite": u["suite"], "kind": u["kind"], "suite_m2": u["vacant_m2"],
                "heritage": u["heritage"],
                "rent_cny_m2_day": u["rent_cny_m2_day"]}

    assigned = [{**firm(a.firm), **unit(a.unit), "score": round(a.score, 4), "overlap": round(a.overlap, 4),
                 "size_ratio": round(a.size_ratio, 4), "shared_clusters": [clusters[c] for c in a.shared_clusters],
                 "reason": (f"shares {len(a.shared_clusters)} of its clusters with the space (overlap "
                            f"{a.overlap:.2f}); needs {a.need:,.0f} m² of {a.area:,.0f} m² vacant (size ratio "
                            f"{a.size_ratio:.2f}); score {a.score:.3f}")}
                for a in result.assignments]
    def detail(x) -> str:  # the analytics text names indices; here suites and firms have names
        if x.reason != "outbid" or x.best_unit is None or x.went_to is None:
            return x.detail
        u = units[x.best_unit]
        return (f"every suite it could take went to a better-fitting firm; its best, {u['name']} #{u['suite']} "
                f"(score {x.own_score:.3f}), went to {firms[x.went_to]['uscc']} (score {x.holder_score:.3f}); "
                f"housing it would lower the total score by {x.cost_to_house or 0:.3f}")

    left = [{**firm(x.firm), "reason": x.reason, "detail": detail(x),
             "lost_to": firms[x.went_to]["uscc"] if x.went_to is not None else None,
             "best_suite": f"{units[x.best_unit]['name']} #{units[x.best_unit]['suite']}"
             if x.best_unit is not None else None}
            for x in result.unassigned]
    return {"as_of": as_of.isoformat(), "suites": len(units), "candidates": len(firms),
            "total_score": round(result.total_score, 4), "assigned": assigned, "unassigned": left,
            "empty_suites": [f"{units[j]['name']} #{units[j]['suite']}" for j in result.empty_units],
            "method": ("maximum total fit (scipy linear_sum_assignment); need = max(min_need, employees × "
                       f"{m2_per_employee:g} m²); a unit ≤ {max_oversize:g} × the need")}


def space_kpis(db: Database, *, as_of: dt.date | None = None) -> list[dict[str, Any]]:
    """Restored share of relic area, vacancy, digital firms housed in heritage space — each with its basis."""
    as_of = as_of or dt.date.today()
    h, s, t, e = HeritageSite, Space, Tenancy, Enterprise
    with db.engine.connect() as conn:
        relic, restored, n_relic = conn.execute(select(
            func.sum(h.floor_area_m2), func.sum(h.restored_area_m2), func.count()).where(h.industrial_relic)).one()
        area, vacant, n_space = conn.execute(select(func.sum(s.area_m2), func.sum(s.vacant_m2), func.count())).one()
        housed, n_ten = conn.execute(select(
            func.count(func.distinct(case((e.de_category.in_(CORE_DIGITAL), t.enterprise_id)))), func.count())
            .join(s, s.id == t.space_id).join(e, e.id == t.enterprise_id)
            .where(s.heritage_site_id.is_not(None), _current_tenancy(as_of), e.status == "active")).one()
    return [
        {"id": "relic_restored_share", "name_zh": "工业遗存修缮比例", "name_en": "Restored share of industrial-relic area",
         "value": (restored or 0) / relic if relic else None, "unit": "fraction",
         "basis": f"restored floor area / floor area of {n_relic:,} industrial relics"},
        {"id": "space_vacancy", "name_zh": "载体空置率", "name_en": "Vacancy of spaces",
         "value": (vacant or 0) / area if area else None, "unit": "fraction",
         "basis": f"vacant floor area / floor area of {n_space:,} spaces"},
        {"id": "digital_firms_in_heritage_space", "name_zh": "入驻遗存载体的数字经济企业",
         "name_en": "Digital firms housed in heritage space", "value": int(housed) if n_ten else None,
         "unit": "enterprises",
         "basis": f"active digital-economy core firms (NBS 01-04) with a tenancy current on {as_of} in a space "
                  f"inside a heritage site ({n_ten:,} such tenancies)"},
    ]
