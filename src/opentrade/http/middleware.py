"""Middleware every response passes through, installed once by :func:`opentrade.http.app.make_app`.

The place for response-wide policies: compression now; security headers and the Content-Security-Policy
(issue #13) are added here, so that API and cockpit responses get them alike.
"""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.middleware.gzip import GZipMiddleware


def install_middleware(app: FastAPI) -> None:
    # Compressed when the client asks (browsers do): the cockpit's ECharts bundle and map shrink to a third.
    app.add_middleware(GZipMiddleware, minimum_size=2048, compresslevel=6)
