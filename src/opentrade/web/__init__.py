"""The web cockpit: server-rendered pages (Jinja2 + HTMX), charts and maps with Apache ECharts, in Chinese and English.

``mount_web(app, db)`` adds the HTML routes and ``/static`` to a FastAPI app; the front-end packages are built into
``static/vendor/`` by ``scripts/build_web_assets.sh`` (npm, at build time; nothing is loaded from a CDN).
"""

from __future__ import annotations

from opentrade.web.pages import mount_web

__all__ = ["mount_web"]
