"""The cockpit's signed cookies: the session (who is signed in) and the CSRF token of the sign-in form.

Both are signed with ``OPENTRADE_SECRET_KEY`` (itsdangerous, HMAC-SHA1 of the payload with a per-purpose salt);
when unset, a key is generated once and kept in ``<data_dir>/secret_key`` (mode 0600). Cookies are HttpOnly,
SameSite=Lax, and Secure when ``OPENTRADE_COOKIE_SECURE`` is on.

CSRF: a signed-in session carries its own random CSRF token (forms send it in ``csrf_token``, scripts in the
``X-CSRF-Token`` header), bound to that session; before sign-in, the login form's token sits in its own cookie
(double submit). Both are compared in constant time.
"""

from __future__ import annotations

import logging
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from itsdangerous import BadSignature, URLSafeSerializer, URLSafeTimedSerializer
from starlette.requests import Request
from starlette.responses import Response

from opentrade.config import Settings
from opentrade.errors import ConfigError

log = logging.getLogger(__name__)

SESSION_COOKIE = "opentrade_session"
CSRF_COOKIE = "opentrade_csrf"
CSRF_HEADER = "X-CSRF-Token"
CSRF_FIELD = "csrf_token"
SECRET_FILE = "secret_key"


def load_secret(settings: Settings) -> str:
    """The configured key, else the one in the data folder (created with mode 0600 on first use)."""
    if settings.secret_key is not None and settings.secret_key.get_secret_value():
        key = settings.secret_key.get_secret_value()
        if len(key) < 32:
            raise ConfigError("OPENTRADE_SECRET_KEY must be at least 32 characters")
        return key
    path = Path(settings.data_dir) / SECRET_FILE
    for _attempt in range(2):
        if path.exists():
            key = path.read_text(encoding="ascii").strip()
            if len(key) < 32:
                raise ConfigError(f"{path} holds no usable key: delete it to have a new one made")
            return key
        try:
            _create_secret(path)
        except FileExistsError:  # another worker made it first: read theirs
            continue
        except OSError as exc:
            # A read-only data folder: sessions then last as long as this process (all sign in again on restart).
            log.warning("cannot keep a secret key in %s (%s): using a key for this process only", path, exc)
            return secrets.token_urlsafe(48)
    raise ConfigError(f"cannot read or create {path}")  # pragma: no cover - it vanished between two looks


def _create_secret(path: Path) -> None:
    """Written whole to a private file first, then linked into place: several workers starting at once never read
    a half-written key, and the first link wins (FileExistsError for the others)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="ascii") as fh:
            fh.write(secrets.token_urlsafe(48) + "\n")
            fh.flush()
            os.fsync(fh.fileno())
        os.link(temp, path)
    finally:
        temp.unlink(missing_ok=True)


@dataclass(frozen=True)
class Session:
    user_id: int
    stamp: str  # the password stamp: a new password ends the session
    csrf: str


class Cookies:
    def __init__(self, settings: Settings):
        secret = load_secret(settings)
        self._session = URLSafeTimedSerializer(secret, salt="opentrade.session")
        self._csrf = URLSafeSerializer(secret, salt="opentrade.csrf")
        self.max_age = settings.session_hours * 3600
        self.secure = settings.cookie_secure

    def _set(self, response: Response, name: str, value: str, max_age: int | None) -> None:
        response.set_cookie(name, value, max_age=max_age, httponly=True, samesite="lax", secure=self.secure,
                            path="/")

    # --- the session ---------------------------------------------------------------------------------------------

    def start(self, response: Response, user_id: int, stamp: str) -> Session:
        session = Session(user_id, stamp, secrets.token_urlsafe(32))
        value = self._session.dumps({"u": user_id, "p": stamp, "c": session.csrf})
        self._set(response, SESSION_COOKIE, value, self.max_age)
        response.delete_cookie(CSRF_COOKIE, path="/")
        return session

    def end(self, response: Response) -> None:
        response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="lax", secure=self.secure)

    def session(self, request: Request) -> Session | None:
        raw = request.cookies.get(SESSION_COOKIE)
        if not raw or len(raw) > 4096:
            return None
        try:
            data = self._session.loads(raw, max_age=self.max_age)
            return Session(int(data["u"]), str(data["p"]), str(data["c"]))
        except (BadSignature, KeyError, TypeError, ValueError):
            return None

    # --- the sign-in form's CSRF token ---------------------------------------------------------------------------

    def token_for(self, request: Request) -> str:
        """The CSRF token a form on this page must send: the session's when there is a (signed) session cookie,
        else the sign-in form cookie's, else a new one — which :meth:`remember` then sets on the response."""
        session = self.session(request)
        if session is not None:
            return session.csrf
        token = self._form_cookie(request) or getattr(request.state, "new_csrf", None)
        if token is None:
            token = request.state.new_csrf = secrets.token_urlsafe(32)
        return token

    def remember(self, request: Request, response: Response) -> None:
        token = getattr(request.state, "new_csrf", None)
        if token is not None:
            self._set(response, CSRF_COOKIE, self._csrf.dumps(token), None)

    def _form_cookie(self, request: Request) -> str | None:
        raw = request.cookies.get(CSRF_COOKIE)
        if not raw or len(raw) > 1024:
            return None
        try:
            return str(self._csrf.loads(raw))
        except BadSignature:
            return None

    def csrf_ok(self, request: Request, offered: str | None) -> bool:
        """``offered`` matches the session's token (signed in) or the form cookie's (not yet)."""
        if not offered:
            return False
        session = self.session(request)
        expected = session.csrf if session is not None else self._form_cookie(request)
        return expected is not None and secrets.compare_digest(offered.encode(), expected.encode())
