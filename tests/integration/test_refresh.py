"""WDI refresh through wbgapi against recorded World Bank API v2 responses served by a real local HTTP server."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import polars as pl
import pytest
from typer.testing import CliRunner

from opentrade.cli.refdata import refdata_app
from opentrade.errors import ReferenceDataError
from opentrade.refdata.reference import DERIVED_SERVICE_EXPORTS, FILES, SHIPPED_DIR, load_reference
from opentrade.refdata.refresh import refresh_wdi

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "wbgapi"
ROUTE = re.compile(r"^/v2/en/country/(?P<economies>[^/]+)/indicator/(?P<code>[^/]+)$")
ECONOMIES = ["BRA", "CHN", "CUB", "IDN", "THA"]
YEARS = range(2023, 2025)


class RecordedWorldBank(BaseHTTPRequestHandler):
    """Answers like api.worldbank.org/v2 from the JSON files in tests/fixtures/wbgapi."""

    def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
        url = urlparse(self.path)
        query = {k: v[0] for k, v in parse_qs(url.query).items()}
        self.server.requests.append((url.path, query))
        if self.server.status != 200:
            self._send(self.server.status, b'{"error": "internal"}')
            return
        m = ROUTE.match(url.path)
        if m is None:
            self._send(404, b"not found")
            return
        code, page = m["code"], query.get("page", "1")
        for name in (f"{code}.p{page}.json", f"{code}.json", "invalid_value.json"):
            if (FIXTURES / name).is_file():
                self._send(200, (FIXTURES / name).read_bytes())
                return

    def _send(self, status: int, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "application/json;charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def world_bank() -> Iterator[ThreadingHTTPServer]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), RecordedWorldBank)
    server.requests = []
    server.status = 200
    server.endpoint = f"http://127.0.0.1:{server.server_address[1]}/v2"
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


@pytest.fixture(autouse=True)
def _fresh_cache():
    load_reference.cache_clear()
    yield
    load_reference.cache_clear()


def shipped_digest() -> dict[str, str]:
    return {f: hashlib.sha256((SHIPPED_DIR / f).read_bytes()).hexdigest() for f in FILES.values()}


def fixture_values(code: str) -> dict[tuple[str, int], float | None]:
    rows = []
    for path in sorted(FIXTURES.glob(f"{code}*.json")):
        rows += json.loads(path.read_text(encoding="utf-8"))[1] or []
    return {(r["countryiso3code"], int(r["date"])): r["value"] for r in rows}


def test_refresh_writes_wdi_and_the_loader_prefers_it(tmp_path, world_bank):
    before = shipped_digest()
    shipped = load_reference()
    # an earlier refresh left an override whose Brazil population is wrong: the new download must replace it
    stale = shipped.wdi.with_columns(
        pl.when((pl.col("iso3") == "BRA") & (pl.col("indicator") == "SP.POP.TOTL") & (pl.col("year") == 2023))
        .then(1.0).otherwise(pl.col("value")).alias("value")
    )
    stale.write_csv(tmp_path / "wdi.csv")
    assert load_reference(tmp_path).series("SP.POP.TOTL").filter(pl.col("iso3") == "BRA")["value"].min() == 1.0

    seen = []
    result = refresh_wdi(
        tmp_path, indicators=["SP.POP.TOTL", "NY.GDP.MKTP.CD", "IT.NET.BBND.P2"], economies=ECONOMIES,
        years=YEARS, endpoint=world_bank.endpoint, progress=lambda done, total, code: seen.append((done, total, code)),
    )

    # the requests wbgapi made: one per indicator and page, for the economies and years asked
    paths = [p for p, _ in world_bank.requests]
    assert paths.count("/v2/en/country/BRA;CHN;CUB;IDN;THA/indicator/SP.POP.TOTL") == 2  # two pages
    assert all(q["date"] == "2023:2024" and q["format"] == "json" for _, q in world_bank.requests)
    assert seen == [(1, 3, "SP.POP.TOTL"), (2, 3, "NY.GDP.MKTP.CD"), (3, 3, "IT.NET.BBND.P2")]
    assert result.empty == ("IT.NET.BBND.P2",)
    assert result.rows_fetched == 10 + 8  # ABW is not asked for; Cuba's GDP is null → not a row
    assert result.retrieved == dt.date.today()
    assert result.wdi_path == tmp_path / "wdi.csv"

    ref = load_reference(tmp_path)
    assert ref.sources["wdi.csv"] == tmp_path.resolve() / "wdi.csv"
    assert ref.sources["countries.csv"] == SHIPPED_DIR / "countries.csv"
    pop = ref.series("SP.POP.TOTL").filter(pl.col("iso3").is_in(ECONOMIES) & pl.col("year").is_in(list(YEARS)))
    expected = fixture_values("SP.POP.TOTL")
    assert {(i, y): v for i, y, v in pop.iter_rows()} == {k: v for k, v in expected.items() if k[0] != "ABW"}
    gdp = ref.latest("NY.GDP.MKTP.CD", up_to_year=2024)
    assert "CUB" in gdp["iso3"].to_list() and gdp.filter(pl.col("iso3") == "CUB")["year"].item() < 2023
    # rows outside the request are kept as they were
    keep = (pl.col("iso3") == "ABW") | (pl.col("year") < 2023) | ~pl.col("indicator").is_in(
        ["SP.POP.TOTL", "NY.GDP.MKTP.CD", "IT.NET.BBND.P2"])
    assert ref.wdi.filter(keep).sort("iso3", "indicator", "year").equals(stale.filter(keep).sort("iso3", "indicator", "year"))
    # broadband came back empty for 2023–2024: those observations are gone (missing, not zero, not stale)
    assert ref.series("IT.NET.BBND.P2").filter(pl.col("iso3").is_in(ECONOMIES) & (pl.col("year") >= 2023)).is_empty()
    assert ref.series(DERIVED_SERVICE_EXPORTS).height == shipped.series(DERIVED_SERVICE_EXPORTS).height

    wdi_row = ref.dataset_meta("wdi")
    assert wdi_row["retrieved"] == dt.date.today().isoformat()
    assert "World Bank API v2" in wdi_row["source_detail"] and world_bank.endpoint in wdi_row["source_detail"]
    assert "Focus set (45" in wdi_row["coverage_gaps"]
    assert ref.dataset_meta("unctad_dds") == shipped.dataset_meta("unctad_dds")
    assert "retrieved" in ref.indicator_meta("SP.POP.TOTL")["source_detail"]
    assert shipped_digest() == before  # the shipped snapshot is never written


def test_refresh_all_economies_keeps_only_known_ones(tmp_path, world_bank):
    result = refresh_wdi(tmp_path, indicators=["SP.POP.TOTL"], years=YEARS, endpoint=world_bank.endpoint)
    assert world_bank.requests[0][0] == "/v2/en/country/all/indicator/SP.POP.TOTL"
    assert result.economies == 217 and result.rows_fetched == 12
    ref = load_reference(tmp_path)
    abw = ref.series("SP.POP.TOTL").filter((pl.col("iso3") == "ABW") & pl.col("year").is_in(list(YEARS)))
    assert abw.height == 2


@pytest.mark.parametrize("failure", ["status500", "refused", "unknown_indicator"])
def test_failures_raise_and_leave_files_untouched(tmp_path, world_bank, failure):
    before = shipped_digest()
    previous = tmp_path / "wdi.csv"
    previous.write_text("iso3,indicator,year,value\nIDN,SP.POP.TOTL,2020,1\n", encoding="utf-8")
    endpoint = world_bank.endpoint
    indicators = ["SP.POP.TOTL", "NY.GDP.MKTP.CD"]
    if failure == "status500":
        world_bank.status = 500
    elif failure == "refused":
        with socket.socket() as s:  # a port nobody listens on
            s.bind(("127.0.0.1", 0))
            endpoint = f"http://127.0.0.1:{s.getsockname()[1]}/v2"
    else:
        indicators = ["SP.POP.TOTL", "NOT.A.SERIES"]
    with pytest.raises(ReferenceDataError, match="World Bank API download of .* failed") as info:
        refresh_wdi(tmp_path, indicators=indicators, economies=ECONOMIES, years=YEARS, endpoint=endpoint)
    assert "unchanged" in str(info.value)
    assert previous.read_text(encoding="utf-8") == "iso3,indicator,year,value\nIDN,SP.POP.TOTL,2020,1\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["wdi.csv"]  # no temp file, no datasets/indicators
    assert shipped_digest() == before


def test_refresh_restores_wbgapi_settings(tmp_path, world_bank):
    import wbgapi

    endpoint, options = wbgapi.endpoint, wbgapi.get_options
    refresh_wdi(tmp_path, indicators=["SP.POP.TOTL"], economies=["IDN"], years=YEARS, endpoint=world_bank.endpoint)
    assert wbgapi.endpoint == endpoint and wbgapi.get_options is options


def test_refresh_rejects_unknown_economy(tmp_path):
    with pytest.raises(ReferenceDataError, match="XXX"):
        refresh_wdi(tmp_path, indicators=["SP.POP.TOTL"], economies=["XXX"], years=YEARS)


def test_cli_refresh(tmp_path, world_bank):
    runner = CliRunner()
    args = ["refresh", "--dir", str(tmp_path), "-i", "SP.POP.TOTL", "-e", "IDN", "-e", "CHN",
            "--from-year", "2023", "--to-year", "2024", "--endpoint", world_bank.endpoint]
    res = runner.invoke(refdata_app, args)
    assert res.exit_code == 0, res.output
    assert "4 observations downloaded" in res.stdout
    assert (tmp_path / "wdi.csv").is_file() and (tmp_path / "datasets.csv").is_file()
    info = json.loads(runner.invoke(refdata_app, ["info", "--json", "--dir", str(tmp_path)]).stdout)
    wdi = next(d for d in info["datasets"] if d["id"] == "wdi")
    assert wdi["retrieved"] == dt.date.today().isoformat()

    world_bank.status = 500
    res = runner.invoke(refdata_app, args)
    assert res.exit_code == 1
    assert "World Bank API download of SP.POP.TOTL" in res.output and "Traceback" not in res.output
