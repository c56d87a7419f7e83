"""Query parameters of cockpit pages, parsed leniently (a link edited by hand falls back to the default) except
where a wrong value would show wrong figures (a date: refused with a message)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from opentrade.errors import ConfigError


def parse_date(value: str | None) -> dt.date | None:
    """An ISO date from a query parameter; None when absent; ConfigError when malformed."""
    if value is None or value == "":
        return None
    try:
        return dt.date.fromisoformat(value.strip()[:10])
    except ValueError as exc:
        raise ConfigError(f"as_of must be a date YYYY-MM-DD, got {value[:40]!r}") from exc


def int_param(value: str | None, default: int | None = None) -> int | None:
    try:
        return int(value) if value is not None and value != "" else default
    except ValueError:
        return default


def page_param(params: Mapping[str, str], *, most: int | None = None) -> int:
    """``?page=``: 1 when absent or not a number; at least 1 (and at most ``most``)."""
    try:
        page = int(params.get("page") or 1)
    except ValueError:
        page = 1
    page = max(1, page)
    return min(page, most) if most is not None else page
