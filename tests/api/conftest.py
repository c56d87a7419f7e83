"""API fixtures: a small hand-made registry (every table, hostile names included) and the demo instance, each a real
database (SQLite file or PostgreSQL: tests/databases.py) built once per session; clients go through the real ASGI
stack in-process (TestClient)."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from opentrade.app import create_app
from opentrade.config import Settings
from opentrade.services.importer import import_file
from opentrade.store.db import Database
from tests import databases
from tests.conftest import make_uscc, write_csv

TOKEN = "s3cret-admin-token"
HOSTILE_NAME = '=HYPERLINK("http://evil.example","click")'

FIRM_HEADER = ["uscc", "name_zh", "name_en", "industry_code", "ownership", "origin_country", "established_on",
               "business_scope", "mnc_regional_hq", "rd_centre", "status"]
FIRMS = [
    [make_uscc(1), "汉高（中国）投资有限公司", "Henkel China", "7211", "foreign", "DEU", "2015-03-05",
     "企业总部管理；企业管理咨询", "true", "false", "active"],
    [make_uscc(2), "上海智算软件科技有限公司", "Zhisuan Software", "6513", "domestic", "", "2019-06-01",
     "软件开发；人工智能应用软件开发；大模型技术研发与应用", "false", "false", "active"],
    [make_uscc(3), "耐克体育（中国）有限公司", "Nike Sports China", "7320", "foreign", "USA", "2010-01-10",
     "工程和技术研究和试验发展；人工智能技术研发", "false", "true", "active"],
    [make_uscc(4), HOSTILE_NAME, "-minus firm", "5181", "domestic", "", "2020-02-02", "货物进出口", "", "", "active"],
    [make_uscc(5), "<script>alert(1)</script>", "+plus firm", "6560", "hmt", "HKG", "2018-08-08",
     "信息技术咨询服务；数字化转型咨询", "false", "false", "closed"],
    [make_uscc(6), "@符号贸易有限公司", "At Trading", "5181", "domestic", "", "2021-05-05", "货物进出口", "", "",
     "moved_out"],
    [make_uscc(7), "上海数据云科技有限公司", "Data Cloud", "6550", "foreign", "SGP", "2017-07-07",
     "数据处理和存储支持服务；大模型算力服务", "false", "false", "active"],
    [make_uscc(8), "上海创意设计有限公司", "Creative Design", "7492", "domestic", "", "2016-06-06",
     "专业设计服务；时尚设计服务", "", "", "active"],
    [make_uscc(9), "上海餐饮管理有限公司", None, "6210", "domestic", "", "2012-12-12", "餐饮服务", "", "", "active"],
    [make_uscc(10), "上海游戏互动娱乐有限公司", "Game Fun", "6572", "domestic", "", "2022-02-22",
     "动漫游戏开发；网络游戏研发", "", "", "active"],
    [make_uscc(11), "西门子（上海）研发有限公司", "Siemens R&D", "7320", "foreign", "DEU", "2011-11-11",
     "工程和技术研究和试验发展；智能制造技术研发", "true", "true", "active"],
    [make_uscc(12), "上海生物医药科技有限公司", "Bio Pharma", "7340", "domestic", "", "2013-03-13",
     "医学研究和试验发展；创新药研发", "", "", "active"],
]


def build_small_registry(db: Database, folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    import_file(db, "enterprises", write_csv(folder / "firms.csv", FIRM_HEADER, FIRMS))
    import_file(db, "financials", write_csv(folder / "fin.csv", ["uscc", "year", "revenue", "tax", "employees"], [
        [make_uscc(1), 2022, 1_000_000, 50_000, 20], [make_uscc(1), 2023, 1_200_000, 60_000, 22],
        [make_uscc(2), 2023, 300_000, 9_000, 5]]))
    import_file(db, "projects", write_csv(folder / "proj.csv", ["title", "uscc", "amount", "currency", "announced_on",
                                                                  "stage", "description"], [
        ["Henkel lab", make_uscc(1), 100_000_000, "CNY", "2024-01-15", "landed", "Asian consumer goods lab"],
        ["Nike research lab", make_uscc(3), None, None, None, "operating", "sports research"],
        ["Unattached lead", None, 5_000_000, "USD", "2023-05-01", "lead", "=cmd|' /C calc'!A0"]]))
    import_file(db, "partners", write_csv(folder / "partners.csv", ["kind", "name_en", "name_zh", "country",
                                                                      "markets", "description"], [
        ["friendly_city", "Palo Alto", "帕洛阿尔托", "USA", "USA", "Friendly city"],
        ["organisation", "ASEAN Business Council", "东盟商务理事会", "SGP", "SGP;MYS;THA;VNM", "Channel to ASEAN"],
        ["platform", "LatAm Digital Hub", None, "BRA", "BRA;MEX;CHL", "Channel to Latin America"]]))
    import_file(db, "events", write_csv(folder / "events.csv", ["name_en", "name_zh", "kind", "starts_on",
                                                                  "organisers"], [
        ["Media dialogue", "媒体对话会", "media_dialogue", "2024-06-14", "District office"],
        ["Digital expo", "数字博览会", "expo", "2023-09-01", "Expo company"]]))
    import_file(db, "heritage", write_csv(folder / "heritage.csv", [
        "name_zh", "name_en", "protection_level", "industrial_relic", "built_year", "original_use", "floor_area_m2",
        "restored_area_m2", "status", "lat", "lon"], [
        ["杨树浦水厂", "Yangshupu Water Plant", "national", "true", 1883, "水厂", 10000, 10000, "restored", 31.26, 121.54],
        ["纱厂车间（示例）", None, "registered", "true", 1920, "纱厂车间", 5000, None, "unrestored", None, None],
        ["里弄住宅（示例）", None, "district", "false", 1930, "里弄住宅", 800, 400, "restoring", 31.27, 121.52]]))
    import_file(db, "spaces", write_csv(folder / "spaces.csv", ["name", "kind", "area_m2", "vacant_m2",
                                                                  "heritage_site", "address"], [
        ["滨江数字大厦", "building", 20000, 1500, "杨树浦水厂", "杨树浦路830号"],
        ["长阳创谷", "park", 100000, 0, None, "长阳路1687号"]]))


def api_settings(tmp: Path, **overrides) -> Settings:
    values = {"data_dir": tmp, "admin_token": None, "admin_token_sha256": None, "public_read": True,
              "max_upload_bytes": 5 * 1024**2, "max_reported_errors": 1000}
    return Settings(**(values | overrides))


@pytest.fixture(scope="session")
def small_db(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Database]:
    folder = tmp_path_factory.mktemp("small")
    database = Database(databases.new_url(folder / "small.db", migrated=True))
    build_small_registry(database, folder / "files")
    yield database
    database.dispose()
    databases.drop_url(database.url)


@pytest.fixture(scope="session")
def demo_db(demo_template: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Database]:
    """The demo instance (a copy of the session's template: loaded once for every suite that needs it)."""
    database = Database(databases.copy_url(demo_template, tmp_path_factory.mktemp("demo") / "demo.db"))
    yield database
    database.dispose()
    databases.drop_url(database.url)


@pytest.fixture
def make_client(tmp_path: Path) -> Callable[..., TestClient]:
    """``make_client(db, **settings)``: an in-process client of the API (without the HTML cockpit)."""

    def make(database: Database, **overrides) -> TestClient:
        return TestClient(create_app(database, api_settings(tmp_path, **overrides), web=False))

    return make


@pytest.fixture
def small(small_db: Database, make_client) -> TestClient:
    return make_client(small_db)


class AdminTokens:
    """An admin user's API token with every scope for fuzzers — made again whenever a fuzzed request revoked it or
    disabled its user (POST /tokens/1/revoke is a likely example), under a name no fuzzed POST /users took."""

    def __init__(self, prefix: str):
        self.prefix = prefix
        self.token: str | None = None
        self._serial = itertools.count(1)

    def clear(self) -> None:
        self.token = None

    def get(self, db: Database) -> str:
        from opentrade.errors import ConfigError
        from opentrade.services import auth

        if self.token is not None:
            try:
                auth.verify_token(db, self.token)
                return self.token
            except auth.TokenRefused:
                pass
        while True:
            name = f"{self.prefix}-admin-{next(self._serial)}"
            try:
                auth.add_user(db, name, role="admin", actor="test")
                break
            except ConfigError:  # a fuzzed POST /users took the name
                continue
        self.token, _ = auth.create_token(db, name, name=self.prefix, scopes=["admin"], actor="test")
        return self.token
