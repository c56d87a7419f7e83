"""The import page: a file goes to the API's upload (``POST /api/v1/imports/{kind}``, import scope), and the
row-by-row report comes back into the page."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from opentrade.ingest.schemas import SPECS
from opentrade.web.rendering import render, require_public_read

router = APIRouter(include_in_schema=False, dependencies=[Depends(require_public_read)])


@router.get("/import", name="web_import", response_class=HTMLResponse)
def import_page(request: Request) -> HTMLResponse:
    return render(request, "import.html", page="import", kinds=list(SPECS))
