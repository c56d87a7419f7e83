"""Registry reads through the HTTP edge: filters, paging, sorting, detail, errors, exports."""

from __future__ import annotations

import csv
import io

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from opentrade.store.models import Enterprise
from tests.api.conftest import FIRMS, HOSTILE_NAME, TOKEN
from tests.conftest import make_uscc


def _ids(response) -> list[str]:
    assert response.status_code == 200, response.text
    return [item["uscc"] for item in response.json()["items"]]


def test_enterprise_page_shape_and_paging(small) -> None:
    first = small.get("/api/v1/enterprises", params={"page_size": 5})
    body = first.json()
    assert set(body) == {"items", "total", "page", "page_size"}
    assert (body["total"], body["page"], body["page_size"], len(body["items"])) == (len(FIRMS), 1, 5, 5)
    assert set(body["items"][0]) == {"uscc", "name_zh", "name_en", "ownership", "origin_country", "industry_code",
                                     "established_on", "status", "mnc_regional_hq", "rd_centre", "de_category", "de_subcategory",
                                     "clusters", "synthetic"}
    pages = [_ids(small.get("/api/v1/enterprises", params={"page_size": 5, "page": p})) for p in (1, 2, 3)]
    assert [len(p) for p in pages] == [5, 5, 2]
    assert sorted(sum(pages, [])) == sorted(row[0] for row in FIRMS)  # every firm once, none twice
    beyond = small.get("/api/v1/enterprises", params={"page_size": 5, "page": 4}).json()
    assert beyond["items"] == [] and beyond["total"] == len(FIRMS)


@pytest.mark.parametrize(("params", "expected"), [
    ({"ownership": "foreign"}, {1, 3, 7, 11}),
    ({"ownership": "foreign_funded"}, {1, 3, 5, 7, 11}),
    ({"origin_country": "deu"}, {1, 11}),
    ({"mnc_regional_hq": "true"}, {1, 11}),
    ({"rd_centre": "true"}, {3, 11}),
    ({"rd_centre": "true", "mnc_regional_hq": "false"}, {3}),
    ({"status": "closed"}, {5}),
    ({"q": "Henkel"}, {1}),
    ({"q": "汉高"}, {1}),
    ({"q": make_uscc(7)[5:14].lower()}, {7}),
    ({"q": "%"}, set()),  # wildcards are text, not patterns
    ({"q": "_"}, set()),
])
def test_enterprise_filters(small, params, expected) -> None:
    got = set(_ids(small.get("/api/v1/enterprises", params=params)))
    assert got == {make_uscc(i) for i in expected}


def test_classification_filters_match_the_stored_columns(small, small_db) -> None:
    with small_db.engine.connect() as conn:
        rows = conn.execute(select(Enterprise.uscc, Enterprise.de_category, Enterprise.clusters)).all()
    core = {u for u, cat, _ in rows if cat in ("01", "02", "03", "04")}
    assert core and set(_ids(small.get("/api/v1/enterprises", params={"de_category": "core"}))) == core
    cat03 = {u for u, cat, _ in rows if cat == "03"}
    assert cat03 and set(_ids(small.get("/api/v1/enterprises", params={"de_category": "03"}))) == cat03
    ai_plus = {u for u, _, cl in rows if "2.ai_plus" in cl.split(";")}
    assert ai_plus and set(_ids(small.get("/api/v1/enterprises", params={"cluster": "2.ai_plus"}))) == ai_plus
    tier2 = {u for u, _, cl in rows if any(c.startswith("2.") for c in cl.split(";"))}
    assert set(_ids(small.get("/api/v1/enterprises", params={"cluster": "2"}))) == tier2
    tier1 = {u for u, _, cl in rows if "1" in cl.split(";")}
    assert tier1 and set(_ids(small.get("/api/v1/enterprises", params={"cluster": "1"}))) == tier1


def test_sorting(small) -> None:
    asc = small.get("/api/v1/enterprises", params={"sort": "established_on"}).json()["items"]
    dates = [i["established_on"] for i in asc]
    assert dates == sorted(dates)
    desc = small.get("/api/v1/enterprises", params={"sort": "-established_on", "page_size": 3}).json()["items"]
    assert [i["established_on"] for i in desc] == sorted(dates, reverse=True)[:3]
    names = [i["name_zh"] for i in small.get("/api/v1/enterprises", params={"sort": "-name_zh"}).json()["items"]]
    assert names == sorted(names, reverse=True)


@pytest.mark.parametrize("params", [
    {"page_size": 501}, {"page_size": 0}, {"page": 0}, {"sort": "business_scope"}, {"sort": "name_zh;drop"},
    {"de_category": "06"}, {"ownership": "martian"}, {"origin_country": "DE"}, {"cluster": "5"},
    {"mnc_regional_hq": "perhaps"},
])
def test_invalid_parameters_are_422_with_the_error_shape(small, params) -> None:
    response = small.get("/api/v1/enterprises", params=params)
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["type"] == "ValidationError" and error["message"] and isinstance(error["details"], list)
    assert error["details"][0]["loc"][0] == "query"


def test_enterprise_detail_has_reasons_years_and_projects(small, small_db, make_client) -> None:
    body = small.get(f"/api/v1/enterprises/{make_uscc(1).lower()}").json()
    assert body["uscc"] == make_uscc(1) and body["name_en"] == "Henkel China"
    assert [(y["year"], y["revenue"]) for y in body["years"]] == [(2022, None), (2023, None)]  # anonymous
    signed = make_client(small_db, admin_token=TOKEN).get(f"/api/v1/enterprises/{make_uscc(1)}",
                                                          headers={"Authorization": f"Bearer {TOKEN}"}).json()
    assert [(y["year"], y["revenue"]) for y in signed["years"]] == [(2022, 1_000_000), (2023, 1_200_000)]
    assert [p["title"] for p in body["projects"]] == ["Henkel lab"]
    software = small.get(f"/api/v1/enterprises/{make_uscc(2)}").json()["classification"]
    assert software["de_category"] == "03" and "6513" in software["de_basis"]
    assert software["de_category_name_en"] and software["de_subcategory"] == "0301"
    clusters = {c["id"]: c for c in software["clusters"]}
    assert "2.ai_plus" in clusters and clusters["2.ai_plus"]["basis"] and clusters["2.ai_plus"]["name_zh"]


def test_not_found_shapes(small) -> None:
    missing = small.get(f"/api/v1/enterprises/{make_uscc(999)}")
    assert missing.status_code == 404
    assert missing.json() == {"error": {"type": "NotFound", "code": "not_found",
                                        "message": f"no enterprise with USCC {make_uscc(999)}", "details": None}}
    route = small.get("/api/v1/no-such-thing")
    assert route.status_code == 404 and route.json()["error"]["type"] == "NotFound"
    method = small.delete("/api/v1/enterprises")
    assert method.status_code == 405 and method.json()["error"]["type"] == "MethodNotAllowed"


def test_other_tables(small) -> None:
    partners = small.get("/api/v1/partners", params={"market": "mys"}).json()
    assert [p["name_en"] for p in partners["items"]] == ["ASEAN Business Council"]
    assert partners["items"][0]["markets"] == ["SGP", "MYS", "THA", "VNM"]
    assert small.get("/api/v1/partners", params={"kind": "platform"}).json()["total"] == 1
    projects = small.get("/api/v1/projects", params={"uscc": make_uscc(1)}).json()["items"]
    assert [(p["title"], p["investor_name_en"]) for p in projects] == [("Henkel lab", "Henkel China")]
    assert small.get("/api/v1/projects", params={"stage": "lead"}).json()["items"][0]["investor_uscc"] is None
    by_amount = [p["amount"] for p in small.get("/api/v1/projects", params={"sort": "-amount"}).json()["items"]]
    assert by_amount[:2] == [100_000_000, 5_000_000]
    events = small.get("/api/v1/events").json()["items"]
    assert [e["starts_on"] for e in events] == ["2024-06-14", "2023-09-01"]  # newest first
    assert small.get("/api/v1/events", params={"from": "2024-01-01"}).json()["total"] == 1
    heritage = small.get("/api/v1/heritage", params={"industrial_relic": "true", "sort": "-floor_area_m2"}).json()
    assert [h["name_zh"] for h in heritage["items"]] == ["杨树浦水厂", "纱厂车间（示例）"]
    assert (heritage["items"][0]["lat"], heritage["items"][0]["lon"]) == (31.26, 121.54)
    assert small.get("/api/v1/heritage", params={"protection_level": "national"}).json()["total"] == 1
    spaces = small.get("/api/v1/spaces", params={"vacant": "true"}).json()["items"]
    assert [(s["name"], s["heritage_site"]) for s in spaces] == [("滨江数字大厦", "杨树浦水厂")]


def test_csv_export_escapes_formulas_and_honours_filters(small) -> None:
    response = small.get("/api/v1/enterprises.csv", params={"ownership": "domestic", "sort": "name_en"})
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
    assert "attachment" in response.headers["content-disposition"]
    assert response.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert {r["ownership"] for r in rows} == {"domestic"} and len(rows) == 7
    by_uscc = {r["uscc"]: r for r in rows}
    assert by_uscc[make_uscc(4)]["name_zh"] == "'" + HOSTILE_NAME
    assert by_uscc[make_uscc(4)]["name_en"] == "'-minus firm"
    assert by_uscc[make_uscc(6)]["name_zh"].startswith("'@")
    assert {"de_category", "de_basis", "clusters", "business_scope"} <= set(rows[0])


def test_xlsx_export_opens_and_escapes(small) -> None:
    response = small.get("/api/v1/enterprises.xlsx")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content), read_only=True).active
    header, *rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert len(rows) == len(FIRMS)
    cells = {str(c) for row in rows for c in row if c is not None}
    assert "'" + HOSTILE_NAME in cells and "'+plus firm" in cells
    assert not any(c.startswith(("=", "+", "-", "@")) for c in cells)


def test_reads_can_be_closed(small_db, make_client) -> None:
    closed = make_client(small_db, public_read=False, admin_token=TOKEN)
    assert closed.get("/api/v1/enterprises").status_code == 401
    assert closed.get("/api/v1/kpis", headers={"Authorization": "Bearer nope"}).status_code == 403
    assert closed.get("/api/v1/enterprises", headers={"Authorization": f"Bearer {TOKEN}"}).status_code == 200
    assert closed.get("/api/openapi.json").status_code == 200  # the description stays public


def test_demo_page_of_100_rows(demo_db, make_client) -> None:
    client = make_client(demo_db)
    body = client.get("/api/v1/enterprises", params={"page_size": 100, "page": 3}).json()
    with demo_db.engine.connect() as conn:
        total = conn.execute(select(func.count()).select_from(Enterprise)).scalar_one()
        ai = conn.execute(select(func.count()).where(
            (";" + Enterprise.clusters + ";").contains(";2.ai_plus;"))).scalar_one()
    assert body["total"] == total and len(body["items"]) == 100
    assert client.get("/api/v1/enterprises", params={"cluster": "2.ai_plus", "page_size": 1}).json()["total"] == ai
    foreign = client.get("/api/v1/enterprises", params={"ownership": "foreign_funded", "status": "active",
                                                        "page_size": 1}).json()["total"]
    kpi = {k["id"]: k for k in client.get("/api/v1/kpis", params={"as_of": "2024-06-14"}).json()}
    assert foreign >= kpi["foreign_funded_enterprises"]["value"]  # the KPI also excludes firms founded later
