"""Request dependencies of both edges: the database (``Db``), the settings (``Conf``), and who is asking (the principal) with what they may do.

A principal comes from ``Authorization: Bearer <token>`` — an API token of a user (its scopes, within the user's
role), or the legacy ``OPENTRADE_ADMIN_TOKEN`` (an admin) — else from the cockpit's session cookie, else it is
anonymous. ``require(scope)`` guards an endpoint: read (viewer+), import and edit (analyst+), admin (admin).
Missing credentials → 401; credentials that do not verify, or lack the scope → 403 (the JSON error shape).
A cookie-authenticated write must also send the session's CSRF token in ``X-CSRF-Token``.

Tokens are kept only as SHA-256 digests: the legacy one compared in constant time (``hmac.compare_digest``), user
tokens looked up by digest (:mod:`opentrade.services.auth`).
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from opentrade.config import Settings
from opentrade.errors import ConfigError
from opentrade.http.errors import ApiError
from opentrade.http.sessions import CSRF_HEADER, SESSION_COOKIE, Cookies
from opentrade.options import Options
from opentrade.services import auth
from opentrade.services.auth import ANONYMOUS, SCOPES, Principal
from opentrade.store.db import Database

bearer = HTTPBearer(auto_error=False, scheme_name="bearerToken",
                    description="An API token (`opentrade users token …`, or POST /api/v1/tokens), or the legacy "
                                "admin token of the settings (OPENTRADE_ADMIN_TOKEN).")
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
LEGACY = Principal(actor="admin-token", scopes=frozenset(SCOPES), kind="legacy", role="admin")


class AccessPolicy:
    def __init__(self, settings: Settings):
        digest: bytes | None = None
        if settings.admin_token_sha256:
            try:
                digest = bytes.fromhex(settings.admin_token_sha256.strip())
            except ValueError:
                digest = b""
            if len(digest) != 32:
                raise ConfigError("OPENTRADE_ADMIN_TOKEN_SHA256 must be a SHA-256 digest: 64 hexadecimal digits")
        elif settings.admin_token is not None and settings.admin_token.get_secret_value():
            digest = hashlib.sha256(settings.admin_token.get_secret_value().encode()).digest()
        self._digest = digest
        self.public_read = settings.public_read

    def legacy(self, token: str) -> bool:
        """Is ``token`` the legacy admin token of the settings?"""
        if not self._digest:
            return False
        return hmac.compare_digest(hashlib.sha256(token.encode()).digest(), self._digest)


# Dependencies are async: a plain `def` dependency costs a hop to the thread pool on every request. Only requests
# with credentials touch the database (a token lookup, a session's user), and those go to the pool.


async def get_db(request: Request) -> Database:
    return request.app.state.db


async def get_settings(request: Request) -> Settings:
    return request.app.state.settings


Db = Annotated[Database, Depends(get_db)]
Conf = Annotated[Settings, Depends(get_settings)]


def client_ip(request: Request) -> str | None:
    return request.client.host if request.client else None


def _from_credentials(request: Request, credentials: HTTPAuthorizationCredentials | None) -> Principal:
    """Sync: may query the database."""
    if credentials is not None and credentials.credentials:
        token = credentials.credentials
        if request.app.state.access.legacy(token):
            return LEGACY
        if len(token) > 512:
            raise ApiError(403, "invalid token")
        try:
            return auth.verify_token(request.app.state.db, token)
        except auth.TokenRefused as exc:
            raise ApiError(403, str(exc)) from None
    cookies: Cookies | None = getattr(request.app.state, "cookies", None)
    session = cookies.session(request) if cookies is not None else None
    if session is not None:
        return auth.session_principal(request.app.state.db, session.user_id, session.stamp) or ANONYMOUS
    return ANONYMOUS


def principal_of(request: Request, credentials: HTTPAuthorizationCredentials | None = None) -> Principal:
    """The request's principal, resolved once per request (sync; the web pages call this from their handlers)."""
    found = getattr(request.state, "principal", None)
    if found is None:
        found = _from_credentials(request, credentials)
        request.state.principal = found
    return found


def _has_credentials(request: Request, credentials: HTTPAuthorizationCredentials | None) -> bool:
    return bool(credentials and credentials.credentials) or SESSION_COOKIE in request.cookies


async def current_principal(request: Request,
                            credentials: HTTPAuthorizationCredentials | None = Depends(bearer)) -> Principal:
    """Who is asking (anonymous without credentials); a token that does not verify is a 403."""
    found = getattr(request.state, "principal", None)
    if found is not None:
        return found
    if not _has_credentials(request, credentials):
        request.state.principal = ANONYMOUS
        return ANONYMOUS
    return await run_in_threadpool(principal_of, request, credentials)


def request_options(request: Request, principal: Principal = Depends(current_principal)) -> Options:
    """The request's :class:`~opentrade.options.Options`: the application's, with who asks and from where."""
    base: Options = request.app.state.options
    return base.replace(actor=principal.actor, ip=client_ip(request))


Opts = Annotated[Options, Depends(request_options)]


async def app_options(request: Request) -> Options:
    """The application's options alone (reads that record no actor; no credentials are looked at)."""
    return request.app.state.options


AppOpts = Annotated[Options, Depends(app_options)]


def _check(request: Request, principal: Principal, scope: str, action: str) -> None:
    if not principal.can(scope):
        if not principal.signed_in:
            raise ApiError(401, f"{action} needs credentials: send 'Authorization: Bearer <token>' or sign in",
                           headers={"WWW-Authenticate": "Bearer"})
        raise ApiError(403, f"{action} needs the '{scope}' scope, which {principal.actor} does not have")
    if principal.kind == "session" and request.method not in SAFE_METHODS:
        cookies: Cookies = request.app.state.cookies
        if not cookies.csrf_ok(request, request.headers.get(CSRF_HEADER)):
            raise ApiError(403, f"CSRF token missing or wrong: send the page's token in {CSRF_HEADER}")


def require(scope: str, *, action: str | None = None) -> Callable[..., Awaitable[Principal]]:
    """A dependency that lets through principals with ``scope`` and returns the principal."""
    if scope not in SCOPES:
        raise ValueError(scope)
    what = action or {"read": "reading", "import": "importing", "edit": "editing", "admin": "administration"}[scope]

    async def dependency(request: Request, principal: Principal = Depends(current_principal)) -> Principal:
        _check(request, principal, scope, what)
        return principal

    dependency.__name__ = f"require_{scope}"
    return dependency


require_import = require("import")
require_edit = require("edit")
require_admin = require("admin")


async def require_read(request: Request, principal: Principal = Depends(current_principal)) -> Principal:
    """Reads: anyone when OPENTRADE_PUBLIC_READ is on (anonymous readers see no firm-level money), else 'read'."""
    policy: AccessPolicy = request.app.state.access
    if not policy.public_read:
        _check(request, principal, "read", "reading (OPENTRADE_PUBLIC_READ is off)")
    return principal


