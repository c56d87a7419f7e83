"""The investment pipeline: move projects between stages (optimistic locking), the board, the operations KPIs,
and the aftercare and enquiry lists.

Every write is one transaction: the project row is changed with ``UPDATE … WHERE id = ? AND row_version = ?``
(0 rows → :class:`VersionConflict`: someone else changed it since it was read), the history row is added and the
registry revision is raised, together or not at all.
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Final

from sqlalchemy import Connection, and_, func, insert, select, update
from sqlalchemy.exc import OperationalError

from opentrade.domain import pipeline as rules
from opentrade.domain.vocabulary import CLOSED_STAGES, FOREIGN_FUNDED, EnterpriseStatus
from opentrade.errors import ConfigError, NotFound, VersionConflict
from opentrade.services.rates import RateBook, convert
from opentrade.services.registry import PageRequest, PageResult
from opentrade.store import audit, revision
from opentrade.store.db import Database, translate_operational_error
from opentrade.store.models import (
    AftercareVisit,
    Enquiry,
    Enterprise,
    InvestmentProject,
    ProjectStageChange,
    table_of,
)

P, H = table_of(InvestmentProject), table_of(ProjectStageChange)
KEEP: Final = object()  # update_project: leave this field as it is


@contextmanager
def _writing(db: Database) -> Iterator[Connection]:
    try:
        with db.engine.begin() as conn:
            yield conn
    except OperationalError as exc:
        raise translate_operational_error(exc) from exc


def _project_row(conn: Connection, project_id: int) -> Any:
    row = conn.execute(select(P.c.id, P.c.title, P.c.stage, P.c.row_version).where(P.c.id == project_id)).one_or_none()
    if row is None:
        raise NotFound(f"no investment project with id {project_id}")
    return row


def _locked_update(conn: Connection, project_id: int, expected_version: int, values: dict[str, Any]) -> int:
    """Write ``values`` only if the row is still at ``expected_version``; returns the new version."""
    result = conn.execute(update(P).where(P.c.id == project_id, P.c.row_version == expected_version)
                          .values(**values, row_version=P.c.row_version + 1))
    if result.rowcount != 1:
        current = conn.execute(select(P.c.row_version).where(P.c.id == project_id)).scalar()
        raise VersionConflict(project_id, expected_version, current)
    return expected_version + 1


def _dropped_from(conn: Connection, project_id: int) -> str | None:
    """The stage of the newest move into dropped (None when the history does not say)."""
    return conn.execute(select(H.c.from_stage).where(H.c.project_id == project_id, H.c.to_stage == rules.DROPPED)
                        .order_by(H.c.changed_on.desc(), H.c.id.desc()).limit(1)).scalar()


def move_project(db: Database, project_id: int, to_stage: str, *, expected_version: int, on_date: dt.date,
                 reason: str | None = None, actor: str | None = None, skip: bool = False,
                 reopen: bool = False, ip: str | None = None) -> dict[str, Any]:
    """Move a project to ``to_stage`` by the rules of :mod:`opentrade.domain.pipeline`, recording the change.

    Raises NotFound, TransitionError (a rule is broken: nothing written) or VersionConflict (the project is no
    longer at ``expected_version``: nothing written).
    """
    with _writing(db) as conn:
        # Reads before the first write run outside SQLite's write lock; the versioned UPDATE is what decides.
        row = _project_row(conn, project_id)
        if row.row_version != expected_version:
            raise VersionConflict(project_id, expected_version, row.row_version)
        dropped_from = _dropped_from(conn, project_id) if row.stage == rules.DROPPED else None
        move = rules.check_transition(f"{project_id} ({row.title})", row.stage, to_stage, reason=reason, skip=skip,
                                      reopen=reopen, dropped_from=dropped_from)
        version = _locked_update(conn, project_id, expected_version, {
            "stage": move.to_stage, "stage_changed_on": on_date, "dropped_reason": move.dropped_reason})
        conn.execute(insert(H).values(project_id=project_id, from_stage=move.from_stage, to_stage=move.to_stage,
                                      changed_on=on_date, reason=move.record_reason, actor=actor))
        audit.record(conn, actor=actor or audit.SYSTEM, action="stage_move", entity="investment_project",
                     entity_id=project_id, ip=ip, detail=move.record_reason,
                     before={"stage": move.from_stage, "row_version": expected_version},
                     after={"stage": move.to_stage, "row_version": version, "on": on_date, "kind": move.kind})
        revision.bump(conn)
    return {"id": project_id, "title": row.title, "from_stage": move.from_stage, "to_stage": move.to_stage,
            "kind": move.kind, "skipped": list(move.skipped), "reason": move.record_reason,
            "stage_changed_on": on_date, "dropped_reason": move.dropped_reason, "row_version": version}


def update_project(db: Database, project_id: int, *, expected_version: int, owner: Any = KEEP,
                   next_action: Any = KEEP, next_action_on: Any = KEEP, actor: str = audit.SYSTEM,
                   ip: str | None = None) -> dict[str, Any]:
    """Change the owner, next action or its date (``None`` clears a field; omitted fields stay) with the same
    optimistic locking as :func:`move_project`."""
    values = {k: v for k, v in (("owner", owner), ("next_action", next_action), ("next_action_on", next_action_on))
              if v is not KEEP}
    if not values:
        raise ConfigError("nothing to update: give an owner, a next action or its date")
    if "next_action_on" in values and values["next_action_on"] is not None \
            and not isinstance(values["next_action_on"], dt.date):
        raise ConfigError("next_action_on must be a date")
    with _writing(db) as conn:
        row = _project_row(conn, project_id)
        if row.row_version != expected_version:
            raise VersionConflict(project_id, expected_version, row.row_version)
        old = conn.execute(select(*[P.c[k] for k in values]).where(P.c.id == project_id)).one()._asdict()
        version = _locked_update(conn, project_id, expected_version, values)
        audit.record(conn, actor=actor, action="edit", entity="investment_project", entity_id=project_id, ip=ip,
                     before={**old, "row_version": expected_version}, after={**values, "row_version": version})
        revision.bump(conn)
    return {"id": project_id, "title": row.title, **values, "row_version": version}


def project_history(db: Database, project_id: int) -> list[dict[str, Any]]:
    with db.engine.connect() as conn:
        _project_row(conn, project_id)
        rows = conn.execute(select(H.c.from_stage, H.c.to_stage, H.c.changed_on, H.c.reason, H.c.actor)
                            .where(H.c.project_id == project_id).order_by(H.c.changed_on, H.c.id)).mappings().all()
    return [dict(r) for r in rows]


# --- the board -------------------------------------------------------------------------------------------------


def _projects(conn: Connection) -> list[dict[str, Any]]:
    e = table_of(Enterprise)
    stmt = (select(P.c.id, P.c.title, P.c.stage, P.c.amount, P.c.currency, P.c.amount_usd.label("amount_usd_reported"),
                   P.c.announced_on, P.c.investor_country, P.c.owner, P.c.next_action, P.c.next_action_on,
                   P.c.stage_changed_on, P.c.dropped_reason, P.c.row_version, P.c.synthetic,
                   e.c.uscc.label("investor_uscc"), func.coalesce(e.c.name_en, e.c.name_zh).label("investor_name"),
                   e.c.origin_country.label("investor_origin"))
            .select_from(P.outerjoin(e, e.c.id == P.c.enterprise_id)).order_by(P.c.id))
    return [dict(r) for r in conn.execute(stmt).mappings()]


def _column(stage: str) -> dict[str, Any]:
    return {"stage": stage, "name_zh": rules.STAGE_ZH.get(stage, stage), "count": 0, "value_cny": 0.0,
            "value_usd": 0.0, "missing_cny": 0, "missing_usd": 0, "no_amount": 0, "projects": []}


def _is_overdue(project: dict[str, Any], as_of: dt.date) -> bool:
    due = project["next_action_on"]
    return project["stage"] not in CLOSED_STAGES and due is not None and due < as_of


def pipeline_board(db: Database, *, as_of: dt.date, reference_dir: Path | None = None) -> dict[str, Any]:
    """Projects by their current stage, with amounts in the original currency, in yuan and in US dollars.

    Each amount is converted at the rates dated on or before the project's ``announced_on`` (``as_of`` when it has
    none) — the ``exchange_rate`` table first, else the World Bank snapshot; a missing rate leaves the converted
    amount ``None``. Stage totals add the converted amounts only and count those left out.
    """
    with db.engine.connect() as conn:
        projects = _projects(conn)
        book = RateBook(conn, reference_dir=reference_dir)
    columns = {s: _column(s) for s in rules.STAGES}
    for p in projects:
        origin = p.pop("investor_origin")
        p["investor_country"] = p["investor_country"] or origin
        conv = convert(book, p["amount"], p["currency"], p["announced_on"] or as_of)
        p |= conv.to_json() | {"rate_date_basis": "announced_on" if p["announced_on"] else "as_of",
                               "overdue": _is_overdue(p, as_of)}
        col = columns.setdefault(p["stage"], _column(p["stage"]))
        col["count"] += 1
        col["projects"].append(p)
        if p["amount"] is None:
            col["no_amount"] += 1
            continue
        for unit in ("cny", "usd"):
            value = p[f"amount_{unit}"]
            if value is None:
                col[f"missing_{unit}"] += 1
            else:
                col[f"value_{unit}"] += value
    used = book.used
    provenance = (f"{len(projects)} investment projects by current stage (as of {as_of}: overdue = next action "
                  f"dated before it). Amounts converted at the rates dated on or before each project's announcement "
                  f"(as_of when it has none); rate look-ups: {used['table']} from the exchange_rate table, "
                  f"{used['wdi']} from World Bank WDI PA.NUS.FCRF annual averages (dated 1 July), {used['identity']} "
                  f"yuan amounts (no rate needed), {used['missing']} missing (converted amount null, left out of the "
                  f"totals)")
    return {"as_of": as_of, "stages": list(columns.values()), "provenance": provenance,
            "rests_on_synthetic": any(p["synthetic"] for p in projects)}


# --- KPIs -------------------------------------------------------------------------------------------------------


def _plain_date(day: dt.date | None, name: str) -> None:
    """Window arithmetic (a year back, a day on) needs room on both sides."""
    if day is not None and not 1 < day.year < 9999:
        raise ConfigError(f"{name} must be a date between the years 2 and 9998, got {day}")


def _year_before(as_of: dt.date) -> dt.date:
    try:
        return as_of.replace(year=as_of.year - 1)
    except ValueError:  # 29 February
        return as_of.replace(year=as_of.year - 1, day=28)


def pipeline_kpis(db: Database, *, as_of: dt.date, reference_dir: Path | None = None) -> dict[str, Any]:
    """The operations figures at ``as_of``, each with the records counted and its definition.

    * pipeline value: converted amounts by current stage (see :func:`pipeline_board`); the total leaves out dropped.
    * conversion: among projects that left lead — been at contacted or a later line stage, by the stage history up
      to ``as_of`` (both ends of each change) plus the current stage when reached by then — the share that reached
      signed, landed or operating. A project known only as dropped (no history) is in neither count.
    * enquiry response: enquiries received in the 12 months to ``as_of`` (after the same day a year earlier, up to
      and including ``as_of``); answered = a response by the end of ``as_of``; median hours from receipt to response.
    * aftercare: visits dated in the same 12 months, the firms visited, and coverage = the active foreign-funded
      (foreign + HK/Macao/Taiwan-invested) firms visited / all active foreign-funded firms.
    * overdue next actions: projects not operating or dropped whose next action is dated before ``as_of``.
    """
    _plain_date(as_of, "as_of")
    board = pipeline_board(db, as_of=as_of, reference_dir=reference_dir)
    start = _year_before(as_of)
    end = dt.datetime.combine(as_of + dt.timedelta(days=1), dt.time())
    with db.engine.connect() as conn:
        history = conn.execute(select(H.c.project_id, H.c.from_stage, H.c.to_stage).where(H.c.changed_on <= as_of)).all()
        enquiries = conn.execute(select(Enquiry.received_at, Enquiry.responded_at, Enquiry.synthetic).where(
            Enquiry.received_at >= dt.datetime.combine(start + dt.timedelta(days=1), dt.time()),
            Enquiry.received_at < end)).all()
        is_ff = and_(Enterprise.ownership.in_(FOREIGN_FUNDED), Enterprise.status == EnterpriseStatus.ACTIVE)
        visits = conn.execute(select(AftercareVisit.enterprise_id, AftercareVisit.synthetic, is_ff.label("ff"))
                              .join(Enterprise, Enterprise.id == AftercareVisit.enterprise_id)
                              .where(AftercareVisit.visited_on > start, AftercareVisit.visited_on <= as_of)).all()
        foreign_funded = conn.execute(select(func.count()).select_from(Enterprise).where(is_ff)).scalar_one()

    projects = [p for col in board["stages"] for p in col["projects"]]
    by_project: dict[int, list[tuple[str | None, str]]] = {}
    for pid, frm, to in history:
        by_project.setdefault(pid, []).append((frm, to))
    left = converted = 0
    for p in projects:
        current = p["stage"] if p["stage_changed_on"] is None or p["stage_changed_on"] <= as_of else None
        reached = rules.reached_stages(current, by_project.get(p["id"], []))
        if rules.left_lead(reached):
            left += 1
            converted += rules.converted(reached)

    stages = [{k: col[k] for k in ("stage", "count", "value_cny", "value_usd", "missing_cny", "missing_usd", "no_amount")}
              for col in board["stages"]]
    live = [s for s in stages if s["stage"] != rules.DROPPED]
    hours = sorted((r.responded_at - r.received_at).total_seconds() / 3600 for r in enquiries
                   if r.responded_at is not None and r.responded_at < end)
    firms = {v.enterprise_id for v in visits}
    ff_firms = {v.enterprise_id for v in visits if v.ff}
    overdue = sorted(p["id"] for p in projects if p["overdue"])
    window = f"received {start + dt.timedelta(days=1)} to {as_of}"
    return {
        "as_of": as_of,
        "pipeline_value": {
            "by_stage": stages, "total_cny": sum(s["value_cny"] for s in live),
            "total_usd": sum(s["value_usd"] for s in live), "projects": sum(s["count"] for s in live),
            "provenance": f"{board['provenance']}. Total: every stage except dropped.",
            "rests_on_synthetic": board["rests_on_synthetic"]},
        "conversion": {
            "value": converted / left if left else None, "converted": converted, "left_lead": left,
            "provenance": (f"{converted} of {left} projects that left lead (reached contacted or later by {as_of}, "
                           f"per {len(history)} stage-history rows plus current stages) reached signed, landed or "
                           f"operating; {len(projects)} projects in all"),
            "rests_on_synthetic": board["rests_on_synthetic"]},
        "enquiry_response": {
            "median_hours": statistics.median(hours) if hours else None, "answered": len(hours),
            "unanswered": len(enquiries) - len(hours),
            "provenance": (f"{len(enquiries)} enquiries {window}: {len(hours)} answered by the end of {as_of} "
                           f"(median hours from receipt to response), {len(enquiries) - len(hours)} not"),
            "rests_on_synthetic": any(r.synthetic for r in enquiries)},
        "aftercare": {
            "visits": len(visits), "firms": len(firms), "foreign_funded_firms_visited": len(ff_firms),
            "foreign_funded_firms": foreign_funded,
            "coverage": len(ff_firms) / foreign_funded if foreign_funded else None,
            "provenance": (f"{len(visits)} aftercare visits dated {start + dt.timedelta(days=1)} to {as_of}, to "
                           f"{len(firms)} firms; coverage = {len(ff_firms)} of {foreign_funded} active "
                           f"foreign-funded firms visited"),
            "rests_on_synthetic": any(v.synthetic for v in visits)},
        "overdue_next_actions": {
            "count": len(overdue), "project_ids": overdue,
            "provenance": (f"{len(overdue)} of {sum(p['stage'] not in CLOSED_STAGES for p in projects)} projects not "
                           f"operating or dropped have a next action dated before {as_of}"),
            "rests_on_synthetic": any(p["synthetic"] for p in projects if p["overdue"])},
    }


# --- lists ------------------------------------------------------------------------------------------------------


def _paged(conn: Connection, stmt, where: list, page: PageRequest, order: list, count_from) -> PageResult:
    cond = and_(*where) if where else None
    count = select(func.count()).select_from(count_from)
    if cond is not None:
        stmt, count = stmt.where(cond), count.where(cond)
    rows = conn.execute(stmt.order_by(*order).limit(page.page_size).offset((page.page - 1) * page.page_size))
    items = [dict(r) for r in rows.mappings()]
    return PageResult(items, conn.execute(count).scalar_one(), page.page, page.page_size)


def list_aftercare(db: Database, *, page: PageRequest | None = None, uscc: str | None = None,
                   since: dt.date | None = None, until: dt.date | None = None) -> PageResult:
    """Aftercare visits, newest first, with the firm visited."""
    page = page or PageRequest()
    a, e = table_of(AftercareVisit), table_of(Enterprise)
    where = [c for c in (e.c.uscc == uscc.upper() if uscc else None, a.c.visited_on >= since if since else None,
                         a.c.visited_on <= until if until else None) if c is not None]
    joined = a.join(e, e.c.id == a.c.enterprise_id)
    stmt = select(a.c.id, e.c.uscc, e.c.name_zh, e.c.name_en, e.c.ownership, e.c.origin_country, a.c.visited_on,
                  a.c.officer, a.c.topics, a.c.issues, a.c.follow_up, a.c.follow_up_on, a.c.synthetic,
                  a.c.source).select_from(joined)
    with db.engine.connect() as conn:
        return _paged(conn, stmt, where, page, [a.c.visited_on.desc(), a.c.id], joined)


def list_enquiries(db: Database, *, page: PageRequest | None = None, answered: bool | None = None,
                   country: str | None = None, since: dt.date | None = None,
                   until: dt.date | None = None) -> PageResult:
    """Enquiries, newest first, with the response time in hours (None while unanswered)."""
    page = page or PageRequest()
    _plain_date(until, "until")
    q = table_of(Enquiry)
    where = [c for c in (
        (q.c.responded_at.is_not(None) if answered else q.c.responded_at.is_(None)) if answered is not None else None,
        q.c.country == country.upper() if country else None,
        q.c.received_at >= dt.datetime.combine(since, dt.time()) if since else None,
        q.c.received_at < dt.datetime.combine(until + dt.timedelta(days=1), dt.time()) if until else None,
    ) if c is not None]
    stmt = select(q.c.id, q.c.received_at, q.c.enquirer, q.c.channel, q.c.country, q.c.topic, q.c.responded_at,
                  q.c.officer, q.c.project_id, q.c.synthetic, q.c.source)
    with db.engine.connect() as conn:
        result = _paged(conn, stmt, where, page, [q.c.received_at.desc(), q.c.id], q)
    for item in result.items:
        done = item["responded_at"]
        item["response_hours"] = (done - item["received_at"]).total_seconds() / 3600 if done else None
    return result

