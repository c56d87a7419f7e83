"""Spreadsheet injection on every export path: the CLI's `opentrade export`, the API's /enterprises.csv and .xlsx
and every table of the cockpit's /export/… — each file is read back (csv, openpyxl) and no text cell may start
with = + - @ (or a tab/CR): such cells come out with a leading apostrophe.

The registry is the demo instance thinned to ~600 firms, with an expo schedule, and every free-text value in every
table prefixed with one of = + - @ (written straight into the database: exports must not trust the importer)."""

from __future__ import annotations

import csv
import io
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from typer.testing import CliRunner

from opentrade import bootstrap
from opentrade.app import create_app
from opentrade.cli import main as cli_main
from opentrade.ingest.cells import FORMULA_PREFIXES
from opentrade.ingest.schemas import SPECS
from opentrade.store.db import Database
from opentrade.store.models import Base
from opentrade.web import exports
from tests import databases
from tests.api.conftest import api_settings

pytestmark = databases.sqlite_only  # the registry is doctored with SQLite's own tools; escaping is the same

FREE_TEXT = {"name_zh", "name_en", "name", "title", "description", "address", "business_scope", "parent_group",
             "organisers", "original_use", "current_use", "contact_name", "agreement", "officer", "topics", "issues",
             "follow_up", "enquirer", "topic", "organisation", "interests", "next_action", "owner", "dropped_reason",
             "reason"}
EXPO_EVENT = 2  # the demo's expo with buyers
WEB_PARAMS = {"explanation": {"iso3": "VNM"}, "shortlist": {"target": "market:VNM"},
              "buyers": {"event_id": str(EXPO_EVENT)}, "meetings": {"event_id": str(EXPO_EVENT)}}
CLI_KINDS = [k for k in SPECS if k not in ("financials", "projects", "spaces")]


@pytest.fixture(scope="module")
def hostile(demo_template: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Database]:
    path = tmp_path_factory.mktemp("injection") / "hostile.db"
    databases.copy_url(demo_template, path)
    enterprise = Base.metadata.tables["enterprise"]
    refs = [(t.name, fk.parent.name) for t in Base.metadata.tables.values() for fk in t.foreign_keys
            if fk.column.table is enterprise and t.name != "enterprise_year"]
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA foreign_keys=OFF")
        kept = " UNION ".join(f"SELECT {c} FROM {t} WHERE {c} IS NOT NULL" for t, c in refs)  # noqa: S608
        conn.execute("CREATE TEMP TABLE kept AS SELECT id FROM enterprise WHERE synthetic = 0 OR id % 100 = 0 "  # noqa: S608
                     "UNION " + kept)
        conn.execute("DELETE FROM enterprise_year WHERE enterprise_id NOT IN (SELECT id FROM kept)")
        conn.execute("DELETE FROM enterprise WHERE id NOT IN (SELECT id FROM kept)")
    database = Database(f"sqlite:///{path}")
    from opentrade.services.expo import schedule_expo

    schedule_expo(database, EXPO_EVENT, slots=20, tables=10, firms=40, time_limit=10)
    with sqlite3.connect(path) as conn:
        for name, table in Base.metadata.tables.items():
            if name == "audit_log":  # append-only by trigger; not exported here
                continue
            for column in (c.name for c in table.c if c.name in FREE_TEXT):
                conn.execute(f"UPDATE {name} SET {column} = CASE rowid % 4 WHEN 0 THEN '=' WHEN 1 THEN '+' "  # noqa: S608
                             f"WHEN 2 THEN '-' ELSE '@' END || {column} WHERE {column} IS NOT NULL")
    yield database
    database.dispose()


def cells_of(content: bytes, fmt: str) -> list[object]:
    if fmt == "csv":
        assert content.startswith(b"\xef\xbb\xbf")
        return [c for row in csv.reader(io.StringIO(content.decode("utf-8-sig"))) for c in row]
    book = load_workbook(io.BytesIO(content), read_only=True)
    return [c for sheet in book.worksheets for row in sheet.iter_rows(values_only=True) for c in row]


def _number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return text.strip() == text and text.lower().lstrip("+-") not in ("inf", "infinity", "nan")


def check(content: bytes, fmt: str, where: str) -> int:
    """No cell would run as a formula; returns how many escaped cells there are."""
    cells = [c for c in cells_of(content, fmt) if isinstance(c, str)]
    # A CSV has text only: a negative number (a numeric column) is read as a number by Excel, not as a formula.
    risky = [c for c in cells if c.startswith(FORMULA_PREFIXES) and not (fmt == "csv" and _number(c))]
    assert not risky, f"{where}: unescaped {risky[:5]}"
    return sum(1 for c in cells if c[:1] == "'" and c[1:2] in "=+-@")


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_cli_exports(hostile: Database, tmp_path: Path, monkeypatch, fmt: str) -> None:
    monkeypatch.setattr(bootstrap, "open_database", lambda **_: hostile)
    runner = CliRunner()
    escaped = {}
    for kind in CLI_KINDS:
        out = tmp_path / f"{kind}.{fmt}"
        result = runner.invoke(cli_main.app, ["export", kind, "--format", fmt, "-o", str(out)])
        assert result.exit_code == 0, (kind, result.output)
        escaped[kind] = check(out.read_bytes(), fmt, f"opentrade export {kind} ({fmt})")
    assert all(escaped[k] > 0 for k in ("enterprises", "partners", "events", "heritage", "universities", "buyers",
                                        "aftercare", "enquiries")), escaped


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_api_exports(hostile: Database, tmp_path: Path, fmt: str) -> None:
    client = TestClient(create_app(hostile, api_settings(tmp_path), web=False))
    response = client.get(f"/api/v1/enterprises.{fmt}")
    assert response.status_code == 200, response.text
    assert check(response.content, fmt, f"/api/v1/enterprises.{fmt}") > 100


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_web_exports(hostile: Database, tmp_path: Path, fmt: str) -> None:
    client = TestClient(create_app(hostile, api_settings(tmp_path), web=True))
    escaped = {}
    with hostile.engine.connect() as conn:
        uscc = conn.exec_driver_sql("SELECT e.uscc FROM enterprise e JOIN enterprise_year y ON y.enterprise_id = e.id "
                                    "LIMIT 1").scalar_one()
    for table in exports.TABLES:
        params = WEB_PARAMS.get(table, {}) | ({"uscc": uscc} if table == "enterprise_years" else {})
        response = client.get(f"/export/{table}.{fmt}", params=params)
        assert response.status_code == 200, (table, response.text[:300])
        escaped[table] = check(response.content, fmt, f"/export/{table}.{fmt}")
    hostile_tables = ("enterprises", "partners", "events", "projects", "heritage", "spaces", "universities",
                      "matchmaking", "shortlist", "pipeline", "buyers", "meetings", "tenancies")
    assert all(escaped[t] > 0 for t in hostile_tables), {t: escaped[t] for t in hostile_tables}
