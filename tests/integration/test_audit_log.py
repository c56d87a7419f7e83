"""The audit log: append-only in the database itself, written in the same transaction as the change it records
(imports, pipeline moves and edits, expo schedules, user and token administration, sign-ins)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import delete, select, text, update
from sqlalchemy.exc import DBAPIError

from opentrade.errors import ImportRejected
from opentrade.options import Options
from opentrade.services import auth, pipeline
from opentrade.services.importer import import_file
from opentrade.store import audit
from opentrade.store.db import Database
from opentrade.store.models import AppUser, AuditLog, InvestmentProject
from tests.conftest import make_uscc, write_csv


def _entries(db: Database, **where) -> list:
    stmt = select(AuditLog).order_by(AuditLog.id)
    for k, v in where.items():
        stmt = stmt.where(getattr(AuditLog, k) == v)
    with db.engine.connect() as conn:
        return conn.execute(stmt).all()


def test_the_database_refuses_to_change_or_delete_audit_entries(db: Database) -> None:
    with db.engine.begin() as conn:
        audit.record(conn, actor="alice", action="edit", entity="thing", entity_id=1, before={"a": 1}, after={"a": 2})
    statements = [update(AuditLog).values(actor="mallory"), update(AuditLog).values(after=None),
                  delete(AuditLog), delete(AuditLog).where(AuditLog.id == 1),
                  text("UPDATE audit_log SET detail = 'x'"), text("DELETE FROM audit_log")]
    if db.engine.dialect.name == "postgresql":
        statements.append(text("TRUNCATE audit_log"))
    for statement in statements:
        with pytest.raises(DBAPIError, match="append-only"), db.engine.begin() as conn:
            conn.execute(statement)
    (entry,) = _entries(db)
    assert (entry.actor, entry.before, entry.after) == ("alice", {"a": 1}, {"a": 2})
    with db.engine.begin() as conn:  # appending still works
        audit.record(conn, actor="bob", action="edit", entity="thing")
    assert [e.actor for e in _entries(db)] == ["alice", "bob"]


def test_sqlite_refuses_even_outside_sqlalchemy(db: Database) -> None:
    if db.engine.dialect.name != "sqlite":
        pytest.skip("about the SQLite file")
    import sqlite3

    with db.engine.begin() as conn:
        audit.record(conn, actor="alice", action="edit", entity="thing")
    raw = sqlite3.connect(db.engine.url.database)
    try:
        for sql in ("UPDATE audit_log SET actor = 'x'", "DELETE FROM audit_log"):
            with pytest.raises(sqlite3.IntegrityError, match="append-only"):
                raw.execute(sql)
    finally:
        raw.close()


def test_an_import_is_audited_with_it_and_a_rejected_one_not_at_all(db: Database, tmp_path: Path) -> None:
    header = ["uscc", "name_zh", "ownership"]
    good = write_csv(tmp_path / "firms.csv", header, [[make_uscc(1), "甲公司", "domestic"],
                                                      [make_uscc(2), "乙公司", "foreign"]])
    result = import_file(db, "enterprises", good, options=Options(actor="alice/token:ci", ip="10.0.0.7"))
    (entry,) = _entries(db, action="import")
    assert (entry.actor, entry.entity, entry.ip) == ("alice/token:ci", "enterprise", "10.0.0.7")
    assert entry.after["kind"] == "enterprises" and entry.after["file"] == "firms.csv"
    assert (entry.after["rows"], entry.after["inserted"], entry.after["updated"]) == (2, 2, 0) == (
        result.rows, result.inserted, result.updated)
    assert len(entry.after["sha256"]) == 64
    bad = write_csv(tmp_path / "bad.csv", header, [[make_uscc(3), "丙公司", "martian"]])
    with pytest.raises(ImportRejected):
        import_file(db, "enterprises", bad, options=Options(actor="alice"), write_rejects=False)
    import_file(db, "enterprises", good, dry_run=True)
    assert len(_entries(db, action="import")) == 1  # neither the rejected nor the dry run wrote anything
    import_file(db, "enterprises", good)
    assert _entries(db, action="import")[-1].actor == "system"


def test_pipeline_moves_and_edits_record_before_and_after(db: Database, tmp_path: Path) -> None:
    import_file(db, "projects", write_csv(tmp_path / "p.csv", ["title", "stage"], [["Lab", "lead"]]))
    with db.engine.connect() as conn:
        pid = conn.execute(select(InvestmentProject.id)).scalar_one()
    pipeline.move_project(db, pid, "contacted", expected_version=1, on_date=dt.date(2024, 6, 14),
                          actor="ann", ip="10.1.1.1")
    pipeline.update_project(db, pid, expected_version=2, owner="Li Wei", next_action_on=dt.date(2024, 7, 1),
                            actor="ann")
    with pytest.raises(pipeline.VersionConflict):
        pipeline.update_project(db, pid, expected_version=2, owner="someone else", actor="bob")
    move, edit = _entries(db, action="stage_move")[0], _entries(db, action="edit")
    assert (move.entity, move.entity_id, move.actor, move.ip) == ("investment_project", str(pid), "ann", "10.1.1.1")
    assert move.before == {"stage": "lead", "row_version": 1}
    assert move.after == {"stage": "contacted", "row_version": 2, "on": "2024-06-14", "kind": "advance"}
    assert len(edit) == 1 and edit[0].actor == "ann"
    assert edit[0].before == {"owner": None, "next_action_on": None, "row_version": 2}
    assert edit[0].after == {"owner": "Li Wei", "next_action_on": "2024-07-01", "row_version": 3}


def test_user_and_token_administration_and_sign_ins_are_audited(db: Database) -> None:
    auth.add_user(db, "ann", role="analyst", password="long enough pw", actor="cli:root")
    token, record = auth.create_token(db, "ann", name="ci", scopes=["import"], actor="cli:root")
    auth.revoke_token(db, record["id"], actor="cli:root")
    auth.revoke_token(db, record["id"], actor="cli:root")  # again: nothing changes, nothing recorded
    auth.authenticate(db, "ann", "long enough pw", ip="10.2.2.2", window=auth.SlidingWindow())
    with pytest.raises(auth.LoginRefused):
        auth.authenticate(db, "ann", "wrong password", ip="10.2.2.3", window=auth.SlidingWindow())
    auth.disable_user(db, "ann", actor="cli:root")
    actions = [(e.action, e.actor) for e in _entries(db)]
    assert actions == [("user_added", "cli:root"), ("token_created", "cli:root"), ("token_revoked", "cli:root"),
                       ("login", "ann"), ("login_failed", "ann"), ("user_disabled", "cli:root")]
    texts = " ".join(str(tuple(e)) for e in _entries(db))
    assert "long enough pw" not in texts and token not in texts and "argon2" not in texts


def test_five_failures_lock_the_account_for_fifteen_minutes(db: Database, monkeypatch) -> None:
    assert (auth.LOCK_AFTER, auth.LOCK_FOR) == (5, dt.timedelta(minutes=15))
    auth.add_user(db, "ann", role="viewer", password="the right one!", actor="test")
    window = auth.SlidingWindow()
    for i in range(auth.LOCK_AFTER):
        with pytest.raises(auth.LoginRefused) as refused:
            auth.authenticate(db, "ann", f"wrong {i}", ip=f"10.0.0.{i}", window=window)
        assert refused.value.reason == "invalid"
    with pytest.raises(auth.LoginRefused) as refused:  # even the right password, from a fresh address
        auth.authenticate(db, "ann", "the right one!", ip="10.9.9.9", window=window)
    assert refused.value.reason == "locked" and 14 * 60 < refused.value.retry_after <= 15 * 60 + 1
    with db.engine.connect() as conn:
        locked_until = conn.execute(select(AppUser.locked_until)).scalar_one()
    failed = _entries(db, action="login_failed")
    assert len(failed) == auth.LOCK_AFTER + 1 and "locked for 15 minutes" in failed[auth.LOCK_AFTER - 1].detail
    # Fifteen minutes later the right password works again, and the count starts afresh.
    later = locked_until + dt.timedelta(seconds=1)
    monkeypatch.setattr(auth, "_now", lambda: later)
    principal, _ = auth.authenticate(db, "ann", "the right one!", ip="10.9.9.9", window=window)
    assert principal.username == "ann"
    with db.engine.connect() as conn:
        assert tuple(conn.execute(select(AppUser.failed_logins, AppUser.locked_until)).one()) == (0, None)


def test_an_address_is_throttled_across_user_names(db: Database) -> None:
    window = auth.SlidingWindow(limit=3, seconds=60)
    for i in range(3):
        with pytest.raises(auth.LoginRefused):
            auth.authenticate(db, f"nobody{i}", "whatever", ip="10.6.6.6", window=window)
    with pytest.raises(auth.LoginRefused) as refused:
        auth.authenticate(db, "nobody9", "whatever", ip="10.6.6.6", window=window)
    assert refused.value.reason == "throttled" and 0 < refused.value.retry_after <= 61
    with pytest.raises(auth.LoginRefused) as other:  # another address is not affected
        auth.authenticate(db, "nobody9", "whatever", ip="10.7.7.7", window=window)
    assert other.value.reason == "invalid"
