"""Expo B2B meetings: the event's foreign buyers × the district's best-matching firms, scheduled into time slots
(:func:`opentrade.analytics.scheduling.schedule_meetings`), stored as ``meeting`` rows, exported per party.

Candidate firms: the ``firms`` active firms with the highest best match score against the event's buyers (or the
firms named). Pair scores come from :func:`opentrade.services.matchmaking.pair_scores`; a pair scoring 0 (the firm
fits none of the buyer's segments) is never scheduled. A buyer's ``unavailable_slots`` are honoured.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import polars as pl
from sqlalchemy import delete, func, insert, select

from opentrade.analytics.scheduling import ScheduleResult, greedy_schedule, schedule_meetings
from opentrade.errors import ConfigError, NotFound
from opentrade.services import matchmaking
from opentrade.store import audit, revision
from opentrade.store.db import Database
from opentrade.store.models import Buyer, Enterprise, Event, Meeting, table_of

MAX_SLOTS, MAX_TABLES, MAX_FIRMS = 200, 1000, 5000


@dataclass
class ExpoSchedule:
    event_id: int
    event: str
    slots: int
    tables: int
    result: ScheduleResult
    greedy_total: float
    meetings: list[dict[str, Any]] = field(default_factory=list)
    candidates: int = 0
    buyers: int = 0

    def summary(self) -> dict[str, Any]:
        r = self.result
        return {"event_id": self.event_id, "event": self.event, "slots": self.slots, "tables": self.tables,
                "firms_considered": self.candidates, "buyers": self.buyers, "meetings": len(r),
                "total_score": round(r.total_score, 4), "greedy_total_score": round(self.greedy_total, 4),
                "lp_bound": None if np.isnan(r.lp_bound) else round(r.lp_bound, 4),
                "gap": None if np.isnan(r.gap) else r.gap, "status": r.status, "method": r.method,
                "solve_seconds": round(r.solve_seconds, 3), "message": r.message}


def _buyers(db: Database, event_id: int) -> tuple[str, list[dict[str, Any]]]:
    with db.engine.connect() as conn:
        ev = conn.execute(select(Event.name_en).where(Event.id == event_id)).scalar_one_or_none()
        if ev is None:
            raise NotFound(f"no event with id {event_id}")
        rows = conn.execute(select(Buyer.id, Buyer.name, Buyer.organisation, Buyer.country, Buyer.segments,
                                   Buyer.unavailable_slots).where(Buyer.event_id == event_id).order_by(Buyer.id))
        buyers = [dict(r._mapping) for r in rows]
    if not buyers:
        raise ConfigError(f"event {event_id} ({ev}) has no buyers: import them with `opentrade import buyers FILE` "
                          "and an `event` column naming the event")
    return ev, buyers


def _unavailable(text: str | None, slots: int, who: str) -> list[int]:
    out = []
    for part in filter(None, (p.strip() for p in (text or "").replace(",", ";").split(";"))):
        n = int(part)
        if not 1 <= n <= slots:
            raise ConfigError(f"{who}: unavailable slot {n} is outside 1…{slots}")
        out.append(n - 1)
    return out


def schedule_expo(db: Database, event_id: int, *, slots: int = 20, tables: int = 60, firms: int = 300,
                  usccs: list[str] | None = None, must_meet: Sequence[tuple[str, str]] = (),
                  as_of: dt.date | None = None, persist: bool = True, time_limit: float = 120.0,
                  actor: str = audit.SYSTEM, ip: str | None = None) -> ExpoSchedule:
    """Schedule the event's buyers with candidate firms; with ``persist`` the event's meetings are replaced by the
    new schedule in one transaction. ``must_meet`` pairs are (USCC, buyer name)."""
    if not (1 <= slots <= MAX_SLOTS and 1 <= tables <= MAX_TABLES and 1 <= firms <= MAX_FIRMS):
        raise ConfigError(f"slots must be 1…{MAX_SLOTS}, tables 1…{MAX_TABLES}, firms 1…{MAX_FIRMS}")
    name, buyers = _buyers(db, event_id)
    ctx = matchmaking.context(db, regions=("all",), as_of=as_of)
    all_usccs = ctx.firms.get_column("uscc")
    scores_all = matchmaking.pair_scores(ctx, np.arange(ctx.firms.height), buyers)
    wanted = {u.strip().upper() for u in usccs or []} | {u.strip().upper() for u, _ in must_meet}
    index = {u: i for i, u in enumerate(all_usccs.to_list())}
    missing = sorted(u for u in wanted if u not in index)
    if missing:
        raise NotFound(f"not active enterprises: {', '.join(missing[:5])}")
    if usccs:
        rows = np.array(sorted(index[u] for u in wanted), dtype=np.intp)
    else:
        best = scores_all.max(axis=1) if len(buyers) else np.zeros(ctx.firms.height)
        order = np.lexsort((np.arange(best.size), -best))
        top = [int(i) for i in order[:firms] if best[i] > 0]
        rows = np.array(sorted(set(top) | {index[u] for u in wanted}), dtype=np.intp)
    scores = scores_all[rows]
    scores = np.where(scores > 0, scores, np.nan)
    buyer_index = {b["name"]: j for j, b in enumerate(buyers)}
    firm_pos = {int(r): i for i, r in enumerate(rows)}
    pairs = []
    for u, bname in must_meet:
        if bname not in buyer_index:
            raise NotFound(f"must-meet: no buyer named {bname!r} at event {event_id}")
        pairs.append((firm_pos[index[u.strip().upper()]], buyer_index[bname]))
    buyer_ok = np.ones((len(buyers), slots), dtype=bool)
    for j, b in enumerate(buyers):
        buyer_ok[j, _unavailable(b["unavailable_slots"], slots, f"buyer {b['name']}")] = False
    masks = None if buyer_ok.all() else buyer_ok
    result = schedule_meetings(scores, slots, tables, must_meet=pairs, time_limit=time_limit, buyer_available=masks)
    greedy = greedy_schedule(scores, slots, tables, must_meet=pairs, buyer_available=masks)
    meetings = _meeting_rows(ctx, rows, buyers, result, scores, set(pairs), tables)
    if persist:
        _store(db, event_id, meetings, actor=actor, ip=ip, method=result.method)
    return ExpoSchedule(event_id, name, slots, tables, result, greedy.total_score, meetings, len(rows), len(buyers))


def _meeting_rows(ctx, rows: np.ndarray, buyers: list[dict], result: ScheduleResult, scores: np.ndarray,
                  must: set[tuple[int, int]], tables: int) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    next_table: dict[int, int] = {}
    for f, b, s in result.meetings:
        table = next_table.get(s, 0) + 1  # at most `tables` per slot: the scheduler guarantees it
        next_table[s] = table
        firm = ctx.firms.row(int(rows[f]), named=True)
        out.append({"slot": s + 1, "table_no": table, "enterprise_id": firm["id"], "uscc": firm["uscc"],
                    "firm_zh": firm["name_zh"], "firm_en": firm["name_en"], "buyer_id": buyers[b]["id"],
                    "buyer": buyers[b]["name"], "organisation": buyers[b]["organisation"],
                    "country": buyers[b]["country"], "score": round(float(scores[f, b]), 4),
                    "must_meet": (f, b) in must})
    assert all(t <= tables for t in next_table.values())
    return out


def _store(db: Database, event_id: int, meetings: list[dict[str, Any]], *, actor: str = audit.SYSTEM,
           ip: str | None = None, method: str | None = None) -> None:
    columns = ("slot", "table_no", "enterprise_id", "buyer_id", "score", "must_meet")
    with db.engine.begin() as conn:
        before = _counts(conn, event_id)
        conn.execute(delete(Meeting).where(Meeting.event_id == event_id))
        if meetings:
            conn.execute(insert(Meeting), [{"event_id": event_id, **{c: m[c] for c in columns}} for m in meetings])
        audit.record(conn, actor=actor, action="schedule", entity="event", entity_id=event_id, ip=ip,
                     before=before, after=_counts(conn, event_id), detail=method)
        revision.bump(conn)


def _counts(conn, event_id: int) -> dict[str, int]:
    m = table_of(Meeting).c
    row = conn.execute(select(func.count(), func.count(func.distinct(m.enterprise_id)),
                              func.count(func.distinct(m.buyer_id)), func.max(m.slot))
                       .where(m.event_id == event_id)).one()
    return {"meetings": row[0], "firms": row[1], "buyers": row[2], "slots": row[3] or 0}


def meetings(db: Database, event_id: int, *, by: str = "slot") -> pl.DataFrame:
    """The stored schedule, ordered by slot, by firm or by buyer (for per-party sheets)."""
    order = {"slot": ("slot", "table_no"), "firm": ("uscc", "slot"), "buyer": ("buyer", "slot")}
    if by not in order:
        raise ConfigError("order meetings by slot, firm or buyer")
    m, e, b = Meeting, Enterprise, Buyer
    with db.engine.connect() as conn:
        if conn.execute(select(Event.id).where(Event.id == event_id)).scalar_one_or_none() is None:
            raise NotFound(f"no event with id {event_id}")
        rows = conn.execute(
            select(m.slot, m.table_no, e.uscc, e.name_zh.label("firm_zh"), e.name_en.label("firm_en"),
                   b.name.label("buyer"), b.organisation, b.country, m.score, m.must_meet)
            .join(e, e.id == m.enterprise_id).join(b, b.id == m.buyer_id).where(m.event_id == event_id)).all()
    schema = {"slot": pl.Int64, "table_no": pl.Int64, "uscc": pl.String, "firm_zh": pl.String, "firm_en": pl.String,
              "buyer": pl.String, "organisation": pl.String, "country": pl.String, "score": pl.Float64,
              "must_meet": pl.Boolean}
    frame = pl.DataFrame([tuple(r) for r in rows], schema=schema, orient="row")
    return frame.sort(list(order[by]))
