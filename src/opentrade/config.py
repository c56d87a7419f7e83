"""One typed Settings object; every field can be set from the environment with the prefix ``OPENTRADE_``.

Default database: a SQLite file in the per-user data folder — ``$OPENTRADE_DATA_DIR`` if set, else
``$XDG_DATA_HOME/opentrade`` (``~/.local/share/opentrade`` on Linux).
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


def default_data_dir() -> Path:
    xdg = os.environ.get("XDG_DATA_HOME")
    base = Path(xdg) if xdg else Path.home() / ".local" / "share"
    return base / "opentrade"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="OPENTRADE_", extra="ignore")

    data_dir: Path = Field(default_factory=default_data_dir, description="Folder for the default SQLite database.")
    database_url: str | None = Field(
        default=None, description="SQLAlchemy URL; default: sqlite:///<data_dir>/opentrade.db"
    )
    framework_version: str = Field(default="2023", description="Wording of the district's 1+2+3+4 framework.")
    digital_economy_map: Path | None = Field(
        default=None,
        description="Official NBS digital-economy ↔ GB/T 4754 table (CSV, same columns as the shipped one); "
        "replaces the shipped approximate mapping.",
    )
    max_import_bytes: int = Field(default=2 * 1024**3, description="Largest file the importer accepts.")
    max_import_rows: int = Field(default=5_000_000, ge=0,
                                 description="Most data rows one import file may have (0: no limit).")
    max_reported_errors: int = Field(default=1000, description="Rejected rows listed on screen (all go to the file).")
    host: str = "127.0.0.1"
    port: int = 8000
    admin_token: SecretStr | None = Field(
        default=None,
        description="Bearer token for the API's write endpoints (file uploads); unset: writes are disabled.",
    )
    admin_token_sha256: str | None = Field(
        default=None,
        description="Alternative to admin_token: the hex SHA-256 of the token, so the token itself is not stored.",
    )
    public_read: bool = Field(default=True, description="Read endpoints open to anyone; false: they need the token.")
    max_upload_bytes: int = Field(default=100 * 1024**2, description="Largest file the API accepts for upload.")
    secret_key: SecretStr | None = Field(
        default=None,
        description="Signs the cockpit's session and CSRF cookies; unset: generated once and kept in "
        "<data_dir>/secret_key (mode 0600).",
    )
    cookie_secure: bool = Field(default=False, description="Mark cookies Secure (sent over HTTPS only).")
    session_hours: int = Field(default=12, ge=1, le=24 * 30, description="How long a cockpit sign-in lasts.")

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.data_dir / 'opentrade.db'}"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
