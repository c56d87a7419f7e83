"""Reading the audit log, for every edge (``opentrade audit``, ``GET /api/v1/audit``, the cockpit's admin page):
a page of entries, newest first, with how many match; or every matching entry as a table for CSV/XLSX. Entries
are written only by :func:`opentrade.store.audit.record`, inside the write they describe."""

from __future__ import annotations

import polars as pl

from opentrade.services.registry import PageResult
from opentrade.store import audit
from opentrade.store.audit import ACTIONS, AuditFilter
from opentrade.store.db import Database

__all__ = ["ACTIONS", "AuditFilter", "audit_frame", "audit_page"]


def audit_page(db: Database, flt: AuditFilter, *, page: int = 1, page_size: int = 50) -> PageResult:
    with db.engine.connect() as conn:
        items, total = audit.query(conn, flt, page=page, page_size=page_size)
    return PageResult(items, total, page, page_size)


def audit_frame(db: Database, flt: AuditFilter, *, limit: int | None = None) -> pl.DataFrame:
    """Matching entries, oldest first, as text columns (before/after as JSON text)."""
    with db.engine.connect() as conn:
        return audit.frame(conn, flt, limit=limit)
