"""The HTTP edge, in-process through the real ASGI stack (TestClient), on a real SQLite file."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from opentrade.app import create_app
from opentrade.services.importer import import_file
from opentrade.services.kpis import DEFINITIONS
from tests.conftest import write_csv


@pytest.fixture
def client(db):
    with TestClient(create_app(db, web=False)) as c:  # the plain fallback page; the cockpit has its own tests
        yield c


def test_kpis_endpoint_and_openapi(demo_shared) -> None:
    client = TestClient(create_app(demo_shared, web=False))  # the demo, copied once per session, read only
    response = client.get("/api/v1/kpis", params={"as_of": "2024-06-14"})
    assert response.status_code == 200
    assert [k["id"] for k in response.json()] == list(DEFINITIONS)
    home = client.get("/")
    assert "Synthetic demo data" in home.text and "外资企业数" in home.text
    assert client.get("/api/openapi.json").json()["openapi"].startswith("3.")
    assert client.get("/api/v1/kpis", params={"as_of": "yesterday"}).status_code == 422


def test_hostile_text_is_shown_as_text(client, db, tmp_path) -> None:
    import_file(db, "statistics", write_csv(
        tmp_path / "s.csv", ["key", "value", "unit", "as_of", "source"],
        [["expats", "5", "persons", "2024-01-01", "<script>alert(1)</script>"]]))
    html = client.get("/").text
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "Synthetic demo data" not in html  # nothing here rests on generated records
