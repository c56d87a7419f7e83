"""Users, roles, API tokens and sign-in.

* Roles grant scopes: viewer {read}; analyst {read, import, edit}; admin {read, import, edit, admin}. The admin
  scope implies every other. A token carries its own scopes, never more than its user's role grants — checked when
  it is made and again on every use (a later demotion narrows old tokens at once).
* Passwords are argon2id hashes (argon2-cffi; rehashed on sign-in when the parameters change). Tokens are 32
  random bytes shown once; only their SHA-256 is stored, looked up by that digest.
* Sign-in throttling, two layers: per user in the database (5 failures in a row lock the account for 15 minutes;
  shared by every server process, survives restarts) and per client IP in this process (a sliding window of
  failures, which also covers guessing across many user names).

Every change is audited in its own transaction (:mod:`opentrade.store.audit`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Connection, insert, select, update

from opentrade.domain.vocabulary import Role, Scope, values
from opentrade.errors import ConfigError, LoginRefused, NotFound, TokenRefused
from opentrade.store import audit, revision
from opentrade.store.db import Database
from opentrade.store.models import ApiToken, AppUser, table_of

U, T = table_of(AppUser), table_of(ApiToken)
ROLES: tuple[str, ...] = values(Role)
SCOPES: tuple[str, ...] = values(Scope)
ROLE_SCOPES: dict[str, frozenset[str]] = {
    Role.VIEWER: frozenset({Scope.READ.value}),
    Role.ANALYST: frozenset({Scope.READ.value, Scope.IMPORT.value, Scope.EDIT.value}),
    Role.ADMIN: frozenset(SCOPES),
}
USERNAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.@-]{0,63}$")
MIN_PASSWORD = 10
MAX_PASSWORD = 1024  # argon2 takes any length; this only bounds the work an anonymous request can cause
LOCK_AFTER = 5
LOCK_FOR = dt.timedelta(minutes=15)
IP_WINDOW_SECONDS = 15 * 60
IP_MAX_FAILURES = 20
TOKEN_PREFIX = "ot_"
TOUCH_EVERY = dt.timedelta(minutes=5)  # last_used_at is written at most this often per token

_hasher = PasswordHasher()


@dataclass(frozen=True)
class Principal:
    """Who is asking, and what they may do. ``actor`` is what the audit log records."""

    actor: str
    scopes: frozenset[str] = frozenset()
    kind: str = "anonymous"  # anonymous | session | token | legacy | cli
    user_id: int | None = None
    username: str | None = None
    role: str | None = None
    display_name: str | None = None
    token_id: int | None = None

    def can(self, scope: str) -> bool:
        return scope in self.scopes or "admin" in self.scopes

    @property
    def signed_in(self) -> bool:
        return self.kind != "anonymous"


ANONYMOUS = Principal("anonymous")


def _now() -> dt.datetime:
    return audit.now()


def _writing(db: Database):
    return db.engine.begin()


def _user(conn: Connection, username: str) -> Any:
    row = conn.execute(select(U).where(U.c.username == username)).one_or_none()
    if row is None:
        raise NotFound(f"no user named {username!r}")
    return row


def _public(row: Any) -> dict[str, Any]:
    return {k: row._mapping[k] for k in ("id", "username", "display_name", "role", "active", "created_at",
                                         "last_login_at", "failed_logins", "locked_until")}


def check_role(role: str) -> str:
    if role not in ROLES:
        raise ConfigError(f"unknown role {role!r}; choose one of: {', '.join(ROLES)}")
    return role


def _check_password(password: str) -> None:
    if not MIN_PASSWORD <= len(password) <= MAX_PASSWORD:
        raise ConfigError(f"a password needs {MIN_PASSWORD} to {MAX_PASSWORD} characters")


def password_stamp(password_hash: str | None) -> str:
    """A short fingerprint of the password hash: sessions carry it, so a new password ends old sessions."""
    return hashlib.sha256((password_hash or "").encode()).hexdigest()[:16]


# --- users --------------------------------------------------------------------------------------------------------


def add_user(db: Database, username: str, *, role: str, password: str | None = None,
             display_name: str | None = None, actor: str, ip: str | None = None) -> dict[str, Any]:
    """A new active user; without a password it can hold API tokens but not sign in."""
    if not USERNAME.match(username):
        raise ConfigError("a user name is 1-64 letters, digits or . _ @ - (starting with a letter or digit)")
    check_role(role)
    if password is not None:
        _check_password(password)
    digest = _hasher.hash(password) if password is not None else None
    with _writing(db) as conn:
        if conn.execute(select(U.c.id).where(U.c.username == username)).first() is not None:
            raise ConfigError(f"a user named {username!r} exists already")
        user_id = conn.execute(insert(U).values(username=username, display_name=display_name, role=role,
                                                password_hash=digest, active=True, created_at=_now(),
                                                failed_logins=0)).inserted_primary_key[0]
        audit.record(conn, actor=actor, action="user_added", entity="app_user", entity_id=user_id, ip=ip,
                     after={"username": username, "role": role, "display_name": display_name,
                            "can_sign_in": digest is not None})
        revision.bump(conn)
        return _public(conn.execute(select(U).where(U.c.id == user_id)).one())


def list_users(db: Database) -> list[dict[str, Any]]:
    with db.engine.connect() as conn:
        return [_public(r) for r in conn.execute(select(U).order_by(U.c.username))]


def disable_user(db: Database, username: str, *, actor: str, ip: str | None = None) -> dict[str, Any]:
    """Disabled users cannot sign in; their sessions and tokens stop working on the next request."""
    with _writing(db) as conn:
        row = _user(conn, username)
        conn.execute(update(U).where(U.c.id == row.id).values(active=False))
        audit.record(conn, actor=actor, action="user_disabled", entity="app_user", entity_id=row.id, ip=ip,
                     before={"username": username, "active": row.active}, after={"active": False})
        revision.bump(conn)
        return _public(conn.execute(select(U).where(U.c.id == row.id)).one())


def set_password(db: Database, username: str, password: str, *, actor: str, ip: str | None = None) -> None:
    _check_password(password)
    digest = _hasher.hash(password)
    with _writing(db) as conn:
        row = _user(conn, username)
        conn.execute(update(U).where(U.c.id == row.id).values(password_hash=digest, failed_logins=0,
                                                               locked_until=None))
        audit.record(conn, actor=actor, action="password_set", entity="app_user", entity_id=row.id, ip=ip,
                     detail=f"password of {username} set")
        revision.bump(conn)


# --- sign-in ------------------------------------------------------------------------------------------------------


@dataclass
class SlidingWindow:
    """Failures per key (client IP) within the last ``seconds``; in-process, so each server process counts its
    own (the per-user lock in the database is the shared one)."""

    limit: int = IP_MAX_FAILURES
    seconds: float = IP_WINDOW_SECONDS
    max_keys: int = 10_000
    _events: dict[str, deque[float]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def _trim(self, key: str, now: float) -> deque[float]:
        events = self._events.get(key, deque())
        while events and events[0] <= now - self.seconds:
            events.popleft()
        return events

    def retry_after(self, key: str) -> int:
        """Seconds until ``key`` may try again (0: now)."""
        now = time.monotonic()
        with self._lock:
            events = self._trim(key, now)
            return int(events[0] + self.seconds - now) + 1 if len(events) >= self.limit else 0

    def hit(self, key: str) -> None:
        now = time.monotonic()
        with self._lock:
            if key not in self._events and len(self._events) >= self.max_keys:
                for k in [k for k in self._events if not self._trim(k, now)]:
                    del self._events[k]
                if len(self._events) >= self.max_keys:  # still full: forget the oldest address
                    del self._events[next(iter(self._events))]
            events = self._trim(key, now)
            events.append(now)
            self._events[key] = events

    def clear(self) -> None:
        with self._lock:
            self._events.clear()


ip_failures = SlidingWindow()
_DUMMY_HASH: str | None = None


def _waste_time(password: str) -> None:
    """Verify against a throw-away hash, so an unknown user name costs as long as a wrong password."""
    global _DUMMY_HASH
    if _DUMMY_HASH is None:
        _DUMMY_HASH = _hasher.hash(secrets.token_hex(16))
    try:
        _hasher.verify(_DUMMY_HASH, password)
    except VerificationError:
        pass


def authenticate(db: Database, username: str, password: str, *, ip: str | None = None,
                 window: SlidingWindow | None = None) -> tuple[Principal, str]:
    """Check a user name and password; record the attempt. Returns the principal and its password stamp (for the
    session); raises :class:`LoginRefused`."""
    window = window or ip_failures
    key = ip or "-"
    wait = window.retry_after(key)
    if wait:
        _failed(db, None, username, ip, "throttled: too many failures from this address")
        raise LoginRefused("throttled", wait)
    password = password[:MAX_PASSWORD + 1]
    with db.engine.connect() as conn:
        row = conn.execute(select(U).where(U.c.username == username)).one_or_none()
    now = _now()
    if row is not None and row.locked_until is not None and row.locked_until > now:
        window.hit(key)
        _failed(db, row, username, ip, "account locked")
        raise LoginRefused("locked", int((row.locked_until - now).total_seconds()) + 1)
    ok = False
    if row is None or row.password_hash is None or not row.active:
        _waste_time(password)
    else:
        try:
            ok = _hasher.verify(row.password_hash, password)
        except (VerificationError, InvalidHashError):
            ok = False
    if not ok or row is None:
        window.hit(key)
        reason = ("unknown user" if row is None else "disabled user" if not row.active
                  else "no password set" if row.password_hash is None else "wrong password")
        _failed(db, row, username, ip, reason)
        raise LoginRefused("invalid")
    values: dict[str, Any] = {"last_login_at": now, "failed_logins": 0, "locked_until": None}
    if _hasher.check_needs_rehash(row.password_hash):
        values["password_hash"] = _hasher.hash(password)
    with _writing(db) as conn:
        conn.execute(update(U).where(U.c.id == row.id).values(**values))
        audit.record(conn, actor=row.username, action="login", entity="app_user", entity_id=row.id, ip=ip)
    return _principal(row, kind="session"), password_stamp(values.get("password_hash", row.password_hash))


def _failed(db: Database, row: Any, username: str, ip: str | None, reason: str) -> None:
    """Count the failure against the user (locking it after LOCK_AFTER in a row) and audit it."""
    with _writing(db) as conn:
        detail = f"{reason} (user name {username[:64]!r})"
        if row is not None and reason == "wrong password":
            # One atomic increment: concurrent failures each count.
            conn.execute(update(U).where(U.c.id == row.id).values(failed_logins=U.c.failed_logins + 1))
            failures = conn.execute(select(U.c.failed_logins).where(U.c.id == row.id)).scalar_one()
            if failures >= LOCK_AFTER:
                conn.execute(update(U).where(U.c.id == row.id)
                             .values(failed_logins=0, locked_until=_now() + LOCK_FOR))
                detail += f"; {failures} failures in a row: locked for {LOCK_FOR.seconds // 60} minutes"
        audit.record(conn, actor=username[:64] or "anonymous", action="login_failed", entity="app_user",
                     entity_id=None if row is None else row.id, ip=ip, detail=detail)


def _principal(row: Any, *, kind: str, scopes: frozenset[str] | None = None, actor: str | None = None,
               token_id: int | None = None, user_id: int | None = None) -> Principal:
    """``row``: a user row (or a token row joined with its user's columns, with ``user_id``)."""
    role_scopes = ROLE_SCOPES.get(row.role, frozenset())
    return Principal(actor=actor or row.username, scopes=role_scopes if scopes is None else scopes & role_scopes,
                     kind=kind, user_id=user_id or row.id, username=row.username, role=row.role,
                     display_name=row.display_name, token_id=token_id)


def session_principal(db: Database, user_id: int, stamp: str) -> Principal | None:
    """The signed-in user of a session cookie, if still active and on the same password."""
    with db.engine.connect() as conn:
        row = conn.execute(select(U).where(U.c.id == user_id)).one_or_none()
    if row is None or not row.active or row.password_hash is None \
            or not secrets.compare_digest(password_stamp(row.password_hash), stamp):
        return None
    return _principal(row, kind="session")


def record_logout(db: Database, principal: Principal, *, ip: str | None = None) -> None:
    with _writing(db) as conn:
        audit.record(conn, actor=principal.actor, action="logout", entity="app_user",
                     entity_id=principal.user_id, ip=ip)


# --- tokens -------------------------------------------------------------------------------------------------------


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def parse_scopes(scopes: list[str] | tuple[str, ...] | str) -> frozenset[str]:
    items = scopes.replace(",", ";").split(";") if isinstance(scopes, str) else scopes
    chosen = frozenset(s.strip().lower() for s in items if s and s.strip())
    unknown = sorted(chosen - set(SCOPES))
    if unknown or not chosen:
        raise ConfigError(f"scopes must be some of: {', '.join(SCOPES)}" + (f" (not {', '.join(unknown)})"
                                                                           if unknown else ""))
    return chosen


def create_token(db: Database, username: str, *, name: str, scopes: list[str] | tuple[str, ...] | str,
                 expires_in: dt.timedelta | None = None, actor: str, ip: str | None = None) -> tuple[str, dict]:
    """A new token for ``username``: (the token — shown this once, never stored —, its record)."""
    chosen = parse_scopes(scopes)
    name = name.strip()
    if not 1 <= len(name) <= 100:
        raise ConfigError("a token name is 1-100 characters")
    if expires_in is not None and expires_in <= dt.timedelta(0):
        raise ConfigError("a token's lifetime must be positive")
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    with _writing(db) as conn:
        user = _user(conn, username)
        if not user.active:
            raise ConfigError(f"user {username!r} is disabled")
        beyond = sorted(chosen - ROLE_SCOPES[user.role])
        if beyond:
            raise ConfigError(f"the role {user.role} of {username!r} does not grant: {', '.join(beyond)}")
        now = _now()
        values = {"user_id": user.id, "name": name, "token_sha256": token_digest(token),
                  "scopes": ";".join(s for s in SCOPES if s in chosen), "created_at": now,
                  "expires_at": now + expires_in if expires_in is not None else None}
        token_id = conn.execute(insert(T).values(**values)).inserted_primary_key[0]
        record = {"id": token_id, "username": username, "name": name, "scopes": values["scopes"].split(";"),
                  "created_at": now, "expires_at": values["expires_at"], "revoked_at": None, "last_used_at": None}
        audit.record(conn, actor=actor, action="token_created", entity="api_token", entity_id=token_id, ip=ip,
                     after={k: v for k, v in record.items() if k != "id"})
        revision.bump(conn)
    return token, record


def list_tokens(db: Database, username: str | None = None) -> list[dict[str, Any]]:
    stmt = (select(T.c.id, U.c.username, T.c.name, T.c.scopes, T.c.created_at, T.c.expires_at, T.c.revoked_at,
                   T.c.last_used_at).join(U, U.c.id == T.c.user_id).order_by(T.c.id))
    if username:
        stmt = stmt.where(U.c.username == username)
    with db.engine.connect() as conn:
        return [{**r._asdict(), "scopes": r.scopes.split(";")} for r in conn.execute(stmt)]


def revoke_token(db: Database, token_id: int, *, actor: str, ip: str | None = None) -> dict[str, Any]:
    with _writing(db) as conn:
        row = conn.execute(select(T).where(T.c.id == token_id)).one_or_none()
        if row is None:
            raise NotFound(f"no API token with id {token_id}")
        if row.revoked_at is None:
            when = _now()
            conn.execute(update(T).where(T.c.id == token_id).values(revoked_at=when))
            audit.record(conn, actor=actor, action="token_revoked", entity="api_token", entity_id=token_id, ip=ip,
                         before={"name": row.name, "revoked_at": None}, after={"revoked_at": when})
            revision.bump(conn)
    return next(t for t in list_tokens(db) if t["id"] == token_id)


def verify_token(db: Database, token: str) -> Principal:
    """The principal of a bearer token. Raises :class:`TokenRefused` (unknown, revoked, expired, user disabled)."""
    digest = token_digest(token)
    with db.engine.connect() as conn:
        row = conn.execute(select(T, U.c.username, U.c.role, U.c.active, U.c.display_name)
                           .join(U, U.c.id == T.c.user_id).where(T.c.token_sha256 == digest)).one_or_none()
    if row is None:
        raise TokenRefused("invalid token")
    now = _now()
    if row.revoked_at is not None:
        raise TokenRefused("the token has been revoked")
    if row.expires_at is not None and row.expires_at <= now:
        raise TokenRefused("the token has expired")
    if not row.active:
        raise TokenRefused("the token's user is disabled")
    if row.last_used_at is None or now - row.last_used_at >= TOUCH_EVERY:
        # Bookkeeping, not content: no audit entry, no registry revision.
        with _writing(db) as conn:
            conn.execute(update(T).where(T.c.id == row.id).values(last_used_at=now))
    return _principal(row, kind="token", scopes=frozenset(row.scopes.split(";")), token_id=row.id,
                      user_id=row.user_id, actor=f"{row.username}/token:{row.name}")
