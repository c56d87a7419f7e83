"""Registry pages: enterprises (filters, facets, paging, detail) and partners with the channels they give."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from opentrade.http.access import AppOpts, Db
from opentrade.i18n import Translator
from opentrade.refdata.market_model import load_model_config
from opentrade.refdata.reference import load_reference
from opentrade.web import queries
from opentrade.web.names import channel_labels, country_name, segment_names, split, taxonomy_labels
from opentrade.web.params import page_param
from opentrade.web.rendering import is_partial, not_found, render, require_public_read, translator

router = APIRouter(include_in_schema=False, dependencies=[Depends(require_public_read)])


def enterprise_filter(request: Request) -> queries.EnterpriseFilter:
    p = request.query_params
    return queries.EnterpriseFilter(
        q=p.get("q", ""), cluster=p.get("cluster", ""), de_category=p.get("de_category", ""),
        ownership=p.get("ownership", ""), origin=p.get("origin", ""), flag=p.get("flag", ""),
        sort=p.get("sort", "name"), desc=p.get("desc") == "1", page=page_param(p),
    ).clean()


@router.get("/enterprises", name="web_enterprises", response_class=HTMLResponse)
def enterprises(request: Request, db: Db, options: AppOpts) -> HTMLResponse:
    flt = enterprise_filter(request)
    result = queries.search_enterprises(db, flt)
    t: Translator = translator(request)
    taxonomy = options.taxonomy
    labels = taxonomy_labels(t, taxonomy)
    context = dict(flt=flt, result=result, labels=labels)
    if is_partial(request):
        return render(request, "_enterprise_table.html", **context)
    counts = queries.breakdowns(db)
    breakdown = {
        "de": {"names": [labels["de"].get(c, t("ent.unclassified")) if c else t("ent.unclassified")
                         for c, _ in counts["de_category"]], "values": [n for _, n in counts["de_category"]]},
        "cluster": {"names": [labels["cluster"].get(c, c) for c, _ in counts["cluster"]],
                    "values": [n for _, n in counts["cluster"]]},
    }
    return render(request, "enterprises.html", page="enterprises", origins=queries.origin_countries(db),
                  clusters=taxonomy.clusters, breakdown=breakdown, **context)


@router.get("/enterprises/{uscc}", name="web_enterprise", response_class=HTMLResponse)
def enterprise(request: Request, uscc: str, db: Db, options: AppOpts) -> Response:
    firm = queries.enterprise_detail(db, uscc)
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
    rows = queries.partners(db)
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
                  projects=queries.projects(db), segments=segment_names(t), channels=market_channels(rows, t))
