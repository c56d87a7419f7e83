"""Query and path parameters that several API routers share (one definition, one OpenAPI description)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import Path, Query

from opentrade.services.registry import MAX_PAGE_SIZE, PageResult

ISO3 = r"^[A-Za-z]{3}$"
USCC = r"^[0-9A-Za-z]{18}$"
REGIONS = "asean|lac|other|china|all"

PageNo = Annotated[int, Query(ge=1, le=1_000_000, description="1-based page number")]
PageSize = Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE, description="rows per page (at most 500)")]
Text = Annotated[str | None, Query(min_length=1, max_length=200, description="text search")]
AsOf = Annotated[dt.date | None, Query(description="date; default today")]
EventId = Annotated[int, Path(ge=1, le=2**31 - 1)]


def region_param(description: str) -> Any:
    return Query(pattern=rf"^({REGIONS})(,({REGIONS}))*$", max_length=100, description=description)


def regions(text: str) -> tuple[str, ...]:
    """``asean,lac`` → ("asean", "lac"), each once, in order."""
    return tuple(dict.fromkeys(text.split(",")))


def page_body(result: PageResult) -> dict[str, Any]:
    return {"items": result.items, "total": result.total, "page": result.page, "page_size": result.page_size}
