"""Administration (admin scope): users, API tokens and the audit log; plus ``/whoami`` for any caller.

The audit log is read-only here as everywhere: list (paged, filtered) and export (CSV/XLSX through
:func:`opentrade.services.exporter.write_frame`, which escapes cells beginning with = + - @).
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi import Path as PathParam
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field

from opentrade.api.params import page_body
from opentrade.api.schemas import Page
from opentrade.domain.vocabulary import Role, Scope
from opentrade.http.access import Db, client_ip, current_principal, require_admin
from opentrade.services import auth
from opentrade.services.audit_log import audit_frame, audit_page
from opentrade.services.auth import Principal
from opentrade.services.exporter import MEDIA, download
from opentrade.store import audit

router = APIRouter(tags=["admin"])
Admin = Annotated[Principal, Depends(require_admin)]
XLSX_MAX_ROWS = 1_048_575


class WhoAmI(BaseModel):
    actor: str
    kind: str = Field(description="anonymous | session | token | legacy")
    username: str | None
    role: str | None
    scopes: list[str]


class UserPublic(BaseModel):
    id: int
    username: str
    display_name: str | None
    role: str
    active: bool
    created_at: dt.datetime
    last_login_at: dt.datetime | None
    failed_logins: int
    locked_until: dt.datetime | None


class NewUser(BaseModel):
    model_config = ConfigDict(extra="forbid")

    username: str = Field(pattern=auth.USERNAME.pattern)
    role: Role
    display_name: str | None = Field(default=None, max_length=200)
    password: str | None = Field(default=None, min_length=auth.MIN_PASSWORD, max_length=auth.MAX_PASSWORD,
                                 description="omit for a user that only holds API tokens")


class TokenPublic(BaseModel):
    id: int
    username: str
    name: str
    scopes: list[str]
    created_at: dt.datetime
    expires_at: dt.datetime | None
    revoked_at: dt.datetime | None
    last_used_at: dt.datetime | None


class NewToken(BaseModel):
    model_config = ConfigDict(extra="forbid")

    username: str = Field(pattern=auth.USERNAME.pattern)
    name: str = Field(min_length=1, max_length=100)
    scopes: list[Scope] = Field(min_length=1, max_length=4, description="within the user's role")
    expires_days: int | None = Field(default=90, ge=1, le=3650, description="null: never expires")


class CreatedToken(TokenPublic):
    token: str = Field(description="the token itself: shown this once, stored only as its SHA-256")


class AuditEntry(BaseModel):
    id: int
    at: dt.datetime
    actor: str
    action: str
    entity: str
    entity_id: str | None
    before: Any = None
    after: Any = None
    detail: str | None
    ip: str | None


@router.get("/whoami", response_model=WhoAmI, summary="Who the credentials sent belong to, and their scopes")
async def whoami(principal: Annotated[Principal, Depends(current_principal)]) -> dict:
    return {"actor": principal.actor, "kind": principal.kind, "username": principal.username,
            "role": principal.role, "scopes": sorted(principal.scopes)}


@router.get("/users", response_model=list[UserPublic], summary="Users (admin)")
def users(db: Db, _admin: Admin) -> list[dict]:
    return auth.list_users(db)


@router.post("/users", response_model=UserPublic, status_code=201, summary="Add a user (admin)")
def add_user(db: Db, body: NewUser, request: Request, admin: Admin) -> dict:
    return auth.add_user(db, body.username, role=body.role, password=body.password, display_name=body.display_name,
                         actor=admin.actor, ip=client_ip(request))


@router.post("/users/{username}/disable", response_model=UserPublic,
             summary="Disable a user: no more sign-ins; sessions and tokens stop working (admin)")
def disable_user(db: Db, username: Annotated[str, PathParam(pattern=auth.USERNAME.pattern)], request: Request,
                 admin: Admin) -> dict:
    return auth.disable_user(db, username, actor=admin.actor, ip=client_ip(request))


@router.get("/tokens", response_model=list[TokenPublic], summary="API tokens, without the tokens (admin)")
def tokens(db: Db, _admin: Admin,
           username: Annotated[str | None, Query(pattern=auth.USERNAME.pattern)] = None) -> list[dict]:
    return auth.list_tokens(db, username)


@router.post("/tokens", response_model=CreatedToken, status_code=201,
             summary="Make an API token for a user; the response holds the token, once (admin)")
def create_token(db: Db, body: NewToken, request: Request, admin: Admin) -> dict:
    expires = dt.timedelta(days=body.expires_days) if body.expires_days is not None else None
    token, record = auth.create_token(db, body.username, name=body.name, scopes=[str(s) for s in body.scopes], expires_in=expires,
                                      actor=admin.actor, ip=client_ip(request))
    return {**record, "token": token}


@router.post("/tokens/{token_id}/revoke", response_model=TokenPublic, summary="Revoke an API token (admin)")
def revoke_token(db: Db, token_id: Annotated[int, PathParam(ge=1, le=2**62)], request: Request,
                 admin: Admin) -> dict:
    return auth.revoke_token(db, token_id, actor=admin.actor, ip=client_ip(request))


def audit_filter(
    since: Annotated[dt.datetime | None, Query(description="at or after (UTC)")] = None,
    until: Annotated[dt.datetime | None, Query(description="before (UTC)")] = None,
    actor: Annotated[str | None, Query(max_length=200)] = None,
    action: Annotated[str | None, Query(max_length=40)] = None,
    entity: Annotated[str | None, Query(max_length=60)] = None,
    entity_id: Annotated[str | None, Query(max_length=100)] = None,
) -> audit.AuditFilter:
    def naive(t: dt.datetime | None) -> dt.datetime | None:
        if t is None or t.tzinfo is None:
            return t
        try:
            return t.astimezone(dt.UTC).replace(tzinfo=None)
        except OverflowError:  # the year 1 or 9999 with an offset: as good as unbounded
            return t.replace(tzinfo=None)

    return audit.AuditFilter(naive(since), naive(until), actor, action, entity, entity_id)


@router.get("/audit", response_model=Page[AuditEntry],
            summary="The audit log, newest first (admin); format=csv|xlsx downloads every matching entry",
            responses={200: {"content": {"text/csv": {}, MEDIA["xlsx"]: {}}}})
def audit_log(db: Db, _admin: Admin, flt: Annotated[audit.AuditFilter, Depends(audit_filter)],
              page: Annotated[int, Query(ge=1, le=1_000_000)] = 1,
              page_size: Annotated[int, Query(ge=1, le=500)] = 50,
              fmt: Annotated[Literal["json", "csv", "xlsx"], Query(alias="format")] = "json") -> Any:
    if fmt == "json":
        return page_body(audit_page(db, flt, page=page, page_size=page_size))
    frame = audit_frame(db, flt, limit=XLSX_MAX_ROWS if fmt == "xlsx" else None)
    data, media, name = download(frame, fmt=fmt, name=f"opentrade-audit-{dt.date.today().isoformat()}")
    return Response(data, media_type=media, headers={"Content-Disposition": f'attachment; filename="{name}"'})
