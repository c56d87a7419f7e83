"""OPENTRADE_PUBLIC_READ=false closes the cockpit's pages too, not only the API's reads: readers without a sign-in
go to /login (tests/api/test_auth_web.py signs in)."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from opentrade.app import create_app
from tests.api.conftest import api_settings


def _client(db, tmp_path: Path, *, public_read: bool) -> TestClient:
    return TestClient(create_app(db, api_settings(tmp_path, public_read=public_read, admin_token="t0ken"), web=True))


def test_closed_reads_show_no_registry_data_on_any_page(small_db, tmp_path: Path) -> None:
    open_client = _client(small_db, tmp_path, public_read=True)
    assert "ASEAN Business Council" in open_client.get("/partners?lang=en").text

    closed = _client(small_db, tmp_path, public_read=False)
    for path in ("/", "/enterprises", "/partners", "/heritage", "/events", "/sources", "/markets",
                 "/export/enterprises.csv", "/enterprises/91310110MA1G8XXX0X"):
        r = closed.get(path, params={"lang": "en"}, follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"].startswith("/login?next="), path
        assert "ASEAN Business Council" not in r.text and "Palo Alto" not in r.text
    zh = closed.get("/", params={"lang": "zh"})  # followed: the sign-in page
    assert zh.status_code == 200 and "登录" in zh.text and "ASEAN Business Council" not in zh.text
    assert closed.get("/api/v1/partners").status_code == 401
    assert closed.get("/api/v1/partners", headers={"Authorization": "Bearer t0ken"}).status_code == 200


def test_derivations_are_in_the_page_language(small_db, tmp_path: Path) -> None:
    client = _client(small_db, tmp_path, public_read=True)
    zh, en = client.get("/?lang=zh").text, client.get("/?lang=en").text
    assert "截至当日已成立、仍在营的外商投资及港澳台商投资企业数" in zh
    assert "active enterprises with ownership foreign-invested" not in zh
    assert "active enterprises with ownership foreign-invested" in en
    body = client.get("/api/v1/kpis").json()
    assert all(k["provenance"]["definition_zh"] for k in body)


def test_an_unknown_address_is_a_page_in_the_readers_language(small_db, tmp_path: Path) -> None:
    client = _client(small_db, tmp_path, public_read=True)
    zh = client.get("/no-such-page", headers={"Accept-Language": "zh-CN"})
    en = client.get("/no-such-page", params={"lang": "en"})
    for page, lang in ((zh, "zh"), (en, "en")):
        assert page.status_code == 404 and page.headers["content-type"].startswith("text/html")
        assert page.headers["content-language"] == lang and "<html" in page.text
    assert zh.text != en.text
    api = client.get("/api/v1/no-such-endpoint")  # the API keeps its JSON
    assert api.status_code == 404 and api.json()["error"]["type"] == "NotFound"
