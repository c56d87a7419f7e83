"""The cockpit's sign-in: CSRF on every form that posts, the session cookie, throttling, the closed cockpit, the
admin page, imports with the session + CSRF header, and firm-level money hidden from anonymous readers."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from opentrade.app import create_app
from opentrade.services import auth
from opentrade.store.db import Database
from opentrade.store.models import AuditLog
from tests import databases
from tests.api.conftest import FIRM_HEADER, FIRMS, api_settings, build_small_registry
from tests.conftest import make_uscc, write_csv

PASSWORDS = {"vera": "viewer password 1", "ana": "analyst password 1", "ada": "admin password 1"}


@pytest.fixture(scope="module")
def site_db(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Database]:
    folder = tmp_path_factory.mktemp("site")
    db = Database(databases.new_url(folder / "site.db"))
    build_small_registry(db, folder / "files")
    for (name, password), role in zip(PASSWORDS.items(), ("viewer", "analyst", "admin"), strict=True):
        auth.add_user(db, name, role=role, password=password, display_name=name.title(), actor="test")
    yield db
    db.dispose()
    databases.drop_url(db.url)


@pytest.fixture(autouse=True)
def _fresh_ip_window() -> Iterator[None]:
    auth.ip_failures.clear()
    yield
    auth.ip_failures.clear()


def _client(db: Database, tmp_path: Path, **settings) -> TestClient:
    base = "https://testserver" if settings.get("cookie_secure") else "http://testserver"
    return TestClient(create_app(db, api_settings(tmp_path, **settings), web=True), follow_redirects=False,
                      base_url=base)


def _csrf(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def _sign_in(client: TestClient, name: str, password: str | None = None, next_url: str = "/") -> TestClient:
    token = _csrf(client.get("/login").text)
    response = client.post("/login", data={"username": name, "password": password or PASSWORDS[name],
                                           "csrf_token": token, "next": next_url})
    assert response.status_code == 303, response.text
    return client


def _meta_csrf(client: TestClient) -> str:
    return re.search(r'name="csrf-token" content="([^"]+)"', client.get("/import").text).group(1)


def test_sign_in_sets_a_hardened_session_cookie_and_sign_out_ends_it(site_db, tmp_path) -> None:
    client = _client(site_db, tmp_path, cookie_secure=True)
    page = client.get("/login?next=/partners")
    assert page.status_code == 200 and 'name="next" value="/partners"' in page.text
    csrf_cookie = page.headers["set-cookie"]
    assert "opentrade_csrf=" in csrf_cookie and "HttpOnly" in csrf_cookie and "SameSite=lax" in csrf_cookie
    response = client.post("/login", data={"username": "ana", "password": PASSWORDS["ana"],
                                           "csrf_token": _csrf(page.text), "next": "/partners"})
    assert response.status_code == 303 and response.headers["location"] == "/partners"
    cookie = next(c for c in response.headers.get_list("set-cookie") if c.startswith("opentrade_session="))
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Secure" in cookie
    assert PASSWORDS["ana"] not in cookie
    home = client.get("/?lang=en")
    assert "Signed in as Ana" in home.text and 'id="admin-link"' not in home.text
    assert client.get("/api/v1/whoami").json()["actor"] == "ana"
    no_csrf = client.post("/logout")
    assert no_csrf.status_code == 403 and client.get("/api/v1/whoami").json()["actor"] == "ana"
    out = client.post("/logout", data={"csrf_token": _meta_csrf(client)})
    assert out.status_code == 303 and 'opentrade_session=""' in out.headers["set-cookie"]
    assert client.get("/api/v1/whoami").json()["kind"] == "anonymous"
    with site_db.engine.connect() as conn:
        actions = conn.execute(select(AuditLog.action).where(AuditLog.actor == "ana")).scalars().all()
    assert actions[-2:] == ["login", "logout"]


@pytest.mark.parametrize("token", [None, "", "forged-token"])
def test_form_posts_without_the_csrf_token_are_403(site_db, tmp_path, token) -> None:
    client = _client(site_db, tmp_path)
    client.get("/login")  # the form cookie is set
    data = {"username": "ana", "password": PASSWORDS["ana"]} | ({} if token is None else {"csrf_token": token})
    response = client.post("/login", data=data)
    assert response.status_code == 403 and "opentrade_session" not in response.headers.get("set-cookie", "")
    # a token of another browser (no matching cookie) is refused too
    other = _client(site_db, tmp_path)
    stolen = _csrf(other.get("/login").text)
    fresh = _client(site_db, tmp_path)
    assert fresh.post("/login", data={**data, "csrf_token": stolen}).status_code == 403


def test_wrong_passwords_lock_after_five_and_are_audited(site_db, tmp_path) -> None:
    auth.add_user(site_db, "lock", role="viewer", password="lock password 1", actor="test")
    client = _client(site_db, tmp_path)
    token = _csrf(client.get("/login").text)
    for _ in range(auth.LOCK_AFTER):
        r = client.post("/login", data={"username": "lock", "password": "nope nope", "csrf_token": token})
        assert r.status_code == 401 and 'role="alert"' in r.text
    locked = client.post("/login", data={"username": "lock", "password": "lock password 1", "csrf_token": token})
    assert locked.status_code == 429 and int(locked.headers["retry-after"]) > 800
    with site_db.engine.connect() as conn:
        failures = conn.execute(select(AuditLog.detail).where(AuditLog.action == "login_failed",
                                                              AuditLog.actor == "lock")).scalars().all()
    assert len(failures) == auth.LOCK_AFTER + 1 and failures[-1].startswith("account locked")


def test_closed_cockpit_redirects_to_sign_in_and_back(site_db, tmp_path) -> None:
    client = _client(site_db, tmp_path, public_read=False)
    for path in ("/", "/enterprises", "/partners", "/heritage", "/events", "/sources", "/markets",
                 "/export/enterprises.csv", f"/enterprises/{make_uscc(1)}", "/pipeline", "/matchmaking"):
        r = client.get(path, params={"lang": "en"})
        assert r.status_code == 303 and r.headers["location"].startswith("/login?next="), path
        assert "ASEAN Business Council" not in r.text and "Henkel" not in r.text
    partial = client.get("/enterprises", headers={"HX-Request": "true"})
    assert partial.status_code == 204 and partial.headers["hx-redirect"].startswith("/login")
    assert client.get("/api/v1/partners").status_code == 401
    assert client.get("/login").status_code == 200 and client.get("/static/app.css").status_code == 200
    _sign_in(client, "vera", next_url="/partners")
    assert "ASEAN Business Council" in client.get("/partners?lang=en").text
    assert client.get("/api/v1/partners").status_code == 200  # the session works for the API's reads too
    assert client.post("/login", data={"next": "https://evil.example/"}).status_code == 403
    bounce = _client(site_db, tmp_path)
    token = _csrf(bounce.get("/login").text)
    r = bounce.post("/login", data={"username": "vera", "password": PASSWORDS["vera"], "csrf_token": token,
                                    "next": "//evil.example/x"})
    assert r.status_code == 303 and r.headers["location"] == "/"  # never an open redirect


def test_import_page_posts_with_the_session_and_csrf_header(site_db, tmp_path) -> None:
    client = _client(site_db, tmp_path)
    page = client.get("/import?lang=en")
    assert 'id="import-form"' not in page.text and 'id="import-sign-in"' in page.text
    _sign_in(_client(site_db, tmp_path), "vera")
    viewer = _sign_in(_client(site_db, tmp_path), "vera")
    assert 'id="import-no-scope"' in viewer.get("/import").text
    analyst = _sign_in(_client(site_db, tmp_path), "ana")
    assert 'id="import-form"' in analyst.get("/import").text
    body = write_csv(tmp_path / "firms.csv", FIRM_HEADER, FIRMS).read_bytes()
    files = {"file": ("firms.csv", body, "text/csv")}
    assert analyst.post("/api/v1/imports/enterprises", files=files).status_code == 403  # no CSRF header
    wrong = analyst.post("/api/v1/imports/enterprises", files=files, headers={"X-CSRF-Token": "nope"})
    assert wrong.status_code == 403
    ok = analyst.post("/api/v1/imports/enterprises", files=files, headers={"X-CSRF-Token": _meta_csrf(analyst)})
    assert ok.status_code == 200 and ok.json()["updated"] == len(FIRMS)
    with site_db.engine.connect() as conn:
        last = conn.execute(select(AuditLog.action, AuditLog.actor).order_by(AuditLog.id.desc()).limit(1)).one()
    assert tuple(last) == ("import", "ana")
    token = _meta_csrf(viewer)
    assert viewer.post("/api/v1/imports/enterprises", files=files, headers={"X-CSRF-Token": token}).status_code == 403


def test_anonymous_pages_and_downloads_hide_firm_money(site_db, tmp_path) -> None:
    uscc = make_uscc(1)  # Henkel: revenue 1,000,000 / 1,200,000; tax 50,000 / 60,000
    anonymous = _client(site_db, tmp_path)
    page = anonymous.get(f"/enterprises/{uscc}?lang=en")
    assert page.status_code == 200 and 'id="money-withheld"' in page.text
    assert not re.search(r"1,[02]00,000|[56]0,000", page.text)
    csv = anonymous.get("/export/enterprise_years.csv", params={"uscc": uscc}).content.decode("utf-8-sig")
    header = csv.splitlines()[0].split(",")
    assert "year" in header and not {"revenue", "tax", "foreign_revenue"} & set(header)
    assert "1000000" not in csv and "50000" not in csv
    reader = _sign_in(_client(site_db, tmp_path), "vera")
    signed = reader.get(f"/enterprises/{uscc}?lang=en").text
    assert 'id="money-withheld"' not in signed and re.search(r"1,200,000", signed)
    csv = reader.get("/export/enterprise_years.csv", params={"uscc": uscc}).content.decode("utf-8-sig")
    assert {"revenue", "tax", "foreign_revenue"} <= set(csv.splitlines()[0].split(","))


def test_admin_page_is_for_admins_and_lists_users_and_the_audit_log(site_db, tmp_path) -> None:
    assert _client(site_db, tmp_path).get("/admin").status_code == 303
    analyst = _sign_in(_client(site_db, tmp_path), "ana")
    assert analyst.get("/admin").status_code == 403
    assert analyst.get("/admin/audit.csv").status_code == 403
    admin = _sign_in(_client(site_db, tmp_path), "ada")
    for lang, heading in (("en", "Audit log"), ("zh", "审计日志")):
        page = admin.get("/admin", params={"lang": lang})
        assert page.status_code == 200 and heading in page.text and "vera" in page.text
    filtered = admin.get("/admin", params={"action": "login", "lang": "en"}).text
    rows = re.findall(r"<td><code>(\w+)</code></td>", filtered)
    assert rows and set(rows) == {"login"}
    assert "$argon2" not in admin.get("/admin").text
    export = admin.get("/admin/audit.xlsx")
    assert export.status_code == 200 and export.content[:2] == b"PK"
