"""The investment pipeline on a real database (SQLite files or PostgreSQL): locked moves and their history, the board's dated conversions,
the KPIs against records counted here, the CLI (CliRunner) and the API (TestClient, admin token, 409)."""

from __future__ import annotations

import csv
import datetime as dt
import json
import statistics
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import Depends
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from opentrade.api.app import API_V1
from opentrade.api.routes import pipeline as pipeline_routes
from opentrade.app import create_app
from opentrade.cli.main import app as cli_app
from opentrade.config import Settings, get_settings
from opentrade.domain.pipeline import TransitionError
from opentrade.errors import NotFound
from opentrade.http.access import require_read
from opentrade.refdata.reference import SHIPPED_DIR
from opentrade.services.importer import import_file
from opentrade.services.pipeline import (
    VersionConflict,
    move_project,
    pipeline_board,
    pipeline_kpis,
    project_history,
    update_project,
)
from opentrade.store import revision
from opentrade.store.db import Database
from tests import databases
from tests.conftest import make_uscc, write_csv

AS_OF = dt.date(2024, 6, 14)
TOKEN = "pipeline-admin-token"
FIRMS = [  # uscc, name, ownership, origin, status
    (make_uscc(101), "Foreign One", "foreign", "DEU", "active"),
    (make_uscc(102), "Foreign Two", "foreign", "LAO", "active"),
    (make_uscc(103), "Domestic", "domestic", "", "active"),
    (make_uscc(104), "HK firm", "hmt", "HKG", "active"),
    (make_uscc(105), "Closed foreign", "foreign", "USA", "closed"),
]
PROJECT_HEADER = ["title", "uscc", "amount", "currency", "announced_on", "stage", "owner", "next_action_on",
                  "dropped_reason"]
PROJECTS = [
    ["P1 lead CNY", make_uscc(101), 10_000_000, "CNY", "2024-01-15", "lead", "Wang", "2024-06-01", None],
    ["P2 contacted USD", make_uscc(102), 2_000_000, "USD", "2023-03-01", "contacted", "Li", "2024-07-01", None],
    ["P3 negotiating EUR", make_uscc(101), 5_000_000, "EUR", "2024-02-10", "negotiating", None, "2024-06-13", None],
    ["P4 signed THB", None, 100_000_000, "THB", "2024-03-01", "signed", None, None, None],
    ["P5 landed no amount", make_uscc(104), None, None, None, "landed", None, None, None],
    ["P6 operating old GBP", None, 1_000_000, "GBP", "2008-05-01", "operating", None, "2024-01-01", None],
    ["P7 dropped", None, 3_000_000, "CNY", "2023-05-05", "dropped", None, None, "went elsewhere"],
    ["P8 lead LAK undated", make_uscc(102), 1_000_000_000, "LAK", None, "lead", None, None, None],
]
RATES = [["THB", "2024-01-02", 0.2, "test table"], ["THB", "2024-04-01", 0.21, "test table"],
         ["USD", "2024-01-02", 7.1, "test table"]]
ENQUIRIES = [  # received, responded, in the 12 months to AS_OF?
    ("2024-06-10 09:00", "2024-06-10 15:00"), ("2024-05-01 10:00", "2024-05-02 10:00"),
    ("2023-12-01 08:00", "2023-12-01 20:00"), ("2024-06-13 17:00", None), ("2024-06-14 09:00", "2024-06-15 09:00"),
    ("2023-06-14 12:00", "2023-06-14 13:00"), ("2023-06-15 00:30", "2023-06-15 02:30"),
]
VISITS = [(make_uscc(101), "2024-06-14"), (make_uscc(101), "2023-06-15"), (make_uscc(101), "2023-06-14"),
          (make_uscc(104), "2024-01-01"), (make_uscc(103), "2024-02-02"), (make_uscc(105), "2024-03-03")]


# --- fixtures: a registry built once, copied for every test that writes ------------------------------------------


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    folder = tmp_path_factory.mktemp("pipeline")
    url = databases.new_url(folder / "template.db", migrated=True)
    db = Database(url)
    import_file(db, "enterprises", write_csv(folder / "firms.csv", ["uscc", "name_zh", "ownership", "origin_country",
                                                                      "status"], [list(f) for f in FIRMS]))
    import_file(db, "exchange_rates", write_csv(folder / "rates.csv", ["currency", "on_date", "cny_per_unit",
                                                                         "source"], RATES))
    import_file(db, "projects", write_csv(folder / "projects.csv", PROJECT_HEADER, PROJECTS))
    import_file(db, "enquiries", write_csv(folder / "enq.csv", ["received_at", "enquirer", "responded_at"], [
        [r, f"enquirer {i}", a] for i, (r, a) in enumerate(ENQUIRIES)]))
    import_file(db, "aftercare", write_csv(folder / "visits.csv", ["uscc", "visited_on", "topics"], [
        [u, d, "talent"] for u, d in VISITS]))
    db.dispose()  # SQLite: the last close checkpoints the WAL; PostgreSQL: a template must have no connections
    yield url
    databases.drop_url(url)


@pytest.fixture
def db(template: str, tmp_path: Path) -> Iterator[Database]:
    database = Database(databases.copy_url(template, tmp_path / "registry.db"))
    yield database
    database.dispose()
    databases.drop_url(database.url)


def ids(db: Database) -> dict[str, int]:
    with databases.PlainSQL(db.engine) as raw:
        return {title.split()[0]: pid for pid, title in raw.execute("SELECT id, title FROM investment_project")}


def snapshot(db: Database) -> tuple:
    with databases.PlainSQL(db.engine) as raw:
        return (raw.execute("SELECT id, stage, row_version, stage_changed_on, dropped_reason FROM investment_project "
                            "ORDER BY id").fetchall(),
                raw.execute("SELECT * FROM project_stage_change ORDER BY id").fetchall(), revision.current(db))


# --- moves -----------------------------------------------------------------------------------------------------


def test_a_move_updates_the_project_records_history_and_bumps_the_revision(db: Database) -> None:
    p1, before = ids(db)["P1"], revision.current(db)
    result = move_project(db, p1, "contacted", expected_version=1, on_date=AS_OF, actor="tester")
    assert result["row_version"] == 2 and result["from_stage"] == "lead" and result["kind"] == "advance"
    assert revision.current(db) == before + 1
    with databases.PlainSQL(db.engine) as raw:
        assert raw.execute("SELECT stage, row_version, stage_changed_on FROM investment_project WHERE id=?",
                           (p1,)).fetchone() == ("contacted", 2, "2024-06-14")
    assert project_history(db, p1) == [{"from_stage": "lead", "to_stage": "contacted", "changed_on": AS_OF,
                                        "reason": None, "actor": "tester"}]
    skip = move_project(db, p1, "signed", expected_version=2, on_date=AS_OF, skip=True, reason="ready")
    assert skip["skipped"] == ["negotiating"] and project_history(db, p1)[-1]["reason"] == "[skip: negotiating] ready"


def test_a_stale_version_is_a_conflict_and_writes_nothing(db: Database) -> None:
    p1 = ids(db)["P1"]
    move_project(db, p1, "contacted", expected_version=1, on_date=AS_OF)
    before = snapshot(db)
    with pytest.raises(VersionConflict, match="changed by someone else") as err:
        move_project(db, p1, "negotiating", expected_version=1, on_date=AS_OF)
    assert err.value.current == 2
    with pytest.raises(VersionConflict):
        update_project(db, p1, expected_version=1, owner="Zhao")
    assert snapshot(db) == before


def test_forbidden_moves_and_unknown_projects_write_nothing(db: Database) -> None:
    p1, before = ids(db)["P1"], snapshot(db)
    with pytest.raises(TransitionError, match="skip=True"):
        move_project(db, p1, "signed", expected_version=1, on_date=AS_OF)
    with pytest.raises(NotFound):
        move_project(db, 99_999, "contacted", expected_version=1, on_date=AS_OF)
    assert snapshot(db) == before


def test_dropping_needs_a_reason_and_reopening_goes_back_no_further(db: Database) -> None:
    p3 = ids(db)["P3"]
    with pytest.raises(TransitionError, match="needs a reason"):
        move_project(db, p3, "dropped", expected_version=1, on_date=AS_OF)
    move_project(db, p3, "dropped", expected_version=1, on_date=AS_OF, reason="budget cut")
    with databases.PlainSQL(db.engine) as raw:
        assert raw.execute("SELECT dropped_reason FROM investment_project WHERE id=?", (p3,)).fetchone() == (
            "budget cut",)
    with pytest.raises(TransitionError, match=r"dropped from \(negotiating\)"):
        move_project(db, p3, "signed", expected_version=2, on_date=AS_OF, reopen=True, reason="back")
    move_project(db, p3, "contacted", expected_version=2, on_date=AS_OF, reopen=True, reason="new budget")
    with databases.PlainSQL(db.engine) as raw:
        assert raw.execute("SELECT stage, dropped_reason, row_version FROM investment_project WHERE id=?",
                           (p3,)).fetchone() == ("contacted", None, 3)
    assert [h["to_stage"] for h in project_history(db, p3)] == ["dropped", "contacted"]


def test_two_threads_with_the_same_version_exactly_one_wins(db: Database) -> None:
    p2 = ids(db)["P2"]
    barrier, outcomes = threading.Barrier(2), []

    def attempt(stage: str) -> None:
        barrier.wait()
        try:
            move_project(db, p2, stage, expected_version=1, on_date=AS_OF, reason="x",
                         skip=stage == "signed")
            outcomes.append("won")
        except VersionConflict:
            outcomes.append("conflict")

    threads = [threading.Thread(target=attempt, args=(s,)) for s in ("negotiating", "signed")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert sorted(outcomes) == ["conflict", "won"]
    history = project_history(db, p2)
    with databases.PlainSQL(db.engine) as raw:
        stage, version = raw.execute("SELECT stage, row_version FROM investment_project WHERE id=?", (p2,)).fetchone()
    assert len(history) == 1 and version == 2 and history[0]["to_stage"] == stage


def test_concurrent_edits_of_one_project_lose_no_update(db: Database) -> None:
    """Two clerks edit one project at once, each retrying on a conflict with the version it is told: every edit
    lands exactly once (versions 2…2n+1, none given twice), and the registry revision counts every one of them."""
    p1, rounds, revision_before = ids(db)["P1"], 12, revision.current(db)
    barrier, accepted, conflicts = threading.Barrier(2), {"a": [], "b": []}, [0]

    def clerk(name: str) -> None:
        version = 1
        barrier.wait()
        for i in range(rounds):
            while True:
                try:
                    version = update_project(db, p1, expected_version=version, next_action=f"{name}{i}")["row_version"]
                    accepted[name].append((version, f"{name}{i}"))
                    break
                except VersionConflict as conflict:
                    conflicts[0] += 1
                    version = conflict.current

    threads = [threading.Thread(target=clerk, args=(n,)) for n in accepted]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not any(t.is_alive() for t in threads)
    versions = sorted(v for edits in accepted.values() for v, _ in edits)
    assert versions == list(range(2, 2 + 2 * rounds))
    last = max(e for edits in accepted.values() for e in edits)
    with databases.PlainSQL(db.engine) as raw:
        assert raw.execute("SELECT row_version, next_action FROM investment_project WHERE id=?", (p1,)).fetchone() \
            == last
    assert revision.current(db) == revision_before + 2 * rounds


def test_update_owner_and_next_action_with_locking(db: Database) -> None:
    p1 = ids(db)["P1"]
    out = update_project(db, p1, expected_version=1, owner="Zhao", next_action_on=dt.date(2024, 7, 1))
    assert out["row_version"] == 2
    update_project(db, p1, expected_version=2, next_action="call back")
    with databases.PlainSQL(db.engine) as raw:
        assert raw.execute("SELECT owner, next_action, next_action_on, row_version FROM investment_project "
                           "WHERE id=?", (p1,)).fetchone() == ("Zhao", "call back", "2024-07-01", 3)


# --- the board ---------------------------------------------------------------------------------------------------


def wdi_rate(iso3: str, year: int) -> float:
    with (SHIPPED_DIR / "wdi.csv").open(encoding="utf-8") as fh:
        return next(float(r["value"]) for r in csv.DictReader(fh)
                    if r["iso3"] == iso3 and r["indicator"] == "PA.NUS.FCRF" and r["year"] == str(year))


def test_board_converts_at_the_dated_rate_and_shows_missing_as_none(db: Database) -> None:
    board = pipeline_board(db, as_of=AS_OF)
    projects = {p["title"].split()[0]: p for col in board["stages"] for p in col["projects"]}
    eur = projects["P3"]  # 2024-02-10: no table rate → WDI 2023 (dated 2023-07-01), via Germany
    assert eur["amount_cny"] == pytest.approx(5e6 * wdi_rate("CHN", 2023) / wdi_rate("DEU", 2023))
    assert eur["rate_cny"]["kind"] == "wdi" and eur["rate_cny"]["on_date"] == "2023-07-01"
    assert "PA.NUS.FCRF 2023" in eur["rate_cny"]["source"]
    assert eur["amount_usd"] == pytest.approx(eur["amount_cny"] / 7.1)  # table USD rate of 2024-01-02
    thb = projects["P4"]  # table: the rate of 2024-01-02, not the later one of 2024-04-01
    assert thb["amount_cny"] == pytest.approx(2e7) and thb["rate_cny"]["on_date"] == "2024-01-02"
    usd = projects["P2"]  # 2023-03-01: before the table's USD rate → WDI 2022
    assert usd["amount_usd"] == 2e6
    assert usd["amount_cny"] == pytest.approx(2e6 * wdi_rate("CHN", 2022) / wdi_rate("USA", 2022))
    lak = projects["P8"]  # no announcement date → as_of
    assert lak["rate_date_basis"] == "as_of"
    assert lak["amount_cny"] == pytest.approx(1e9 * wdi_rate("CHN", 2023) / wdi_rate("LAO", 2023))
    old = projects["P6"]  # 2008: before any rate → missing, never 0
    assert old["amount_cny"] is None and old["amount_usd"] is None and old["rate_cny"] is None
    assert projects["P5"]["amount_cny"] is None and projects["P1"]["amount_cny"] == 1e7
    by_stage = {c["stage"]: c for c in board["stages"]}
    assert by_stage["operating"]["missing_cny"] == 1 and by_stage["operating"]["value_cny"] == 0
    assert by_stage["landed"]["no_amount"] == 1
    assert by_stage["lead"]["value_cny"] == pytest.approx(1e7 + lak["amount_cny"])
    assert projects["P1"]["overdue"] and projects["P3"]["overdue"] and not projects["P6"]["overdue"]
    assert projects["P2"]["investor_country"] == "LAO"  # from the investing firm when the project has none


# --- KPIs --------------------------------------------------------------------------------------------------------


def test_kpis_match_records_counted_here(db: Database) -> None:
    k = pipeline_kpis(db, as_of=AS_OF)
    # Conversion, by construction: P2-P6 left lead; P4-P6 reached signed or later (P7: dropped, no history).
    assert (k["conversion"]["converted"], k["conversion"]["left_lead"]) == (3, 5)
    p = ids(db)
    move_project(db, p["P1"], "contacted", expected_version=1, on_date=dt.date(2024, 5, 1))
    move_project(db, p["P1"], "dropped", expected_version=2, on_date=dt.date(2024, 5, 2), reason="no budget")
    move_project(db, p["P8"], "contacted", expected_version=1, on_date=dt.date(2024, 7, 1))  # after AS_OF
    k = pipeline_kpis(db, as_of=AS_OF)
    assert k["conversion"]["value"] == pytest.approx(3 / 6) and "3 of 6" in k["conversion"]["provenance"]
    assert pipeline_kpis(db, as_of=dt.date(2024, 7, 1))["conversion"]["left_lead"] == 7

    with databases.PlainSQL(db.engine) as raw:
        rows = raw.execute("SELECT received_at, responded_at FROM enquiry WHERE received_at >= '2023-06-15' "
                           "AND received_at < '2024-06-15'").fetchall()
        visits = raw.execute("SELECT v.enterprise_id, e.ownership, e.status FROM aftercare_visit v JOIN enterprise e "
                             "ON e.id = v.enterprise_id WHERE visited_on > '2023-06-14' AND visited_on <= "
                             "'2024-06-14'").fetchall()
        ff = raw.execute("SELECT count(*) FROM enterprise WHERE ownership IN ('foreign','hmt') "
                         "AND status='active'").fetchone()[0]
        overdue = [r[0] for r in raw.execute("SELECT id FROM investment_project WHERE next_action_on < '2024-06-14' "
                                             "AND stage NOT IN ('operating','dropped') ORDER BY id")]
    parse = dt.datetime.fromisoformat
    hours = [(parse(b) - parse(a)).total_seconds() / 3600 for a, b in rows if b and parse(b) < dt.datetime(2024, 6, 15)]
    enq = k["enquiry_response"]
    assert enq["median_hours"] == statistics.median(hours) == 9.0
    assert (enq["answered"], enq["unanswered"]) == (len(hours), len(rows) - len(hours)) == (4, 2)
    after = k["aftercare"]
    assert after["visits"] == len(visits) == 5 and after["firms"] == len({v[0] for v in visits}) == 4
    ff_visited = {v[0] for v in visits if v[1] in ("foreign", "hmt") and v[2] == "active"}
    assert after["foreign_funded_firms"] == ff == 3 and after["coverage"] == pytest.approx(len(ff_visited) / ff)
    assert k["overdue_next_actions"]["project_ids"] == overdue == [p["P3"]]  # P1 dropped meanwhile
    value = k["pipeline_value"]
    assert value["projects"] == 6 and value["total_cny"] == pytest.approx(
        sum(s["value_cny"] for s in value["by_stage"] if s["stage"] != "dropped"))
    for figure in ("pipeline_value", "conversion", "enquiry_response", "aftercare", "overdue_next_actions"):
        assert k[figure]["provenance"] and k[figure]["rests_on_synthetic"] is False


# --- CLI -----------------------------------------------------------------------------------------------------------


@pytest.fixture
def cli_db(db: Database, monkeypatch: pytest.MonkeyPatch) -> Iterator[Database]:
    monkeypatch.setenv("OPENTRADE_DATABASE_URL", str(db.engine.url))
    get_settings.cache_clear()
    yield db
    get_settings.cache_clear()


def test_cli_board_move_and_kpis(cli_db: Database) -> None:
    runner, p1 = CliRunner(), ids(cli_db)["P1"]
    board = runner.invoke(cli_app, ["pipeline", "board", "--as-of", "2024-06-14", "--json"])
    assert board.exit_code == 0, board.output
    stages = {c["stage"]: c for c in json.loads(board.stdout)["stages"]}
    assert stages["lead"]["count"] == 2
    ok = runner.invoke(cli_app, ["pipeline", "move", str(p1), "contacted", "--version", "1", "--on", "2024-06-14"])
    assert ok.exit_code == 0 and "now version 2" in ok.output
    stale = runner.invoke(cli_app, ["pipeline", "move", str(p1), "negotiating", "--version", "1"])
    assert stale.exit_code == 3 and "someone else" in stale.output
    bad = runner.invoke(cli_app, ["pipeline", "move", str(p1), "lead", "--version", "2"])
    assert bad.exit_code == 2 and "reopen" in bad.output
    kpis = runner.invoke(cli_app, ["pipeline", "kpis", "--as-of", "2024-06-14", "--json"])
    assert kpis.exit_code == 0 and json.loads(kpis.stdout)["enquiry_response"]["median_hours"] == 9.0
    assert runner.invoke(cli_app, ["pipeline", "kpis", "--as-of", "2024-06-14"]).exit_code == 0
    assert runner.invoke(cli_app, ["pipeline", "board", "--as-of", "2024-06-14"]).exit_code == 0
    assert runner.invoke(cli_app, ["pipeline", "board", "--as-of", "14/06/2024"]).exit_code == 2


# --- API -----------------------------------------------------------------------------------------------------------


def client(db: Database, tmp_path: Path, **settings) -> TestClient:
    values = {"data_dir": tmp_path, "admin_token": TOKEN, "admin_token_sha256": None, "public_read": True}
    app = create_app(db, Settings(**(values | settings)), web=False)
    app.include_router(pipeline_routes.router, prefix=API_V1, dependencies=[Depends(require_read)])
    return TestClient(app)


def test_api_move_needs_the_admin_token_and_says_409_on_conflict(db: Database, tmp_path: Path) -> None:
    api, p1 = client(db, tmp_path), ids(db)["P1"]
    url, body = f"{API_V1}/projects/{p1}/stage", {"to_stage": "contacted", "expected_version": 1,
                                                  "on_date": "2024-06-14"}
    assert api.post(url, json=body).status_code == 401
    assert api.post(url, json=body, headers={"Authorization": "Bearer wrong"}).status_code == 403
    assert client(db, tmp_path, admin_token=None).post(url, json=body).status_code == 401
    auth = {"Authorization": f"Bearer {TOKEN}"}
    ok = api.post(url, json=body, headers=auth)
    assert ok.status_code == 200 and ok.json()["row_version"] == 2
    conflict = api.post(url, json=body | {"to_stage": "negotiating"}, headers=auth)
    assert conflict.status_code == 409
    assert conflict.json()["error"]["type"] == "VersionConflict"
    assert conflict.json()["error"]["details"]["current_version"] == 2
    forbidden = api.post(url, json={"to_stage": "lead", "expected_version": 2}, headers=auth)
    assert forbidden.status_code == 400 and forbidden.json()["error"]["type"] == "TransitionError"
    assert api.post(url, json={"to_stage": "won", "expected_version": 2}, headers=auth).status_code == 422
    assert api.post(f"{API_V1}/projects/99999/stage", json=body, headers=auth).status_code == 404
    assert [h["to_stage"] for h in api.get(f"{API_V1}/projects/{p1}/history").json()] == ["contacted"]


def test_api_reads(db: Database, tmp_path: Path) -> None:
    api = client(db, tmp_path)
    board = api.get(f"{API_V1}/pipeline", params={"as_of": "2024-06-14"}).json()
    old = next(p for c in board["stages"] for p in c["projects"] if p["title"].startswith("P6"))
    assert old["amount_cny"] is None and old["amount"] == 1_000_000
    kpis = api.get(f"{API_V1}/pipeline/kpis", params={"as_of": "2024-06-14"}).json()
    assert kpis["conversion"]["left_lead"] == 5
    page = api.get(f"{API_V1}/aftercare", params={"page_size": 2, "page": 2}).json()
    assert page["total"] == len(VISITS) and len(page["items"]) == 2 and page["page"] == 2
    enquiries = api.get(f"{API_V1}/enquiries", params={"answered": "false"}).json()
    assert enquiries["total"] == 1 and enquiries["items"][0]["response_hours"] is None
    answered = api.get(f"{API_V1}/enquiries", params={"answered": "true", "from": "2024-06-01"}).json()
    assert [i["response_hours"] for i in answered["items"]] == [24.0, 6.0]
    assert api.get(f"{API_V1}/enquiries", params={"page_size": 501}).status_code == 422
    edge = api.get(f"{API_V1}/pipeline/kpis", params={"as_of": "9999-12-31"})
    assert edge.status_code == 400 and edge.json()["error"]["type"] == "ConfigError"
    closed = client(db, tmp_path, public_read=False)
    assert closed.get(f"{API_V1}/pipeline").status_code == 401


# --- the demo's operations records -----------------------------------------------------------------------------


def test_the_demo_operations_records(demo_shared: Database) -> None:
    from opentrade.domain.pipeline import check_transition
    from opentrade.refdata.market_model import load_model_config
    from opentrade.refdata.reference import load_reference
    from opentrade.refdata.standards import load_taxonomy
    db = demo_shared  # the demo as loaded (read only)
    raw = databases.PlainSQL(db.engine)

    def one(sql: str) -> tuple:
        return raw.execute(sql).fetchone()

    try:
        # Stage history: starts at lead, obeys the rules, ends at the project's stage and date.
        for pid, stage, changed in raw.execute("SELECT id, stage, stage_changed_on FROM investment_project "
                                               "WHERE synthetic").fetchall():
            steps = raw.execute("SELECT from_stage, to_stage, changed_on, reason FROM project_stage_change "
                                "WHERE project_id=? ORDER BY changed_on, id", (pid,)).fetchall()
            assert steps[0][:2] == (None, "lead") and steps[-1][1] == stage and steps[-1][2] == changed
            for (a, b, _, why), (prev_b, prev_on) in zip(steps[1:], [(s[1], s[2]) for s in steps], strict=False):
                assert a == prev_b and prev_on <= _
                reason = (why or "").split("] ")[-1] or None
                check_transition(pid, a, b, reason=reason, skip=(why or "").startswith("[skip"),
                                 reopen=(why or "").startswith("[reopen"))
        assert one("SELECT count(*) FROM investment_project WHERE synthetic AND owner IS NULL") == (0,)
        # Buyers: ASEAN and Latin American, for the demo expo of the Laos platform.
        focus = dict(load_reference().countries.select("iso3", "focus_group").iter_rows())
        segments = set(load_model_config().segments)
        buyers = raw.execute("SELECT country, segments, unavailable_slots, event_id, synthetic FROM buyer").fetchall()
        assert 55 <= len(buyers) <= 65 and all(b[4] for b in buyers)
        assert {focus[b[0]] for b in buyers} == {"asean", "lac"}
        assert all(set(b[1].split(";")) <= segments for b in buyers) and any(b[2] for b in buyers)
        event = one("SELECT e.id, e.kind, e.synthetic, p.name_en FROM event e JOIN partner p ON p.id = e.partner_id "
                    "WHERE e.name_en LIKE '%demo%'")
        assert event[1:] == ("expo", 1, "Laos Economic and Trade Cooperation Expo")
        assert {b[3] for b in buyers} == {event[0]}
        # Aftercare to foreign-funded firms; enquiries with some unanswered; all synthetic.
        assert one("SELECT count(*), sum(CASE WHEN e.ownership IN ('foreign','hmt') THEN 1 END), "
                   "sum(CASE WHEN v.synthetic THEN 1 END) FROM aftercare_visit v "
                   "JOIN enterprise e ON e.id = v.enterprise_id") == (150, 150, 150)
        total, answered, synthetic = one("SELECT count(*), count(responded_at), "
                                         "sum(CASE WHEN synthetic THEN 1 END) FROM enquiry")
        assert total == synthetic == 200 and 150 < answered < 200
        # Tenancies of digital firms, some in heritage spaces, within each space's occupied area.
        assert one("SELECT count(*), sum(CASE WHEN e.de_category IN ('01','02','03','04') THEN 1 END), "
                   "sum(CASE WHEN s.heritage_site_id IS NOT NULL THEN 1 END) > 0 FROM tenancy t "
                   "JOIN enterprise e ON e.id = t.enterprise_id JOIN space s ON s.id = t.space_id") == (120, 120, 1)
        assert one("SELECT count(*) FROM (SELECT s.id FROM space s JOIN tenancy t ON t.space_id = s.id "
                   "GROUP BY s.id HAVING sum(t.area_m2) > max(s.area_m2) - max(s.vacant_m2)) AS crowded") == (0,)
        clusters = {c.id for c in load_taxonomy().clusters}
        for rent, suits in raw.execute("SELECT rent_cny_m2_day, suitable_clusters FROM space WHERE synthetic"):
            assert 2 <= rent <= 10 and set(filter(None, suits.split(";"))) <= clusters
        assert one("SELECT count(*) FROM partner WHERE segments = ''") == (0,)
    finally:
        raw.close()
    k = pipeline_kpis(db, as_of=AS_OF)
    assert k["conversion"]["value"] is not None and k["aftercare"]["visits"] > 0
    assert all(k[f]["rests_on_synthetic"] for f in ("conversion", "enquiry_response", "aftercare"))
