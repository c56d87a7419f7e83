"""The audit log: who changed what, when and from where — append-only.

:func:`record` is called on the connection of the write it describes, so the entry lands or vanishes with the write
(a rejected import leaves neither). There is no update or delete here or anywhere else in the product, and the
database refuses both (triggers of migration 0003). Reads: :func:`query` (paged, filtered) and :func:`frame`.
"""

from __future__ import annotations

import datetime as dt
import getpass
import json
from dataclasses import dataclass
from typing import Any

import polars as pl
from sqlalchemy import Connection, and_, func, insert, select

from opentrade.options import SYSTEM
from opentrade.store.models import AuditLog, table_of

__all__ = ["ACTIONS", "SYSTEM", "AuditFilter", "cli_actor", "frame", "now", "query", "record"]

_table = table_of(AuditLog)
ACTIONS = ("import", "edit", "delete", "login", "login_failed", "logout", "token_created", "token_revoked",
           "user_added", "user_disabled", "password_set", "schedule", "stage_move")
_LIMITS = {"actor": 200, "action": 40, "entity": 60, "entity_id": 100, "ip": 64}


def now() -> dt.datetime:
    """Naive UTC, as every time in the store."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def cli_actor() -> str:
    """``cli:<os user>`` for commands run on the server."""
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):  # no login name in some containers
        return "cli:unknown"


def _plain(value: Any) -> Any:
    """JSON-safe: dates become ISO text; anything else unknown becomes its str()."""
    if value is None:
        return None
    return json.loads(json.dumps(value, ensure_ascii=False, default=lambda v: v.isoformat()
                                 if isinstance(v, dt.date | dt.datetime) else str(v)))


def record(conn: Connection, *, actor: str, action: str, entity: str, entity_id: Any = None,
           before: dict[str, Any] | None = None, after: dict[str, Any] | None = None, detail: str | None = None,
           ip: str | None = None) -> None:
    """Append one entry inside the caller's transaction."""
    values = {"actor": actor or SYSTEM, "action": action, "entity": entity,
              "entity_id": None if entity_id is None else str(entity_id), "ip": ip}
    values = {k: v[:_LIMITS[k]] if isinstance(v, str) else v for k, v in values.items()}
    conn.execute(insert(_table).values(at=now(), before=_plain(before), after=_plain(after), detail=detail,
                                       **values))


# --- reading ----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AuditFilter:
    since: dt.datetime | None = None
    until: dt.datetime | None = None
    actor: str | None = None
    action: str | None = None
    entity: str | None = None
    entity_id: str | None = None

    def where(self) -> list:
        t = _table.c
        conds = [t.at >= self.since if self.since else None, t.at < self.until if self.until else None,
                 t.actor == self.actor if self.actor else None, t.action == self.action if self.action else None,
                 t.entity == self.entity if self.entity else None,
                 t.entity_id == self.entity_id if self.entity_id else None]
        return [c for c in conds if c is not None]


COLUMNS = ("id", "at", "actor", "action", "entity", "entity_id", "before", "after", "detail", "ip")


def query(conn: Connection, flt: AuditFilter, *, page: int = 1, page_size: int = 50) -> tuple[list[dict], int]:
    """Entries newest first, and how many match."""
    where = and_(*flt.where()) if flt.where() else None
    stmt = select(*[_table.c[c] for c in COLUMNS]).order_by(_table.c.id.desc())
    count = select(func.count()).select_from(_table)
    if where is not None:
        stmt, count = stmt.where(where), count.where(where)
    rows = conn.execute(stmt.limit(page_size).offset((page - 1) * page_size)).mappings().all()
    return [dict(r) for r in rows], conn.execute(count).scalar_one()


def frame(conn: Connection, flt: AuditFilter, *, limit: int | None = None) -> pl.DataFrame:
    """Matching entries, oldest first, as text columns for CSV/XLSX (before/after as JSON text)."""
    stmt = select(*[_table.c[c] for c in COLUMNS]).order_by(_table.c.id)
    if flt.where():
        stmt = stmt.where(and_(*flt.where()))
    if limit is not None:
        stmt = stmt.limit(limit)
    rows = [
        (r.id, r.at.isoformat(sep=" ", timespec="seconds"), r.actor, r.action, r.entity, r.entity_id,
         None if r.before is None else json.dumps(r.before, ensure_ascii=False),
         None if r.after is None else json.dumps(r.after, ensure_ascii=False), r.detail, r.ip)
        for r in conn.execute(stmt)
    ]
    schema = {"id": pl.Int64, **{c: pl.String for c in COLUMNS[1:]}}
    return pl.DataFrame(rows, schema=schema, orient="row")
