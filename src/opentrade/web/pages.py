"""HTML routes of the cockpit: each handler parses the request, calls services/queries, renders a template."""

from __future__ import annotations

import datetime as dt
import json
from functools import cache
from pathlib import Path
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.responses import HTMLResponse, Response
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from opentrade import __version__
from opentrade.api.cache import cached_kpis
from opentrade.errors import OpentradeError
from opentrade.i18n import COOKIE, LANGUAGES, Translator, catalogue, negotiate
from opentrade.ingest.schemas import SPECS
from opentrade.refdata.reference import load_reference
from opentrade.refdata.standards import load_taxonomy
from opentrade.services import space
from opentrade.store.db import Database
from opentrade.web import exports, markets_view, operations_view, queries

TEMPLATES = Path(__file__).parent / "templates"
NAV = [
    ("overview", "web_overview"),
    ("enterprises", "web_enterprises"),
    ("markets", "web_markets"),
    ("matchmaking", "web_matchmaking"),
    ("partners", "web_partners"),
    ("pipeline", "web_pipeline"),
    ("heritage", "web_heritage"),
    ("events", "web_events"),
    ("factsheets", "web_factsheets"),
    ("sources", "web_sources"),
    ("import", "web_import"),
]
#: the catalogue keys the browser scripts read (chart titles, axis names), handed to the page as JSON
JS_KEYS = [
    "js.score", "js.rank", "js.points", "js.total", "js.p_top", "js.rank_interval", "js.median_rank",
    "js.revenue", "js.growth", "js.firms", "js.sites", "js.area_restored", "js.area_unrestored",
    "js.district", "js.partner", "js.market", "js.no_data", "js.realised_growth", "js.save_png",
    "js.status.restored", "js.status.restoring", "js.status.unrestored", "js.longitude", "js.latitude",
    "js.floor_area", "js.import_ok", "js.import_failed", "js.import_sending", "js.row", "js.column", "js.value",
    "js.rule", "js.map_missing",
]


def translator(request: Request) -> Translator:
    """The request's language: ``?lang=``, else the cookie, else ``Accept-Language`` (memoised per request)."""
    t = getattr(request.state, "t", None)
    if t is None:
        t = Translator(negotiate(request.query_params.get("lang"), request.cookies.get(COOKIE),
                                 request.headers.get("accept-language")))
        request.state.t = t
    return t


def build_environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(["html", "xml"], default_for_string=True, default=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals["version"] = __version__
    # Audit values as readable JSON text (Chinese kept as is); autoescaped like any other text, unlike |tojson.
    env.filters["json_text"] = lambda value: json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)
    return env


@cache
def environment() -> Environment:
    """The one template environment of the cockpit (every router renders through :func:`render`)."""
    return build_environment()


def render(request: Request, template: str, **context: object) -> HTMLResponse:
    """A template as a page in the request's language, with the helpers every template uses."""
    t: Translator = translator(request)
    params = dict(request.query_params)

    def url_with(**override: object) -> str:
        merged = {k: v for k, v in {**params, **override}.items() if v not in (None, "")}
        return f"{request.url.path}?{urlencode(merged)}" if merged else request.url.path

    def export_url(table: str, fmt: str, **extra: object) -> str:
        query = {k: v for k, v in {**extra}.items() if v not in (None, "")}
        base = str(request.url_for("web_export", table=table, fmt=fmt).path)
        return f"{base}?{urlencode(query)}" if query else base

    html = environment().get_template(template).render(
        request=request, t=t, lang=t.lang, url_with=url_with, export_url=export_url,
        lang_url=url_with(lang=t.other), nav=NAV, js_strings={k: t(k) for k in JS_KEYS},
        path=request.url.path, **context,
    )
    response = HTMLResponse(html)
    if request.query_params.get("lang") in LANGUAGES:
        response.set_cookie(COOKIE, t.lang, max_age=365 * 24 * 3600, samesite="lax")
    response.headers["Content-Language"] = t.lang
    response.headers["Vary"] = "Accept-Language, Cookie"
    return response


def is_partial(request: Request) -> bool:
    """An HTMX request for a fragment (not a boosted navigation or a history restore)."""
    headers = request.headers
    return (headers.get("HX-Request") == "true" and headers.get("HX-Boosted") != "true"
            and headers.get("HX-History-Restore-Request") != "true")


def not_found(request: Request) -> HTMLResponse:
    response = render(request, "not_found.html", page="")
    response.status_code = 404
    return response


class CockpitPrivate(Exception):
    """Raised for every cockpit page when reads are closed (``OPENTRADE_PUBLIC_READ=false``) and the reader is not
    signed in with the read scope; :mod:`opentrade.web.auth_pages` turns it into a redirect to ``/login``."""


async def require_public_read(request: Request) -> None:
    if not request.app.state.access.public_read:
        from opentrade.api.deps import current_principal

        if not (await current_principal(request, None)).can("read"):
            raise CockpitPrivate


def make_router(db: Database, app: FastAPI) -> APIRouter:  # noqa: C901 - one closure per page keeps wiring readable
    router = APIRouter(include_in_schema=False, dependencies=[Depends(require_public_read)])
    taxonomy = load_taxonomy()

    # --- overview ---------------------------------------------------------------------------------------------

    @router.get("/", name="web_overview", response_class=HTMLResponse)
    def overview(request: Request) -> HTMLResponse:
        kpis = cached_kpis(request.app.state.cache, db, dt.date.today())
        synthetic = sum(1 for k in kpis if k.provenance.rests_on_synthetic)
        growth = next(k for k in kpis if k.id == "foreign_funded_revenue_growth")
        revenue = growth.provenance.details.get("revenue_yuan", {}) if growth.value is not None else {}
        years = sorted(revenue)
        trend = {
            "years": years,
            "revenue": [revenue[y] for y in years],
            "growth": [None] + [round(revenue[b] / revenue[a] - 1, 4) if revenue[a] else None
                                for a, b in zip(years, years[1:], strict=False)],
        }
        return render(request, "overview.html", page="overview", kpis=kpis, synthetic=synthetic, trend=trend,
                      as_of=dt.date.today())

    # --- enterprises ------------------------------------------------------------------------------------------

    def _filter(request: Request) -> queries.EnterpriseFilter:
        p = request.query_params
        try:
            page = int(p.get("page") or 1)
        except ValueError:
            page = 1
        return queries.EnterpriseFilter(
            q=p.get("q", ""), cluster=p.get("cluster", ""), de_category=p.get("de_category", ""),
            ownership=p.get("ownership", ""), origin=p.get("origin", ""), flag=p.get("flag", ""),
            sort=p.get("sort", "name"), desc=p.get("desc") == "1", page=page,
        ).clean()

    def _taxonomy_labels(t: Translator) -> dict[str, dict[str, str]]:
        return {
            "cluster": {c.id: t.pick(c.name_zh, c.name_en) for c in taxonomy.clusters},
            "de": {k: t.pick(v.name_zh, v.name_en) for k, v in taxonomy.digital_economy.items()},
        }

    @router.get("/enterprises", name="web_enterprises", response_class=HTMLResponse)
    def enterprises(request: Request) -> HTMLResponse:
        flt = _filter(request)
        result = queries.search_enterprises(db, flt)
        t: Translator = translator(request)
        labels = _taxonomy_labels(t)
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
    def enterprise(request: Request, uscc: str) -> Response:
        firm = queries.enterprise_detail(db, uscc)
        if firm is None:
            return not_found(request)
        return render(request, "enterprise.html", page="enterprises", firm=firm,
                      labels=_taxonomy_labels(translator(request)))

    # --- markets ----------------------------------------------------------------------------------------------

    def _market_context(request: Request) -> dict:
        t: Translator = translator(request)
        query = markets_view.parse_query(request.query_params)
        try:
            rank = markets_view.ranking(db, query)
            error = None
        except OpentradeError as exc:
            rank, error = None, str(exc)
        market = markets_view.explain(rank, request.query_params.get("iso3")) if rank else None
        return dict(
            query=query, rank=rank, error=error, market=market,
            map_data=markets_view.map_series(rank, t.lang) if rank else [],
            stability=markets_view.stability_series(rank, t.lang) if rank else None,
            waterfall=markets_view.waterfall_series(market, t.lang) if market else None,
            query_params=query.params(),
        )

    @router.get("/markets", name="web_markets", response_class=HTMLResponse)
    def markets(request: Request) -> HTMLResponse:
        cfg = markets_view.config()
        return render(request, "markets.html", page="markets", cfg=cfg, slider_max=markets_view.SLIDER_MAX,
                      regions=list(markets_view.REGION_CHOICES), **_market_context(request))

    @router.get("/markets/ranking", name="web_market_ranking", response_class=HTMLResponse)
    def market_ranking(request: Request) -> HTMLResponse:
        return render(request, "_market_results.html", **_market_context(request))

    @router.get("/markets/explain", name="web_market_explain", response_class=HTMLResponse)
    def market_explain(request: Request) -> HTMLResponse:
        return render(request, "_market_explain.html", **_market_context(request))

    @router.get("/markets/backtest", name="web_market_backtest", response_class=HTMLResponse)
    def market_backtest(request: Request) -> HTMLResponse:
        query = markets_view.parse_query(request.query_params)
        bt = markets_view.backtest_cached(query.segment, query.regions)
        return render(request, "_market_backtest.html", bt=bt, query=query,
                      points=markets_view.backtest_series(bt, translator(request).lang))

    # --- partners, heritage, events, sources, import ---------------------------------------------------------

    @router.get("/partners", name="web_partners", response_class=HTMLResponse)
    def partners(request: Request) -> HTMLResponse:
        t: Translator = translator(request)
        rows = queries.partners(db)
        countries = load_reference().countries
        cname = dict(countries.select("iso3", "name_zh" if t.lang == "zh" else "name_en").iter_rows())
        nodes = [{"id": "district", "name": t("partners.district"), "category": 0, "symbolSize": 46}]
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
                      projects=queries.projects(db), segments=operations_view.segment_names(t),
                      channels=operations_view.market_channels(rows, t))

    @router.get("/heritage", name="web_heritage", response_class=HTMLResponse)
    def heritage(request: Request) -> HTMLResponse:
        t: Translator = translator(request)
        try:
            page = int(request.query_params.get("page") or 1)
        except ValueError:
            page = 1
        status = request.query_params.get("status", "")
        result = queries.heritage_page(db, page=page, status=status)
        if is_partial(request):
            return render(request, "_heritage_table.html", result=result, status=status)
        sites = queries.heritage_all(db)
        points = [{"value": [s["lon"], s["lat"], s["floor_area_m2"] or 0], "name": t.pick(s["name_zh"], s["name_en"]),
                   "status": s["status"]} for s in sites if s["lat"] is not None and s["lon"] is not None]
        progress = [r | {"label": t(f"level.{r['level']}") if t.has(f"level.{r['level']}") else r["level"]}
                    for r in queries.restoration(db)]
        today = dt.date.today()
        return render(request, "heritage.html", page="heritage", result=result, status=status,
                      points=points, progress=progress, spaces=queries.spaces(db, today),
                      unplaced=len(sites) - len(points), as_of=today, space_kpis=space.space_kpis(db, as_of=today),
                      tenancies=queries.tenancies(db, today), allocation=operations_view.allocation(db, today),
                      clusters=operations_view.cluster_names(t), left_labels=operations_view.unassigned_labels(t))

    @router.get("/events", name="web_events", response_class=HTMLResponse)
    def events(request: Request) -> HTMLResponse:
        return render(request, "events.html", page="events", events=queries.events(db),
                      universities=queries.universities(db))

    @router.get("/sources", name="web_sources", response_class=HTMLResponse)
    def sources(request: Request) -> HTMLResponse:
        ref = load_reference()
        return render(request, "sources.html", page="sources", datasets=ref.datasets.to_dicts(),
                      indicators=ref.indicators.to_dicts(), records=queries.synthetic_counts(db),
                      runs=queries.import_runs(db), statistics=queries.statistics(db),
                      taxonomy_source=taxonomy.de_map_source, framework=taxonomy.framework_version)

    @router.get("/import", name="web_import", response_class=HTMLResponse)
    def import_page(request: Request) -> HTMLResponse:
        return render(request, "import.html", page="import", kinds=list(SPECS))

    # --- exports ----------------------------------------------------------------------------------------------

    @router.get("/export/{table}.{fmt}", name="web_export")
    def export(request: Request, table: str, fmt: str) -> Response:
        if table not in exports.TABLES or fmt not in exports.MEDIA:
            return not_found(request)
        try:
            data = exports.export_bytes(db, table, fmt, request.query_params,
                                        withhold_money=not exports.sees_money(request))
        except OpentradeError as exc:
            return Response(str(exc), status_code=400, media_type="text/plain; charset=utf-8")
        stamp = dt.date.today().isoformat()
        return Response(data, media_type=exports.MEDIA[fmt], headers={
            "Content-Disposition": f'attachment; filename="opentrade-{table}-{stamp}.{fmt}"'})

    return router


def mount_web(app: FastAPI, db: Database) -> None:
    """Add the cockpit's HTML routes and its static files (``/static``) to ``app``."""
    from fastapi.staticfiles import StaticFiles

    for lang in LANGUAGES:  # fail at start-up, not on the first request, if a catalogue is unreadable
        catalogue(lang)

    from opentrade.web import operations  # it renders through this module's render()

    app.include_router(make_router(db, app))
    app.include_router(operations.make_router(db))
    from opentrade.web.auth_pages import mount_auth  # sign-in, sign-out, the admin page

    mount_auth(app, db)
    app.mount("/static", StaticFiles(directory=Path(__file__).parent / "static"), name="web_static")
