"""Users, roles and API tokens at the API: the role matrix of every write endpoint, the audit entry of every
successful write, firm-level money withheld from anonymous readers, and no secret in the database file."""

from __future__ import annotations

import datetime as dt
import itertools
import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, insert, select, update

from opentrade.app import create_app
from opentrade.services import auth
from opentrade.services.importer import import_file
from opentrade.store.db import Database
from opentrade.store.models import ApiToken, AppUser, AuditLog, Base, Event, InvestmentProject
from tests import databases
from tests.api.conftest import FIRM_HEADER, FIRMS, TOKEN, api_settings, build_small_registry
from tests.conftest import make_uscc, write_csv

ROLES = ("viewer", "analyst", "admin")
STATES = ("none", "expired", "revoked", "wrong_scope", "right_scope")
_serial = itertools.count(1)


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Database, TestClient, Path]]:
    folder = tmp_path_factory.mktemp("auth")
    db = Database(databases.new_url(folder / "auth.db"))
    build_small_registry(db, folder / "files")
    with db.engine.connect() as conn:
        event = conn.execute(select(Event.name_en).order_by(Event.id)).scalars().first()
    import_file(db, "buyers", write_csv(folder / "buyers.csv", ["name", "country", "segments", "event"], [
        ["Buyer A", "VNM", "ict;platforms", event], ["Buyer B", "BRA", "professional;rd_tech", event]]))
    for role in ROLES:
        auth.add_user(db, f"{role}1", role=role, actor="test")
    client = TestClient(create_app(db, api_settings(folder, admin_token=TOKEN), web=False))
    yield db, client, folder
    db.dispose()
    databases.drop_url(db.url)


def _token(db: Database, role: str, scopes: set[str], state: str) -> str:
    """A token of the role's user with ``scopes`` in ``state``. Scopes beyond the role are written straight to the
    database (create_token refuses them), to show that verification still limits them to the role."""
    name = f"t{next(_serial)}"
    username = f"{role}1"
    if scopes <= auth.ROLE_SCOPES[role]:
        plain, record = auth.create_token(db, username, name=name, scopes=sorted(scopes), actor="test",
                                          expires_in=dt.timedelta(days=1))
        token_id = record["id"]
    else:
        plain = auth.TOKEN_PREFIX + name + "-beyond-role"
        with db.engine.begin() as conn:
            user_id = conn.execute(select(AppUser.id).where(AppUser.username == username)).scalar_one()
            token_id = conn.execute(insert(ApiToken).values(
                user_id=user_id, name=name, token_sha256=auth.token_digest(plain), scopes=";".join(sorted(scopes)),
                created_at=dt.datetime(2024, 1, 1))).inserted_primary_key[0]
    if state == "expired":
        with db.engine.begin() as conn:
            conn.execute(update(ApiToken).where(ApiToken.id == token_id)
                         .values(expires_at=dt.datetime(2024, 1, 1)))
    elif state == "revoked":
        auth.revoke_token(db, token_id, actor="test")
    return plain


# --- the write endpoints: each call is valid whenever the credentials are --------------------------------------


def _project(db: Database, title: str = "Henkel lab") -> tuple[int, str, int]:
    with db.engine.connect() as conn:
        return tuple(conn.execute(select(InvestmentProject.id, InvestmentProject.stage, InvestmentProject.row_version)
                                  .where(InvestmentProject.title == title)).one())


def _import(client, db, folder, headers):
    path = write_csv(folder / "firms.csv", FIRM_HEADER, FIRMS)
    return client.post("/api/v1/imports/enterprises", files={"file": ("firms.csv", path.read_bytes(), "text/csv")},
                       headers=headers), "import"


def _move(client, db, folder, headers):
    pid, stage, version = _project(db, "Unattached lead")
    body = ({"to_stage": "contacted", "expected_version": version} if stage == "lead" else
            {"to_stage": "lead", "expected_version": version, "reopen": True, "reason": "test: back to lead"})
    return client.post(f"/api/v1/projects/{pid}/stage", json=body, headers=headers), "stage_move"


def _edit(client, db, folder, headers):
    pid, _stage, version = _project(db)
    body = {"expected_version": version, "owner": f"officer {next(_serial)}", "next_action_on": "2030-01-01"}
    return client.patch(f"/api/v1/projects/{pid}", json=body, headers=headers), "edit"


def _schedule(client, db, folder, headers):
    with db.engine.connect() as conn:
        event_id = conn.execute(select(Event.id).order_by(Event.id)).scalars().first()
    return client.post(f"/api/v1/events/{event_id}/schedule", json={"slots": 2, "tables": 2, "firms": 5},
                       headers=headers), "schedule"


def _add_user(client, db, folder, headers):
    return client.post("/api/v1/users", json={"username": f"new{next(_serial)}", "role": "viewer"},
                       headers=headers), "user_added"


def _disable_user(client, db, folder, headers):
    name = f"victim{next(_serial)}"
    auth.add_user(db, name, role="viewer", actor="test")
    return client.post(f"/api/v1/users/{name}/disable", headers=headers), "user_disabled"


def _create_token(client, db, folder, headers):
    body = {"username": "viewer1", "name": f"made{next(_serial)}", "scopes": ["read"], "expires_days": 1}
    return client.post("/api/v1/tokens", json=body, headers=headers), "token_created"


def _revoke_token(client, db, folder, headers):
    _plain, record = auth.create_token(db, "viewer1", name=f"doomed{next(_serial)}", scopes=["read"], actor="test")
    return client.post(f"/api/v1/tokens/{record['id']}/revoke", headers=headers), "token_revoked"


WRITES: dict[str, tuple[str, Callable]] = {
    "POST /imports/{kind}": ("import", _import),
    "POST /projects/{id}/stage": ("edit", _move),
    "PATCH /projects/{id}": ("edit", _edit),
    "POST /events/{id}/schedule": ("edit", _schedule),
    "POST /users": ("admin", _add_user),
    "POST /users/{name}/disable": ("admin", _disable_user),
    "POST /tokens": ("admin", _create_token),
    "POST /tokens/{id}/revoke": ("admin", _revoke_token),
}


def _last_audit_id(db: Database) -> int:
    with db.engine.connect() as conn:
        return conn.execute(select(func.max(AuditLog.id))).scalar() or 0


@pytest.mark.parametrize("state", STATES)
@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("endpoint", list(WRITES))
def test_role_matrix(world, endpoint: str, role: str, state: str) -> None:
    db, client, folder = world
    needed, call = WRITES[endpoint]
    allowed = state == "right_scope" and needed in auth.ROLE_SCOPES[role]
    headers = {}
    if state != "none":
        granted = auth.ROLE_SCOPES[role]
        scopes = ({needed} if state != "wrong_scope" else (granted - {needed, "admin"}) or {"read"})
        headers = {"Authorization": f"Bearer {_token(db, role, scopes, state)}"}
    before = _last_audit_id(db)
    response, action = call(client, db, folder, headers)
    with db.engine.connect() as conn:  # the call's own set-up (a user to disable …) is audited as "test"
        new = conn.execute(select(AuditLog.action, AuditLog.actor, AuditLog.ip)
                           .where(AuditLog.id > before, AuditLog.actor != "test")).all()
    if allowed:
        assert response.status_code in (200, 201), response.text
        assert len(new) == 1 and (new[0].action, new[0].ip) == (action, "testclient")
        assert new[0].actor.startswith(f"{role}1/token:")
    else:
        assert response.status_code == (401 if state == "none" else 403), response.text
        assert set(response.json()["error"]) == {"type", "message", "details"}
        assert new == []  # nothing written, nothing audited


def test_admin_reads_need_the_admin_scope(world) -> None:
    db, client, _ = world
    for path in ("/api/v1/audit", "/api/v1/users", "/api/v1/tokens"):
        assert client.get(path).status_code == 401
        for role in ROLES:
            headers = {"Authorization": f"Bearer {_token(db, role, set(auth.ROLE_SCOPES[role]), 'ok')}"}
            assert client.get(path, headers=headers).status_code == (200 if role == "admin" else 403), path


def test_legacy_admin_token_still_writes_and_is_audited(world) -> None:
    db, client, folder = world
    response, _ = _move(client, db, folder, {"Authorization": f"Bearer {TOKEN}"})
    assert response.status_code == 200
    history = client.get(f"/api/v1/projects/{response.json()['id']}/history").json()
    assert history[-1]["actor"] == "admin-token"
    entries = client.get("/api/v1/audit", params={"action": "stage_move", "actor": "admin-token"},
                         headers={"Authorization": f"Bearer {TOKEN}"}).json()
    assert entries["total"] >= 1 and entries["items"][0]["after"]["stage"] == response.json()["to_stage"]
    assert entries["items"][0]["before"]["row_version"] + 1 == entries["items"][0]["after"]["row_version"]


def test_audit_export_escapes_formula_cells(world) -> None:
    db, client, _ = world
    with pytest.raises(auth.LoginRefused):
        auth.authenticate(db, '=HYPERLINK("http://evil.example")', "whatever-password", ip="10.9.9.9",
                          window=auth.SlidingWindow())
    admin = {"Authorization": f"Bearer {TOKEN}"}
    csv = client.get("/api/v1/audit", params={"format": "csv", "action": "login_failed"}, headers=admin)
    assert csv.status_code == 200 and csv.headers["content-type"].startswith("text/csv")
    text = csv.content.decode("utf-8-sig")
    assert "'=HYPERLINK" in text and "\n=" not in text and ",=" not in text
    xlsx = client.get("/api/v1/audit", params={"format": "xlsx"}, headers=admin)
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"
    page = client.get("/api/v1/audit", params={"page_size": 2}, headers=admin).json()
    assert len(page["items"]) == 2 and page["total"] > 2 and page["items"][0]["id"] > page["items"][1]["id"]


def test_anonymous_public_readers_never_see_firm_money(world) -> None:
    db, client, _ = world
    uscc = make_uscc(1)  # Henkel: revenue 1,000,000 and 1,200,000, tax 50,000 and 60,000
    anonymous = client.get(f"/api/v1/enterprises/{uscc}")
    assert anonymous.status_code == 200 and anonymous.json()["figures_withheld"] is True
    years = anonymous.json()["years"]
    assert years and all(y["revenue"] is None and y["tax"] is None and y["foreign_revenue"] is None for y in years)
    assert [y["employees"] for y in years] == [20, 22]
    numbers = {float(n) for n in re.findall(r"(?<![\w.])-?\d+(?:\.\d+)?(?![\w.])", anonymous.text)}
    assert not numbers & {1_000_000, 1_200_000, 50_000, 60_000}
    reader = {"Authorization": f"Bearer {_token(db, 'viewer', {'read'}, 'ok')}"}
    signed = client.get(f"/api/v1/enterprises/{uscc}", headers=reader).json()
    assert signed["figures_withheld"] is False and [y["revenue"] for y in signed["years"]] == [1_000_000, 1_200_000]
    importer = {"Authorization": f"Bearer {_token(db, 'analyst', {'import'}, 'ok')}"}
    assert client.get(f"/api/v1/enterprises/{uscc}", headers=importer).json()["figures_withheld"] is True
    # Exports carry no yearly figures at all.
    for path in ("/api/v1/enterprises.csv", "/api/v1/enterprises.xlsx"):
        assert "revenue" not in client.get(path).content.decode("latin-1").lower()


def test_closed_reads_need_the_read_scope(world, tmp_path: Path) -> None:
    db, _, _ = world
    closed = TestClient(create_app(db, api_settings(tmp_path, public_read=False), web=False))
    assert closed.get("/api/v1/enterprises").status_code == 401
    viewer = {"Authorization": f"Bearer {_token(db, 'viewer', {'read'}, 'ok')}"}
    assert closed.get("/api/v1/enterprises", headers=viewer).status_code == 200
    only_import = {"Authorization": f"Bearer {_token(db, 'analyst', {'import'}, 'ok')}"}
    assert closed.get("/api/v1/enterprises", headers=only_import).status_code == 403
    for state in ("expired", "revoked"):
        stale = {"Authorization": f"Bearer {_token(db, 'viewer', {'read'}, state)}"}
        assert closed.get("/api/v1/enterprises", headers=stale).status_code == 403


def test_disabled_users_tokens_stop_working_and_whoami(world) -> None:
    db, client, _ = world
    auth.add_user(db, "leaver", role="analyst", actor="test")
    plain, _ = auth.create_token(db, "leaver", name="ci", scopes=["read", "import"], actor="test")
    me = client.get("/api/v1/whoami", headers={"Authorization": f"Bearer {plain}"}).json()
    assert me == {"actor": "leaver/token:ci", "kind": "token", "username": "leaver", "role": "analyst",
                  "scopes": ["import", "read"]}
    auth.disable_user(db, "leaver", actor="test")
    assert client.get("/api/v1/whoami", headers={"Authorization": f"Bearer {plain}"}).status_code == 403
    with pytest.raises(auth.ConfigError, match="does not grant"):
        auth.create_token(db, "viewer1", name="too much", scopes=["import"], actor="test")


def test_no_secret_is_stored_in_plain_text(tmp_path: Path) -> None:
    db = Database(databases.new_url(tmp_path / "secrets.db"))
    password = "Plain-Password-4-Test"
    auth.add_user(db, "keeper", role="admin", password=password, actor="test")
    token, _ = auth.create_token(db, "keeper", name="backup", scopes=["admin"], actor="test")
    principal, _stamp = auth.authenticate(db, "keeper", password, ip="127.0.0.1", window=auth.SlidingWindow())
    assert principal.username == "keeper" and principal.can("import")
    with db.engine.connect() as conn:
        stored = conn.execute(select(AppUser.password_hash)).scalar_one()
        digest = conn.execute(select(ApiToken.token_sha256)).scalar_one()
        if db.engine.dialect.name == "sqlite":
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
            raw = b"".join(p.read_bytes() for p in tmp_path.glob("secrets.db*"))
        else:  # every row of every table, as text
            raw = "".join(str(tuple(r)) for t in Base.metadata.sorted_tables for r in conn.execute(select(t))).encode()
    assert stored.startswith("$argon2id$") and auth._hasher.verify(stored, password)
    assert digest == auth.token_digest(token) and len(digest) == 64
    db.dispose()
    databases.drop_url(db.url)
    assert b"keeper" in raw  # the scan does read the data
    for secret in (password, token, token[len(auth.TOKEN_PREFIX):]):
        assert secret.encode() not in raw
