"""Request dependencies: the database, the settings, and the access policy (admin token; open or closed reads).

The admin token is kept only as its SHA-256 digest and compared in constant time (``hmac.compare_digest``).
Full users and roles come with the hardening issue.
"""

from __future__ import annotations

import hashlib
import hmac

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from opentrade.api.errors import ApiError
from opentrade.config import Settings
from opentrade.errors import ConfigError
from opentrade.store.db import Database

bearer = HTTPBearer(auto_error=False, scheme_name="adminToken",
                    description="The admin token from the settings (OPENTRADE_ADMIN_TOKEN).")


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

    @property
    def writes_enabled(self) -> bool:
        return self._digest is not None

    def require_admin(self, credentials: HTTPAuthorizationCredentials | None, *, action: str = "this request") -> None:
        if self._digest is None:
            raise ApiError(403, f"{action} is disabled: no admin token is configured (OPENTRADE_ADMIN_TOKEN)")
        if credentials is None or not credentials.credentials:
            raise ApiError(401, "missing credentials: send 'Authorization: Bearer <admin token>'",
                           headers={"WWW-Authenticate": "Bearer"})
        offered = hashlib.sha256(credentials.credentials.encode()).digest()
        if not hmac.compare_digest(offered, self._digest):
            raise ApiError(403, "invalid admin token")


# Dependencies are async: a plain `def` dependency costs a hop to the thread pool on every request.


async def get_db(request: Request) -> Database:
    return request.app.state.db


async def get_settings(request: Request) -> Settings:
    return request.app.state.settings


async def require_admin(request: Request, credentials: HTTPAuthorizationCredentials | None = Depends(bearer)) -> None:
    request.app.state.access.require_admin(credentials, action="writing")


async def require_read(request: Request, credentials: HTTPAuthorizationCredentials | None = Depends(bearer)) -> None:
    policy: AccessPolicy = request.app.state.access
    if not policy.public_read:
        policy.require_admin(credentials, action="reading (OPENTRADE_PUBLIC_READ is off)")
