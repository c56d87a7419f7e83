"""KPIs, market ranking and explanation, segments, factors and reference-data info through the HTTP edge."""

from __future__ import annotations

import pytest

from opentrade.refdata.market_model import load_model_config
from opentrade.services.kpis import DEFINITIONS


def test_kpis_carry_provenance(small) -> None:
    body = small.get("/api/v1/kpis", params={"as_of": "2024-06-14"}).json()
    assert [k["id"] for k in body] == list(DEFINITIONS)
    foreign = body[0]
    assert foreign["value"] == 4 and foreign["provenance"]["kind"] == "records"
    assert foreign["provenance"]["record_count"] == 4 and foreign["provenance"]["rests_on_synthetic"] is False


def test_market_ranking_with_weights_and_regions(small) -> None:
    base = small.get("/api/v1/markets", params={"segment": "ict", "region": "asean", "draws": 50}).json()
    assert base["segment"] == "ict" and base["regions"] == ["asean"]
    assert {m["region"] for m in base["markets"]} == {"asean"}
    assert [m["rank"] for m in base["markets"]] == list(range(1, len(base["markets"]) + 1))
    top = base["markets"][0]
    assert top["stability"] is not None and 0 <= top["stability"]["p_top"] <= 1
    assert sum(v for v in top["factors"].values()) == pytest.approx(top["score"], abs=0.01)
    assert abs(sum(base["weights"].values()) - 1) < 1e-3

    # All weight on the channels: the markets the partner registry serves come first.
    channels = small.get("/api/v1/markets", params={
        "segment": "ict", "region": "asean", "draws": 0, "w_channels": 1,
        **{f"w_{f}": 0 for f in load_model_config().segments["ict"].weights if f != "channels"}}).json()
    assert channels["weights"]["channels"] == pytest.approx(1)
    assert {m["iso3"] for m in channels["markets"][:4]} == {"SGP", "MYS", "THA", "VNM"}
    assert channels["markets"][0]["channels"] == ["ASEAN Business Council"]
    assert channels["stability"] is None
    assert len(small.get("/api/v1/markets", params={"top": 3, "draws": 0}).json()["markets"]) == 3


@pytest.mark.parametrize(("params", "status"), [
    ({"w_nonsense": 1}, 422), ({"w_channels": -1}, 422), ({"w_channels": "lots"}, 422), ({"w_channels": "nan"}, 422),
    ({"segment": "nope"}, 422), ({"region": "europe"}, 422), ({"draws": 100_000}, 422),
])
def test_market_parameter_errors(small, params, status) -> None:
    response = small.get("/api/v1/markets", params={"draws": 0, **params})
    assert response.status_code == status
    assert response.json()["error"]["type"] == "ValidationError"


def test_all_weights_zero_is_a_400(small) -> None:
    factors = load_model_config().factors
    response = small.get("/api/v1/markets", params={"draws": 0, **{f"w_{f}": 0 for f in factors}})
    assert response.status_code == 400 and response.json()["error"]["type"] == "ConfigError"


def test_market_explanation(small) -> None:
    body = small.get("/api/v1/markets/bra", params={"segment": "fintech"}).json()
    assert body["iso3"] == "BRA" and body["channels"] == ["LatAm Digital Hub"]
    used = [v for v in body["values"] if v["weight"]]
    assert sum(v["contribution"] for v in used) == pytest.approx(body["score"], abs=0.01)
    assert all(v["source"] and v["label_zh"] for v in used)
    outside = small.get("/api/v1/markets/DEU", params={"region": "asean"})
    assert outside.status_code == 200 and outside.json()["iso3"] == "DEU"  # explained among all economies
    missing = small.get("/api/v1/markets/XYZ")
    assert missing.status_code == 404 and missing.json()["error"]["type"] == "NotFound"
    assert small.get("/api/v1/markets/BRAZIL").status_code == 422


def test_segments_factors_and_reference(small) -> None:
    config = load_model_config()
    segments = small.get("/api/v1/segments").json()
    assert [s["id"] for s in segments] == list(config.segments)
    assert all(s["en"] and s["zh"] and s["ebops"] and s["weights"] for s in segments)
    factors = small.get("/api/v1/market-factors").json()
    assert [f["id"] for f in factors] == list(config.factors)
    info = small.get("/api/v1/reference").json()
    assert {d["id"] for d in info["datasets"]} >= {"countries", "wdi"}
    assert all(d["licence"] for d in info["datasets"]) and info["overridden_files"] == []
    assert info["indicators"] and "code" in info["indicators"][0]


def test_openapi_documents_the_api(small) -> None:
    spec = small.get("/api/openapi.json").json()
    assert spec["openapi"].startswith("3.")
    paths = spec["paths"]
    for path in ("/api/v1/enterprises", "/api/v1/enterprises/{uscc}", "/api/v1/enterprises.csv",
                 "/api/v1/enterprises.xlsx", "/api/v1/kpis", "/api/v1/markets", "/api/v1/markets/{iso3}",
                 "/api/v1/segments", "/api/v1/reference", "/api/v1/partners", "/api/v1/projects", "/api/v1/events",
                 "/api/v1/heritage", "/api/v1/spaces", "/api/v1/imports/{kind}"):
        assert path in paths, path
    weights = {p["name"] for p in paths["/api/v1/markets"]["get"]["parameters"]}
    assert {f"w_{f}" for f in load_model_config().factors} <= weights
    upload = paths["/api/v1/imports/{kind}"]["post"]
    assert "multipart/form-data" in upload["requestBody"]["content"]
    schemas = spec["components"]["schemas"]
    assert {"EnterprisePublic", "EnterpriseDetail", "ErrorBody", "MarketRanking"} <= set(schemas)
    assert small.get("/api/docs").status_code == 200
