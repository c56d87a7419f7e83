"""Operations on a real copy of the demo database: matchmaking reasons and channels, expo scheduling, space
allocation and figures, through the services, the CLI and the API."""

from __future__ import annotations

import itertools
import json
import math
from pathlib import Path

import numpy as np
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from typer.testing import CliRunner

from opentrade.analytics.scheduling import ScheduleError
from opentrade.errors import NotFound
from opentrade.services import expo, matchmaking, space
from opentrade.services.demo import AS_OF
from opentrade.services.importer import import_file
from opentrade.store.models import Enterprise, Event, Meeting, Space, Tenancy
from tests.conftest import write_csv

FACTORS = ("fit", "market_score", "channel_strength", "origin_boost", "export_boost", "size_boost")


def _product(row: dict) -> float:
    return math.prod(row[f] for f in FACTORS)


def test_recommendations_carry_reasons_consistent_with_the_scores(demo_copy) -> None:
    rows = matchmaking.recommendations(demo_copy, n=3, limit=50, as_of=AS_OF)
    assert len(rows) >= 100
    ctx = matchmaking.context(demo_copy, as_of=AS_OF)
    for r in rows:
        assert r["total"] == pytest.approx(_product(r), rel=1e-3, abs=1e-4)
        assert f"= {r['total']:.4f}" in r["reason"] and r["market"] in r["reason"]
        g, m = ctx.segments.index(r["segment"]), ctx.markets.index(r["market"])
        assert r["market_score"] == pytest.approx(ctx.market_score[g, m], abs=1e-4)  # the ranking's score / 100
        if r["channel"] != "direct":
            assert r["via"], "a partner channel names its partners"
    per_firm = itertools.groupby(rows, key=lambda r: r["uscc"])
    for _, group in per_firm:
        totals = [r["total"] for r in group]
        assert totals == sorted(totals, reverse=True)
    firsts = [r["total"] for r in rows if r["rank"] == 1]
    assert firsts == sorted(firsts, reverse=True)  # firms ordered by their best match


def test_a_new_partner_platform_changes_the_channel_and_the_shortlist(demo_copy, tmp_path: Path) -> None:
    ctx = matchmaking.context(demo_copy, as_of=AS_OF)
    # the market with the weakest channel among the ranked ones (no platform)
    weakest = min(ctx.markets, key=lambda iso: ctx.channels[ctx.markets.index(iso)].max())
    before = matchmaking.shortlist(demo_copy, market=weakest, limit=20, as_of=AS_OF)
    assert {r["channel"] for r in before["firms"]} != {"platform"}
    import_file(demo_copy, "partners", write_csv(tmp_path / "p.csv", ["kind", "name_en", "markets"], [
        ["platform", "Test Gateway Platform", weakest]]))
    after = matchmaking.shortlist(demo_copy, market=weakest, limit=20, as_of=AS_OF)
    assert {r["channel"] for r in after["firms"]} == {"platform"}
    assert all("Test Gateway Platform" in r["via"] for r in after["firms"])
    assert [r["total"] for r in after["firms"]] != [r["total"] for r in before["firms"]]
    assert after["firms"][0]["total"] > before["firms"][0]["total"]


def _expo_with_buyers(db, tmp_path: Path) -> int:
    with db.engine.connect() as conn:
        event_id, name = conn.execute(select(Event.id, Event.name_en).order_by(Event.id)).first()
    countries = ["VNM", "THA", "IDN", "BRA", "MEX", "CHL", "LAO", "MYS"]
    segments = ["ict", "fintech", "content_design", "platforms", "rd_tech", "professional"]
    rows = [[f"Buyer {i:02d}", f"Org {i}", countries[i % 8], f"{segments[i % 6]};{segments[(i + 2) % 6]}",
             name, "1;2" if i % 5 == 0 else None] for i in range(24)]
    import_file(db, "buyers", write_csv(tmp_path / "buyers.csv", [
        "name", "organisation", "country", "segments", "event", "unavailable_slots"], rows))
    return event_id


def test_expo_schedule_is_stored_without_double_booking_and_beats_greedy(demo_copy, tmp_path: Path) -> None:
    event_id = _expo_with_buyers(demo_copy, tmp_path)
    result = expo.schedule_expo(demo_copy, event_id, slots=6, tables=10, firms=40, as_of=AS_OF)
    s = result.summary()
    assert s["meetings"] == len(result.meetings) > 0 and s["total_score"] >= s["greedy_total_score"] - 1e-9
    assert s["lp_bound"] is None or s["total_score"] <= s["lp_bound"] + 1e-6
    stored = expo.meetings(demo_copy, event_id, by="slot")
    assert stored.height == s["meetings"]
    for keys in (["slot", "uscc"], ["slot", "buyer"], ["uscc", "buyer"], ["slot", "table_no"]):
        assert stored.select(keys).is_unique().all(), keys
    assert stored.group_by("slot").len().get_column("len").max() <= 10
    unavailable = {f"Buyer {i:02d}" for i in range(24) if i % 5 == 0}
    assert stored.filter(stored["buyer"].is_in(list(unavailable)) & stored["slot"].is_in([1, 2])).height == 0
    # scheduling again replaces the schedule rather than adding to it
    again = expo.schedule_expo(demo_copy, event_id, slots=6, tables=10, firms=40, as_of=AS_OF)
    with demo_copy.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(Meeting)).scalar() == again.summary()["meetings"]


def test_impossible_expo_requests_are_explained(demo_copy, tmp_path: Path) -> None:
    event_id = _expo_with_buyers(demo_copy, tmp_path)
    ctx = matchmaking.context(demo_copy, regions=("all",), as_of=AS_OF)
    uscc = ctx.firms.get_column("uscc")[int(np.argmax(ctx.fit.sum(axis=1)))]
    with pytest.raises(NotFound, match="no buyer named 'Nobody'"):
        expo.schedule_expo(demo_copy, event_id, slots=2, tables=5, firms=10, must_meet=[(uscc, "Nobody")],
                           as_of=AS_OF)
    with pytest.raises(NotFound, match="not active enterprises"):
        expo.schedule_expo(demo_copy, event_id, slots=2, tables=5, firms=10,
                           must_meet=[("91310110MA1G8XXX0X", "Buyer 01")], as_of=AS_OF)
    must = [(uscc, f"Buyer {i:02d}") for i in (1, 2, 3)]  # three meetings for one firm in two slots
    with pytest.raises(ScheduleError, match="slot"):
        expo.schedule_expo(demo_copy, event_id, slots=2, tables=5, firms=10, must_meet=must, as_of=AS_OF)
    with pytest.raises(NotFound):
        expo.schedule_expo(demo_copy, 999_999, as_of=AS_OF)


def test_space_allocation_houses_distinct_firms_in_distinct_suites_with_reasons(demo_copy) -> None:
    result = space.allocate_space(demo_copy, candidates=80, as_of=AS_OF)
    assigned = result["assigned"]
    assert assigned and len({a["uscc"] for a in assigned}) == len(assigned)
    assert len({(a["space"], a["suite"]) for a in assigned}) == len(assigned)
    for a in assigned:
        assert a["need_m2"] <= a["suite_m2"] <= 2 * a["need_m2"] + 1e-9
        assert a["score"] == pytest.approx(a["overlap"] * a["size_ratio"], abs=1e-3)
        assert a["shared_clusters"] and "overlap" in a["reason"]
    assert all(u["reason"] and u["detail"] for u in result["unassigned"])
    assert len(assigned) + len(result["unassigned"]) == result["candidates"]


def test_space_figures_match_the_records(demo_copy) -> None:
    figures = {k["id"]: k for k in space.space_kpis(demo_copy, as_of=AS_OF)}
    with demo_copy.engine.connect() as conn:
        area, vacant = conn.execute(select(func.sum(Space.area_m2), func.sum(Space.vacant_m2))).one()
        housed = conn.execute(
            select(func.count(func.distinct(Tenancy.enterprise_id))).join(Space, Space.id == Tenancy.space_id)
            .join(Enterprise, Enterprise.id == Tenancy.enterprise_id)
            .where(Space.heritage_site_id.is_not(None), Enterprise.de_category.in_(["01", "02", "03", "04"]),
                   Enterprise.status == "active", Tenancy.starts_on <= AS_OF,
                   (Tenancy.ends_on.is_(None)) | (Tenancy.ends_on >= AS_OF))).scalar()
    assert figures["space_vacancy"]["value"] == pytest.approx(vacant / area)
    assert figures["digital_firms_in_heritage_space"]["value"] in (housed, None)
    assert 0 < figures["relic_restored_share"]["value"] < 1


@pytest.mark.slow  # the CLI and the API over the demo, end to end
def test_cli_and_api(demo_copy, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from opentrade.app import create_app
    from opentrade.cli.main import app
    from opentrade.config import get_settings
    from tests.api.conftest import api_settings

    monkeypatch.setenv("OPENTRADE_DATABASE_URL", demo_copy.url)
    get_settings.cache_clear()
    try:
        run = CliRunner().invoke(app, ["match", "firms", "--limit", "3", "--json", "--as-of", AS_OF.isoformat(),
                                       "--out", str(tmp_path / "m.xlsx")])
        assert run.exit_code == 0, run.output
        rows = json.loads(run.output[run.output.index("["):])
        assert rows and {"market", "segment", "channel", "reason"} <= set(rows[0])
        from openpyxl import load_workbook
        assert load_workbook(tmp_path / "m.xlsx").active.max_row == len(rows) + 1
        bad = CliRunner().invoke(app, ["match", "shortlist", "--market", "VNM", "--partner", "1"])
        assert bad.exit_code != 0 and "exactly one" in bad.output
    finally:
        get_settings.cache_clear()

    event_id = _expo_with_buyers(demo_copy, tmp_path)
    client = TestClient(create_app(demo_copy, api_settings(tmp_path, admin_token="s3cret"), web=False))
    assert client.get("/api/v1/matches", params={"limit": 2, "as_of": AS_OF.isoformat()}).status_code == 200
    assert client.get("/api/v1/shortlist", params={"market": "VNM", "limit": 5}).json()["firms"]
    body = {"slots": 4, "tables": 6, "firms": 20}
    assert client.post(f"/api/v1/events/{event_id}/schedule", json=body).status_code == 401
    ok = client.post(f"/api/v1/events/{event_id}/schedule", json=body, headers={"Authorization": "Bearer s3cret"})
    assert ok.status_code == 200 and ok.json()["meetings"] > 0
    sheet = client.get(f"/api/v1/events/{event_id}/meetings", params={"format": "xlsx", "by": "buyer"})
    assert sheet.status_code == 200 and sheet.content[:2] == b"PK"
    assert client.get("/api/v1/space/kpis").status_code == 200
    pdf = client.get(f"/api/v1/events/{event_id}/factsheet", params={"format": "pdf", "as_of": "2024-06-14"})
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert client.get("/api/v1/events/999999/meetings").status_code == 404
