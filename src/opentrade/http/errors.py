"""Every API error as JSON of one shape: ``{"error": {"type": ..., "code": ..., "message": ..., "details": ...}}``.

opentrade's own errors take their status from :data:`opentrade.errors.ERROR_TABLE` (the only place); FastAPI's request validation (422), unknown routes
(404), wrong methods (405) and unexpected failures (500) use the same shape. Outside ``/api`` an HTTP error is a
page: the cockpit registers its page maker with :func:`set_error_page` (until then, and for statuses it leaves
to Starlette, a plain text response).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DataError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import PlainTextResponse, Response

from opentrade.errors import ImportRejected, InputFileError, OpentradeError, VersionConflict, http_status_of

log = logging.getLogger(__name__)

API_PREFIX = "/api"
#: (request, status, message) → a response, or None to leave the plain response
ErrorPage = Callable[[Request, int, str], Awaitable[Response | None]]

HTTP_TYPES = {400: "BadRequest", 401: "Unauthorized", 403: "Forbidden", 404: "NotFound", 405: "MethodNotAllowed",
              413: "PayloadTooLarge", 415: "UnsupportedMediaType", 422: "ValidationError", 429: "TooManyRequests"}


class ApiError(Exception):
    """Raised by route handlers for HTTP-level refusals (authorisation, size limits)."""

    def __init__(self, status: int, message: str, *, type_: str | None = None, details: Any = None,
                 headers: dict[str, str] | None = None):
        super().__init__(message)
        self.status, self.message, self.details, self.headers = status, message, details, headers
        self.type = type_ or HTTP_TYPES.get(status, "HTTPError")


def error_response(status: int, type_: str, message: str, details: Any = None,
                   headers: dict[str, str] | None = None, *, code: str | None = None) -> JSONResponse:
    body: dict[str, Any] = {"type": type_, "message": message, "details": details}
    if code is not None:
        body["code"] = code
    return JSONResponse({"error": body}, status_code=status, headers=headers)


def status_of(exc: OpentradeError) -> int:
    """The HTTP status of one of our errors: :data:`opentrade.errors.ERROR_TABLE`, the one place."""
    return http_status_of(exc)


def reject_details(exc: ImportRejected, *, limit: int, file: str | None = None) -> dict[str, Any]:
    report = exc.report
    issues = report.issues.head(limit) if limit else report.issues
    return {
        "kind": report.kind,
        "file": file or report.path,
        "rows_total": report.rows_total,
        "rows_rejected": report.rows_rejected,
        "issues_total": report.issues.height,
        "issues": issues.to_dicts(),
    }


def _details(exc: OpentradeError) -> Any:
    if isinstance(exc, ImportRejected):
        return reject_details(exc, limit=1000)
    if isinstance(exc, InputFileError):
        return {"file": exc.path, "reason": exc.reason, "column": exc.column}
    if isinstance(exc, VersionConflict):
        return {"project_id": exc.project_id, "expected_version": exc.expected, "current_version": exc.current}
    return None


def set_error_page(app: FastAPI, page: ErrorPage) -> None:
    """How HTTP errors outside ``/api`` are shown (the cockpit's bilingual error page)."""
    app.state.error_page = page


async def _page(request: Request, status: int, message: str) -> Response | None:
    page: ErrorPage | None = getattr(request.app.state, "error_page", None)
    return await page(request, status, message) if page is not None else None


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(OpentradeError)
    async def _opentrade_error(_request: Request, exc: OpentradeError) -> JSONResponse:
        status = status_of(exc)
        if status >= 500:
            log.error("server-side failure: %s", exc)
        return error_response(status, type(exc).__name__, str(exc), _details(exc), code=exc.code)

    @app.exception_handler(ApiError)
    async def _api_error(_request: Request, exc: ApiError) -> JSONResponse:
        return error_response(exc.status, exc.type, exc.message, exc.details, exc.headers)

    @app.exception_handler(RequestValidationError)
    async def _validation_error(_request: Request, exc: RequestValidationError) -> JSONResponse:
        details = [
            {"loc": [str(part) for part in err.get("loc", ())], "msg": str(err.get("msg", "")),
             "type": str(err.get("type", ""))}
            for err in exc.errors()
        ]
        where = ", ".join(".".join(d["loc"]) + ": " + str(d["msg"]) for d in details[:3])
        return error_response(422, "ValidationError", f"invalid request: {where}" if where else "invalid request",
                              details)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException) -> Response:
        if not request.url.path.startswith(API_PREFIX):
            if exc.status_code in (204, 304):
                return Response(status_code=exc.status_code, headers=exc.headers)
            page = await _page(request, exc.status_code, str(exc.detail))
            if page is not None:
                return page
            return PlainTextResponse(str(exc.detail), status_code=exc.status_code, headers=exc.headers)
        message = exc.detail if isinstance(exc.detail, str) else HTTP_TYPES.get(exc.status_code, "error")
        if exc.status_code == 404 and message == "Not Found":
            message = f"no such endpoint: {request.method} {request.url.path}"
        return error_response(exc.status_code, HTTP_TYPES.get(exc.status_code, "HTTPError"), message,
                              None if isinstance(exc.detail, str) else exc.detail,
                              dict(exc.headers) if exc.headers is not None else None)

    @app.exception_handler(DataError)
    async def _data_error(request: Request, exc: DataError) -> Response:
        # A value the column types cannot hold — on PostgreSQL an id beyond a 32-bit INTEGER, say (SQLite stores
        # any integer): the request's fault, not the server's.
        reason = str(exc.orig).splitlines()[0] if exc.orig is not None else "invalid value"
        message = f"a value is outside what the database can hold: {reason}"
        if not request.url.path.startswith(API_PREFIX):
            return PlainTextResponse(message, status_code=400)
        return error_response(400, "BadRequest", message)

    @app.exception_handler(Exception)
    async def _unexpected(_request: Request, exc: Exception) -> JSONResponse:
        log.exception("unexpected error", exc_info=exc)
        return error_response(500, "InternalError", "internal error; the server log has the details")
