"""Everything a cockpit page is rendered with: the request's language, the one template environment, ``render``,
fragments (HTMX), the not-found and bad-request answers, the templates' ``auth``, and the closed-cockpit guard.

Feature routers (``web/<feature>.py``) import this module and the dependencies of :mod:`opentrade.http.access`;
nothing here imports a feature router.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import HTMLResponse, Response
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from opentrade import __version__
from opentrade.http.access import current_principal, principal_of
from opentrade.http.disclosure import sees_firm_money
from opentrade.http.errors import ApiError
from opentrade.http.sessions import Cookies
from opentrade.i18n import COOKIE, LANGUAGES, Translator, negotiate
from opentrade.services import auth

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


# --- who is reading -------------------------------------------------------------------------------------------


def page_principal(request: Request) -> auth.Principal:
    """The cockpit's principal (cookie only: a stray Authorization header does not sign a browser in)."""
    try:
        return principal_of(request)
    except ApiError:
        return auth.ANONYMOUS


def cookies(request: Request) -> Cookies:
    return request.app.state.cookies


class TemplateAuth:
    """``auth`` in templates."""

    @staticmethod
    def principal(request: Request) -> auth.Principal:
        return page_principal(request)

    @staticmethod
    def csrf(request: Request) -> str:
        return cookies(request).token_for(request) if page_principal(request).signed_in else ""

    @staticmethod
    def sees_money(request: Request) -> bool:
        return sees_firm_money(page_principal(request))


class CockpitPrivate(Exception):
    """Raised for every cockpit page when reads are closed (``OPENTRADE_PUBLIC_READ=false``) and the reader is not
    signed in with the read scope; :mod:`opentrade.web.admin` turns it into a redirect to ``/login``."""


async def require_public_read(request: Request) -> None:
    if not request.app.state.access.public_read:
        if not (await current_principal(request, None)).can("read"):
            raise CockpitPrivate


# --- rendering ------------------------------------------------------------------------------------------------


def build_environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(["html", "xml"], default_for_string=True, default=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals["version"] = __version__
    env.globals["auth"] = TemplateAuth()
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


def bad_request(request: Request, message: str) -> Response:
    t: Translator = translator(request)
    return Response(f"{t('ops.bad_request')}: {message}", status_code=400, media_type="text/plain; charset=utf-8")


def text_error(message: str, status: int = 400) -> Response:
    return Response(message, status_code=status, media_type="text/plain; charset=utf-8")


def login_url(request: Request) -> str:
    here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return "/login?" + urlencode({"next": here})
