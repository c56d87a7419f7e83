"""Registry pages: enterprises (filters, facets, paging, detail) and partners with the channels they give."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from opentrade.domain.vocabulary import DigitalCategory, Ownership, values
from opentrade.errors import NotFound
from opentrade.http.access import AppOpts, Db
from opentrade.i18n import Translator
from opentrade.refdata.market_model import load_model_config
from opentrade.refdata.reference import load_reference
from opentrade.services import records
from opentrade.services.registry import (
    EnterpriseFilter,
    PageRequest,
    PageResult,
    get_enterprise,
    list_enterprises,
)
from opentrade.store.db import Database
from opentrade.web.names import channel_labels, country_name, segment_names, split, taxonomy_labels
from opentrade.web.params import page_param
from opentrade.web.rendering import is_partial, not_found, render, require_public_read, translator

router = APIRouter(include_in_schema=False, dependencies=[Depends(require_public_read)])


PAGE_SIZE = 25
SORTS = {"name": "name_zh", "uscc": "uscc", "established": "established_on", "industry": "industry_code"}
FLAGS = ("hq", "rd", "hq_rd")


@dataclass
class EnterpriseForm:
    """The enterprise page's filter form as the reader left it (empty = not chosen; unknown values dropped). The
    query itself is :class:`opentrade.services.registry.EnterpriseFilter`: one query builder for every edge."""

    q: str = ""
    cluster: str = ""
    de_category: str = ""
    ownership: str = ""
    origin: str = ""
    flag: str = ""  # "hq" | "rd" | "hq_rd"
    sort: str = "name"
    desc: bool = False
    page: int = 1

    @classmethod
    def of(cls, p: Mapping[str, str]) -> EnterpriseForm:
        ownership, category, flag, sort = (p.get("ownership", ""), p.get("de_category", ""), p.get("flag", ""),
                                           p.get("sort", "name"))
        return cls(q=p.get("q", "").strip()[:100], cluster=p.get("cluster", ""),
                   de_category=category if category in values(DigitalCategory) else "",
                   ownership=ownership if ownership in values(Ownership) else "",
                   origin=p.get("origin", "").strip().upper()[:3], flag=flag if flag in FLAGS else "",
                   sort=sort if sort in SORTS else "name", desc=p.get("desc") == "1", page=page_param(p))

    @property
    def filters(self) -> EnterpriseFilter:
        return EnterpriseFilter(
            q=self.q or None, cluster=self.cluster or None, de_category=self.de_category or None,
            ownership=self.ownership or None, origin_country=self.origin or None,
            mnc_regional_hq=True if self.flag == "hq" else None, rd_centre=True if self.flag == "rd" else None,
            hq_or_rd=True if self.flag == "hq_rd" else None)

    @property
    def order(self) -> str:
        return ("-" if self.desc else "") + SORTS[self.sort]

    def params(self, **override: object) -> dict[str, object]:
        """The form as query parameters (for links: paging, sorting, exports)."""
        out: dict[str, object] = {
            "q": self.q, "cluster": self.cluster, "de_category": self.de_category, "ownership": self.ownership,
            "origin": self.origin, "flag": self.flag, "sort": self.sort, "desc": "1" if self.desc else "",
            "page": self.page}
        out.update(override)
        return {k: v for k, v in out.items() if v not in ("", None)}


def search(db: Database, form: EnterpriseForm) -> PageResult:
    result = list_enterprises(db, form.filters, PageRequest(form.page, PAGE_SIZE, form.order), clamp=True)
    form.page = result.page
    return result


def enterprise_detail(db: Database, uscc: str) -> dict[str, Any] | None:
    """The registry's record, with the classification flattened the way the detail page shows it."""
    try:
        firm = get_enterprise(db, uscc)
    except NotFound:
        return None
    c = firm.pop("classification")
    firm.update(de_subcategory=c["de_subcategory"], de_basis=c["de_basis"], de_approximate=c["de_approximate"],
                cluster_reasons={x["id"]: x["basis"] or "" for x in c["clusters"]})
    return firm


@router.get("/enterprises", name="web_enterprises", response_class=HTMLResponse)
def enterprises(request: Request, db: Db, options: AppOpts) -> HTMLResponse:
    flt = EnterpriseForm.of(request.query_params)
    result = search(db, flt)
    t: Translator = translator(request)
    taxonomy = options.taxonomy
    labels = taxonomy_labels(t, taxonomy)
    context = dict(flt=flt, result=result, labels=labels)
    if is_partial(request):
        return render(request, "_enterprise_table.html", **context)
    counts = records.enterprise_facets(db)
    breakdown = {
        "de": {"names": [labels["de"].get(c, t("ent.unclassified")) if c else t("ent.unclassified")
                         for c, _ in counts["de_category"]], "values": [n for _, n in counts["de_category"]]},
        "cluster": {"names": [labels["cluster"].get(c, c) for c, _ in counts["cluster"]],
                    "values": [n for _, n in counts["cluster"]]},
    }
    return render(request, "enterprises.html", page="enterprises", origins=records.origin_countries(db),
                  clusters=taxonomy.clusters, breakdown=breakdown, **context)


@router.get("/enterprises/{uscc}", name="web_enterprise", response_class=HTMLResponse)
def enterprise(request: Request, uscc: str, db: Db, options: AppOpts) -> Response:
    firm = enterprise_detail(db, uscc)
    if firm is None:
        return not_found(request)
    return render(request, "enterprise.html", page="enterprises", firm=firm,
                  labels=taxonomy_labels(translator(request), options.taxonomy))


# --- partners: the network and the channels per market ----------------------------------------------------------


def market_channels(partner_rows: list[dict[str, Any]], t: Translator) -> list[dict[str, Any]]:
    """Per market a partner serves: the partners by channel kind, strongest kind first (the matchmaking's
    ``channel_kind_points``: platform > organisation > friendly city)."""
    points = load_model_config().channel_kind_points
    by_market: dict[str, dict[str, list[dict[str, Any]]]] = {}
    for p in partner_rows:
        for iso in split(p["markets"]):
            by_market.setdefault(iso, {}).setdefault(p["kind"], []).append(p)
    labels = channel_labels(t)
    out = []
    for iso, kinds in by_market.items():
        ordered = sorted(kinds, key=lambda k: (-points.get(k, 0.0), k))
        out.append({"iso3": iso, "name": country_name(t, iso), "best": labels.get(ordered[0], ordered[0]),
                    "strength": points.get(ordered[0]),
                    "channels": [{"kind": labels.get(k, k), "partners": kinds[k]} for k in ordered]})
    return sorted(out, key=lambda m: (-(m["strength"] or 0.0), m["name"]))


@router.get("/partners", name="web_partners", response_class=HTMLResponse)
def partners(request: Request, db: Db) -> HTMLResponse:
    t: Translator = translator(request)
    rows = records.partners(db)
    countries = load_reference().countries
    cname = dict(countries.select("iso3", "name_zh" if t.lang == "zh" else "name_en").iter_rows())
    nodes: list[dict[str, Any]] = [{"id": "district", "name": t("partners.district"), "category": 0,
                                    "symbolSize": 46}]
    links, markets_seen = [], set()
    for p in rows:
        pid = f"p{p['id']}"
        nodes.append({"id": pid, "name": t.pick(p["name_zh"], p["name_en"]), "category": 1,
                      "kind": t(f"partner_kind.{p['kind']}"), "symbolSize": 26})
        links.append({"source": "district", "target": pid})
        for iso in filter(None, (p["markets"] or "").split(";")):
            if iso not in markets_seen:
                markets_seen.add(iso)
                nodes.append({"id": f"m{iso}", "name": cname.get(iso, iso), "category": 2, "symbolSize": 18})
            links.append({"source": pid, "target": f"m{iso}"})
    graph = {"nodes": nodes, "links": links,
             "categories": [t("partners.district"), t("partners.partner"), t("partners.market")]}
    return render(request, "partners.html", page="partners", partners=rows, graph=graph, cname=cname,
                  projects=records.projects(db), segments=segment_names(t), channels=market_channels(rows, t))
