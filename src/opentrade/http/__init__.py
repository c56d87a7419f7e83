"""What both HTTP edges (the REST API in :mod:`opentrade.api`, the cockpit in :mod:`opentrade.web`) share: the
base application, who is asking and what they may do, sessions, error handlers and the result cache.

``api/`` and ``web/`` import this package and never each other; :mod:`opentrade.app` puts them together.

* :mod:`opentrade.http.app` — :func:`make_app`: the FastAPI application with its state and handlers.
* :mod:`opentrade.http.access` — the access policy and the request dependencies (``Db``, ``Opts``,
  ``current_principal``, ``require("edit")``, ``require_read`` …).
* :mod:`opentrade.http.sessions` — the signed session and CSRF cookies (server-side sessions: #13 goes here).
* :mod:`opentrade.http.errors` — every error as JSON under ``/api``, as a page elsewhere.
* :mod:`opentrade.http.middleware` — compression now; security headers and CSP (#13) go here.
* :mod:`opentrade.http.disclosure` — what a reader may see of one firm (disclosure control, #13, grows here).
* :mod:`opentrade.http.cache` — derived results per registry revision.
"""
