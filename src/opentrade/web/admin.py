"""Sign-in, sign-out and the administration page of the cockpit.

* ``GET/POST /login``: user name and password (argon2, throttled: see :mod:`opentrade.services.auth`); the form
  carries a CSRF token from its own signed cookie; success sets the signed session cookie and redirects.
* ``POST /logout``: ends the session (CSRF-checked like every form that posts).
* ``GET /admin``: users, API tokens and the audit log (admin role); ``/admin/audit.csv|xlsx`` exports it.

Also: a closed cockpit (``OPENTRADE_PUBLIC_READ=false``) sends readers without the read scope to ``/login``
(:func:`to_login`, installed by :func:`opentrade.web.mount_web`).
"""

from __future__ import annotations

import datetime as dt

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from opentrade.errors import LoginRefused
from opentrade.http.access import Db, client_ip
from opentrade.http.sessions import CSRF_FIELD
from opentrade.services import auth
from opentrade.services.audit_log import ACTIONS, AuditFilter, audit_frame, audit_page
from opentrade.services.exporter import download
from opentrade.web.params import page_param
from opentrade.web.rendering import cookies as _cookies
from opentrade.web.rendering import is_partial, login_url, page_principal, render, text_error, translator

AUDIT_PAGE = 50
MAX_FORM_BYTES = 16 * 1024


def safe_next(target: str | None) -> str:
    """Only a path on this site (no scheme, no //host): never an open redirect."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


async def _form(request: Request) -> dict[str, str]:
    if int(request.headers.get("content-length") or 0) > MAX_FORM_BYTES:
        return {}
    form = await request.form(max_files=0, max_fields=20)
    return {k: v for k, v in form.items() if isinstance(v, str)}


def login_page(request: Request, *, error: str | None = None, username: str = "", status: int = 200,
               headers: dict[str, str] | None = None, next_url: str | None = None) -> HTMLResponse:
    cookies = _cookies(request)
    response = render(request, "login.html", page="", next=safe_next(next_url or request.query_params.get("next")),
                      error=error, username=username, csrf=cookies.token_for(request))
    cookies.remember(request, response)
    response.headers["Cache-Control"] = "no-store"
    response.status_code = status
    response.headers.update(headers or {})
    return response


router = APIRouter(include_in_schema=False)


@router.get("/login", name="web_login", response_class=HTMLResponse)
def login_form(request: Request) -> HTMLResponse:
    return login_page(request)


@router.post("/login", name="web_login_post")
async def login(request: Request, db: Db) -> Response:
    form = await _form(request)
    next_url = safe_next(form.get("next"))
    t = translator(request)
    if not _cookies(request).csrf_ok(request, form.get(CSRF_FIELD)):
        return await run_in_threadpool(lambda: login_page(request, error=t("auth.csrf"), status=403,
                                                          next_url=next_url))
    username, password = form.get("username", "").strip()[:200], form.get("password", "")
    try:
        principal, stamp = await run_in_threadpool(auth.authenticate, db, username, password,
                                                   ip=client_ip(request))
    except LoginRefused as exc:
        status, headers = (401, None) if exc.reason == "invalid" else (429, {"Retry-After": str(exc.retry_after)})
        minutes = max(1, (exc.retry_after + 59) // 60)
        error = t("auth.invalid") if exc.reason == "invalid" else t(f"auth.{exc.reason}", minutes=minutes)
        return await run_in_threadpool(lambda: login_page(request, error=error, username=username,
                                                          status=status, headers=headers, next_url=next_url))
    response = RedirectResponse(next_url, status_code=303)
    assert principal.user_id is not None  # a password sign-in is a user's
    _cookies(request).start(response, principal.user_id, stamp)
    return response


@router.post("/logout", name="web_logout")
async def logout(request: Request, db: Db) -> Response:
    form = await _form(request)
    if not _cookies(request).csrf_ok(request, form.get(CSRF_FIELD)):
        t = translator(request)
        return await run_in_threadpool(lambda: login_page(request, error=t("auth.csrf"), status=403))
    principal = await run_in_threadpool(page_principal, request)
    if principal.signed_in:
        await run_in_threadpool(auth.record_logout, db, principal, ip=client_ip(request))
    response = RedirectResponse("/", status_code=303)
    _cookies(request).end(response)
    return response


def _admin_or_redirect(request: Request) -> Response | None:
    principal = page_principal(request)
    if not principal.signed_in:
        return RedirectResponse(login_url(request), status_code=303)
    if not principal.can("admin"):
        response = render(request, "admin.html", page="", forbidden=True, users=[], tokens=[], entries=[],
                          total=0, action="", page_no=1, pages=1, actions=ACTIONS)
        response.status_code = 403
        return response
    return None


@router.get("/admin", name="web_admin", response_class=HTMLResponse)
def admin_page(request: Request, db: Db) -> Response:
    refused = _admin_or_redirect(request)
    if refused is not None:
        return refused
    action = request.query_params.get("action", "")
    action = action if action in ACTIONS else ""
    page_no = page_param(request.query_params, most=1_000_000)
    entries = audit_page(db, AuditFilter(action=action or None), page=page_no, page_size=AUDIT_PAGE)
    return render(request, "admin.html", page="", forbidden=False, users=auth.list_users(db),
                  tokens=auth.list_tokens(db), entries=entries.items, total=entries.total, action=action, page_no=page_no,
                  pages=entries.pages, actions=ACTIONS)


@router.get("/admin/audit.{fmt}", name="web_admin_audit")
def admin_audit(request: Request, fmt: str, db: Db) -> Response:
    refused = _admin_or_redirect(request)
    if refused is not None:
        return refused
    if fmt not in ("csv", "xlsx"):
        return text_error("csv or xlsx", 404)
    action = request.query_params.get("action") or None
    frame = audit_frame(db, AuditFilter(action=action if action in ACTIONS else None))
    data, media, name = download(frame, fmt=fmt, name=f"opentrade-audit-{dt.date.today().isoformat()}")
    return Response(data, media_type=media, headers={"Content-Disposition": f'attachment; filename="{name}"'})



async def to_login(request: Request, _exc: Exception) -> Response:
    """Closed cockpit, reader without the read scope: to the sign-in page, then back here."""
    target = login_url(request)
    if is_partial(request):  # an HTMX fragment request: have htmx load the whole sign-in page
        return Response(status_code=204, headers={"HX-Redirect": target})
    return RedirectResponse(target, status_code=303)
