"""Imports on a real database (SQLite file or PostgreSQL): all-or-nothing, the row-by-row report, idempotency, encodings and Excel."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from openpyxl import Workbook
from sqlalchemy import select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from opentrade.cli.main import app
from opentrade.errors import ImportRejected, InputFileError
from opentrade.services.importer import import_file
from opentrade.store.checksum import content_checksum, table_counts
from opentrade.store.models import Enterprise, EnterpriseYear
from tests import databases
from tests.conftest import make_uscc, write_csv

HEADER = ["uscc", "name_zh", "name_en", "industry_code", "ownership", "origin_country", "established_on",
          "business_scope", "mnc_regional_hq", "rd_centre"]


def firm_rows(n: int, *, start: int = 0) -> list[list[object]]:
    rows = []
    for i in range(start, start + n):
        foreign = i % 5 == 0
        rows.append([make_uscc(i), f"上海测试{i}有限公司", f"Test {i} Ltd", "6513" if i % 3 else "7212",
                     "foreign" if foreign else "domestic", "DEU" if foreign else "CHN", "2015-06-01",
                     "软件开发；信息技术咨询服务", "是" if foreign and i % 7 == 0 else "否", "否"])
    return rows


runner = CliRunner()


def test_one_bad_row_rejects_the_whole_file_then_the_fixed_file_imports_once(tmp_path: Path, db) -> None:
    # A registry with content already, so "unchanged" is a real claim.
    seed = write_csv(tmp_path / "seed.csv", HEADER, firm_rows(50, start=5000))
    assert runner.invoke(app, ["import", "enterprises", str(seed)]).exit_code == 0
    before_counts, before_sum = table_counts(db.engine), content_checksum(db.engine)

    rows = firm_rows(1000)
    bad_uscc = rows[637][0][:-1] + ("0" if rows[637][0][-1] != "0" else "1")
    rows[637][0] = bad_uscc  # row 639 in the file (header is row 1)
    path = write_csv(tmp_path / "firms.csv", HEADER, rows)

    result = runner.invoke(app, ["import", "enterprises", str(path)])
    assert result.exit_code == 2, result.output
    assert "row" in result.output and "639" in result.output and bad_uscc in result.output
    assert "check character" in result.output
    assert table_counts(db.engine) == before_counts
    assert content_checksum(db.engine) == before_sum
    rejects = Path(f"{path}.rejects.csv").read_text(encoding="utf-8-sig").splitlines()
    assert rejects[0] == "file,row,column,value,rule"
    assert len(rejects) == 2 and rejects[1].startswith(f"{path},639,uscc,{bad_uscc},")

    rows[637][0] = make_uscc(637)
    write_csv(path, HEADER, rows)
    result = runner.invoke(app, ["import", "enterprises", str(path)])
    assert result.exit_code == 0, result.output
    assert "1,000 new" in result.output
    assert table_counts(db.engine)["enterprise"] == 1050

    once = content_checksum(db.engine)
    result = runner.invoke(app, ["import", "enterprises", str(path)])
    assert result.exit_code == 0 and "0 new, 1,000 updated" in result.output
    assert table_counts(db.engine)["enterprise"] == 1050
    with db.engine.connect() as conn:
        assert conn.execute(select(Enterprise.id).where(Enterprise.uscc == make_uscc(0))).scalar_one()
    # Only the import log grows on a repeat; the registry rows themselves are the same.
    assert once != "" and table_counts(db.engine)["import_run"] == 3


def test_dry_run_writes_nothing(tmp_path: Path, db) -> None:
    path = write_csv(tmp_path / "firms.csv", HEADER, firm_rows(20))
    result = runner.invoke(app, ["import", "enterprises", str(path), "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "20 rows valid" in result.output
    assert table_counts(db.engine)["enterprise"] == 0


def test_every_rule_is_reported_with_row_column_value(tmp_path: Path, db) -> None:
    rows = firm_rows(6)
    rows[0][3] = "9999"  # no such GB/T 4754 class
    rows[1][5] = "Atlantis"  # no such country
    rows[2][6] = "2019-02-30"  # no such date
    rows[3][4] = "domestic"
    rows[3][8] = "是"  # a domestic firm cannot be an MNC HQ
    rows[4][0] = rows[5][0]  # duplicate key
    path = write_csv(tmp_path / "bad.csv", HEADER, rows)
    with pytest.raises(ImportRejected) as info:
        import_file(db, "enterprises", path)
    issues = {(r["row"], r["column"]): (r["value"], r["rule"]) for r in info.value.report.issues.iter_rows(named=True)}
    assert issues[(2, "industry_code")] == ("9999", "not a known GB/T 4754-2017 industry code")
    assert issues[(3, "origin_country")][0] == "Atlantis"
    assert issues[(4, "established_on")][1].startswith("not a date")
    assert "MNC regional headquarters" in issues[(5, "mnc_regional_hq")][1]
    assert issues[(7, "uscc")][1] == "duplicate key (uscc): same as row 6"
    assert len(issues) == 5


def test_text_longer_than_its_column_is_an_issue_of_its_row(tmp_path: Path, db) -> None:
    """The same verdict on SQLite (which would store it) and PostgreSQL (whose VARCHAR(200) would refuse the
    whole file in one error): the row, the column, the limit — the parsers' limits are the columns' lengths."""
    rows = firm_rows(3)
    rows[1][1] = "上" * 200  # exactly the limit: fine
    rows[2][2] = "x" * 201
    path = write_csv(tmp_path / "long.csv", HEADER, rows)
    with pytest.raises(ImportRejected) as info:
        import_file(db, "enterprises", path)
    assert [(r["row"], r["column"], r["rule"]) for r in info.value.report.issues.iter_rows(named=True)] == [
        (4, "name_en", "text longer than 200 characters")]
    assert table_counts(db.engine)["enterprise"] == 0


def test_every_value_an_import_accepts_fits_its_column() -> None:
    """PostgreSQL enforces VARCHAR(n) and 32-bit INTEGER (SQLite stores anything): a value that passed validation
    must never fail the write."""
    from sqlalchemy import BigInteger, Integer, String

    from opentrade.ingest import values
    from opentrade.ingest.schemas import SPECS
    from opentrade.store.models import Base

    for spec in SPECS.values():
        table = Base.metadata.tables[spec.table]
        for col in spec.columns:
            column = table.c.get(col.field)
            if column is not None and isinstance(column.type, Integer) and not isinstance(column.type, BigInteger):
                parser = col.parser(1.0)
                assert isinstance(parser, values.Integer) and -(2**31) <= parser.low <= parser.high < 2**31, col.field
            if column is None or not isinstance(column.type, String) or not column.type.length:
                continue
            parser, limit, where = col.parser(1.0), column.type.length, f"{spec.kind}.{col.field}"
            if isinstance(parser, values.Text):
                assert parser.max_len <= limit, where
            elif isinstance(parser, values.Choice | values.Code):
                stored = parser.aliases.values() if isinstance(parser, values.Choice) else parser.known.values()
                assert max(map(len, stored)) <= limit, where
            else:  # fixed-width codes with their own checks
                assert isinstance(parser, values.USCC) or col.field == "industry_code", where


def test_gbk_csv_with_chinese_headers_and_wanyuan_columns(tmp_path: Path, db) -> None:
    firms = write_csv(
        tmp_path / "企业.csv",
        ["统一社会信用代码", "企业名称", "英文名称", "行业代码", "登记注册类型", "投资国别", "成立日期", "注册地址",
         "经营范围", "跨国公司地区总部", "外资研发中心"],
        [[make_uscc(1), "汉高（中国）投资有限公司", "Henkel", "I6513", "外商投资企业", "德国", "2019年3月5日",
          "上海市杨浦区", "软件开发", "是", "否"],
         [make_uscc(2), "上海杨浦测试科技有限公司", "", "7212", "内资", "中国", "２０２０/１/２", "", "企业管理", "否", "否"]],
        encoding="gbk",
    )
    result = import_file(db, "enterprises", firms)
    assert result.encoding == "GB18030/GBK" and result.inserted == 2
    money = write_csv(
        tmp_path / "财务.csv",
        ["统一社会信用代码", "年度", "营业收入(万元)", "税收（万元）", "从业人员"],
        [[make_uscc(1), "2023", "1,234.5", "100", "250"], [make_uscc(2), "２０２３", "10", "0.5", "12"]],
        encoding="gbk",
    )
    import_file(db, "financials", money)
    with Session(db.engine) as conn:
        henkel = conn.execute(select(Enterprise).where(Enterprise.uscc == make_uscc(1))).scalar_one()
        assert (henkel.ownership, henkel.origin_country, henkel.industry_code) == ("foreign", "DEU", "6513")
        assert henkel.established_on == dt.date(2019, 3, 5) and henkel.mnc_regional_hq
        assert henkel.name_zh == "汉高（中国）投资有限公司"  # free text keeps its full-width punctuation
        years = conn.execute(select(EnterpriseYear).order_by(EnterpriseYear.revenue)).scalars().all()
        assert [(y.year, y.revenue, y.tax, y.employees) for y in years] == [
            (2023, 100_000.0, 5_000.0, 12), (2023, 12_345_000.0, 1_000_000.0, 250)]
        other = conn.execute(select(Enterprise).where(Enterprise.uscc == make_uscc(2))).scalar_one()
        assert other.established_on == dt.date(2020, 1, 2)  # full-width digits


def test_xlsx_import_with_excel_dates_and_serials(tmp_path: Path, db) -> None:
    book = Workbook()
    sheet = book.active
    sheet.append(["统一社会信用代码", "企业名称", "行业代码", "登记注册类型", "成立日期", "跨国公司地区总部"])
    sheet.append([make_uscc(10), "西门子（上海）有限公司", 6513, "外资", dt.datetime(2018, 7, 1), "是"])
    sheet.append([make_uscc(11), "上海某某有限公司", "7212", "内资", "43466", "否"])  # Excel serial as text
    sheet.append([make_uscc(12), "上海某某二有限公司", "7212", "内资", 43831, None])  # serial as a number
    path = tmp_path / "firms.xlsx"
    book.save(path)
    result = import_file(db, "enterprises", path)
    assert result.inserted == 3 and result.encoding == "XLSX"
    with db.engine.connect() as conn:
        got = dict(conn.execute(select(Enterprise.uscc, Enterprise.established_on)).all())
    assert got[make_uscc(10)] == dt.date(2018, 7, 1)
    assert got[make_uscc(11)] == dt.date(2019, 1, 1)
    assert got[make_uscc(12)] == dt.date(2020, 1, 1)


def test_financials_must_reference_known_enterprises(tmp_path: Path, db) -> None:
    path = write_csv(tmp_path / "fin.csv", ["uscc", "year", "revenue_cny_10k"], [[make_uscc(99), "2023", "5"]])
    with pytest.raises(ImportRejected) as info:
        import_file(db, "financials", path)
    (issue,) = info.value.report.issues.iter_rows(named=True)
    assert issue["row"] == 2 and issue["column"] == "uscc" and issue["rule"].startswith("unknown enterprise")


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("uscc,uscc\n1,2\n", "mean 'uscc'"),
        ("name_zh,ownership\nA,domestic\n", "required column(s) missing"),
        ("", "empty"),
    ],
)
def test_unusable_files_say_why(tmp_path: Path, db, content: str, message: str) -> None:
    path = tmp_path / "broken.csv"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(InputFileError, match=message.replace("(", r"\(").replace(")", r"\)")):
        import_file(db, "enterprises", path)


# --- the bulk path: staged slices, fast readings of common spellings, encoding detection, the import log ----------


def _registry_files(folder: Path, *, revenue_factor: int = 1) -> tuple[Path, Path]:
    folder.mkdir(exist_ok=True)
    rows = firm_rows(90)
    rows[7][6], rows[8][6], rows[9][6] = "2019/3/5", "2019年3月5日", "43466"  # other date spellings, one batch
    rows[10][3], rows[11][3] = "I6513", "m7212"  # section letters, either case
    rows[12][5] = "Germany"
    firms = write_csv(folder / "firms.csv", HEADER, rows)
    money = [[make_uscc(i), str(year), f"{(i + 1) * year * revenue_factor}", "12", str(i % 40)]
             for i in range(90) for year in (2021, 2022, 2023)]
    money[5][2], money[6][2], money[7][3] = "1,234.5", "88元", "3,000元"  # separators and 元 among plain numbers
    years = write_csv(folder / "years.csv", ["uscc", "year", "revenue", "tax", "employees"], money)
    return firms, years


def test_staged_slices_write_what_plain_inserts_write(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from opentrade.store import upsert
    from opentrade.store.db import Database

    results, sums = {}, {}
    bulk = "copied" if databases.on_postgresql() else "sliced"
    for mode in ("plain", bulk):
        if mode == "sliced":  # every table staged, in four slices written by the helper thread
            monkeypatch.setattr(upsert, "STAGE_MIN_ROWS", 1)
            monkeypatch.setattr(upsert, "SLICE_MIN_ROWS", 10)
        if mode == "copied":  # PostgreSQL: every table through COPY, in CSV slices of 10 rows
            monkeypatch.setattr(upsert, "COPY_MIN_ROWS", 1)
            monkeypatch.setattr(upsert, "COPY_SLICE_ROWS", 10)
        database = Database(databases.new_url(tmp_path / f"{mode}.db"))
        try:
            got = []
            for factor in (1, 2):  # a fresh import, then the same keys with new figures
                firms, years = _registry_files(tmp_path / f"{mode}-{factor}", revenue_factor=factor)
                seen: list[tuple[int, int]] = []
                for kind, path in (("enterprises", firms), ("financials", years)):
                    r = import_file(database, kind, path, progress=lambda done, total, seen=seen: seen.append((done, total)))
                    got.append((kind, r.rows, r.inserted, r.updated))
                assert seen and seen[-1][0] == seen[-1][1] == 270
            results[mode] = got
            sums[mode] = content_checksum(database.engine, exclude=("import_run", "registry_revision",  # bookkeeping:
                                                                    "audit_log"))  # times
            with database.engine.connect() as conn:
                if conn.dialect.name == "sqlite":  # PostgreSQL checks every foreign key as it writes
                    assert conn.exec_driver_sql("PRAGMA foreign_key_check").all() == []
                dates = dict(conn.execute(select(Enterprise.uscc, Enterprise.established_on)).all())
                codes = dict(conn.execute(select(Enterprise.uscc, Enterprise.industry_code)).all())
                figures = {(y.enterprise.uscc, y.year): (y.revenue, y.tax) for y in
                           Session(conn).execute(select(EnterpriseYear)).scalars()}
        finally:
            database.dispose()
            databases.drop_url(database.url)
        assert [dates[make_uscc(i)] for i in (7, 8, 9, 10)] == [
            dt.date(2019, 3, 5), dt.date(2019, 3, 5), dt.date(2019, 1, 1), dt.date(2015, 6, 1)]
        assert (codes[make_uscc(10)], codes[make_uscc(11)]) == ("6513", "7212")
        assert figures[(make_uscc(1), 2023)] == (1_234.5, 12.0) and figures[(make_uscc(2), 2021)] == (88.0, 12.0)
        assert figures[(make_uscc(2), 2022)] == (3 * 2022 * 2, 3_000.0)
    assert results["plain"] == results[bulk] == [
        ("enterprises", 90, 90, 0), ("financials", 270, 270, 0), ("enterprises", 90, 0, 90), ("financials", 270, 0, 270)]
    assert sums["plain"] == sums[bulk]


def test_a_first_load_that_meets_a_concurrent_one_falls_back_to_the_upsert(
        tmp_path: Path, db, monkeypatch: pytest.MonkeyPatch) -> None:
    """PostgreSQL's first load is a plain INSERT; had another import filled the table after the emptiness check,
    the unique violation rolls back to a savepoint and ON CONFLICT does the work, in the same transaction."""
    if not databases.on_postgresql():
        pytest.skip("the COPY path is PostgreSQL's")
    from sqlalchemy import false

    from opentrade.store import upsert

    monkeypatch.setattr(upsert, "COPY_MIN_ROWS", 1)
    first = import_file(db, "enterprises", write_csv(tmp_path / "a.csv", HEADER, firm_rows(30)))
    assert (first.inserted, first.updated) == (30, 0)

    class LooksEmpty:  # the check saw an empty table; the rows came in meanwhile
        def select_from(self, _table):
            return false()

    monkeypatch.setattr(upsert, "exists", LooksEmpty)
    rows = firm_rows(40)
    rows[0][2] = "Renamed Ltd"
    again = import_file(db, "enterprises", write_csv(tmp_path / "b.csv", HEADER, rows))
    assert (again.inserted, again.updated) == (10, 30)
    with db.engine.connect() as conn:
        assert conn.execute(select(Enterprise.name_en).where(Enterprise.uscc == make_uscc(0))).scalar() == "Renamed Ltd"


def test_the_import_log_has_the_checksum_of_the_file(tmp_path: Path, db) -> None:
    import hashlib

    from opentrade.store.models import ImportRun

    path = write_csv(tmp_path / "firms.csv", HEADER, firm_rows(5))
    import_file(db, "enterprises", path)
    with db.engine.connect() as conn:
        (logged,) = conn.execute(select(ImportRun.sha256)).scalars().all()
    assert logged == hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.parametrize("chunk", [1, 2, 3, 5, 7, 1 << 22])
def test_encoding_is_detected_whatever_the_chunks(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, chunk: int) -> None:
    from opentrade.ingest import readers

    monkeypatch.setattr(readers, "_CHUNK", chunk)
    text = "统一社会信用代码,企业名称\n91310000MA1FL8TQ23,汉高（中国）投资有限公司 😀\n"
    utf8, gbk = tmp_path / "utf8.csv", tmp_path / "gbk.csv"
    utf8.write_bytes(text.encode("utf-8"))
    gbk.write_bytes(text.replace(" 😀", "").encode("gbk"))
    assert readers.detect_encoding(utf8) == "utf-8"
    assert readers.detect_encoding(gbk) == "gb18030"
    # A character cut off at the end, a surrogate, a stray continuation byte: not UTF-8 (GB18030, or unreadable).
    for broken in (text.encode()[:-2] + b"\xf0\x9f", b"\xed\xa0\x80" + text.encode(), text.encode() + b"\x80"):
        utf8.write_bytes(broken)
        try:
            found = readers.detect_encoding(utf8)
        except InputFileError:
            found = None
        assert found != "utf-8"


@pytest.mark.parametrize("chunk", [1, 2, 1_000_000])
def test_references_resolve_whatever_characters_the_names_hold(tmp_path: Path, db, monkeypatch: pytest.MonkeyPatch,
                                                               chunk: int) -> None:
    from opentrade.store import lookup
    from opentrade.store.models import HeritageSite, Space

    monkeypatch.setattr(lookup, "_LOOKUP_CHUNK", chunk)  # the known names are read this many at a time

    names = ["杨树浦电厂", "A\x1fB", "C,D", ""]  # the separator of the quick lookup, a comma, an empty name
    heritage = write_csv(tmp_path / "heritage.csv", ["name_zh", "protection_level", "status"],
                         [[n, "municipal", "restored"] for n in names[:3]])
    assert import_file(db, "heritage", heritage).inserted == 3
    spaces = write_csv(tmp_path / "spaces.csv", ["name", "kind", "heritage_site"],
                       [[f"space {i}", "building", n] for i, n in enumerate(names)])
    assert import_file(db, "spaces", spaces).inserted == 4
    with db.engine.connect() as conn:
        got = dict(conn.execute(select(Space.name, HeritageSite.name_zh)
                                .join(HeritageSite, Space.heritage_site_id == HeritageSite.id, isouter=True)).all())
    assert got == {"space 0": "杨树浦电厂", "space 1": "A\x1fB", "space 2": "C,D", "space 3": None}


def test_columns_the_file_leaves_out_take_the_documented_default(tmp_path: Path, db) -> None:
    path = write_csv(tmp_path / "h.csv", ["名称", "保护级别"], [["某工业遗存", "区级"]])
    import_file(db, "heritage", path)
    with db.engine.connect() as conn:
        from opentrade.store.models import HeritageSite

        assert conn.execute(select(HeritageSite.status)).scalar_one() == "unrestored"


def test_gcj02_coordinates_are_stored_as_wgs84(tmp_path: Path, db) -> None:
    from opentrade.domain.geo import wgs84_to_gcj02
    from opentrade.store.models import HeritageSite

    g_lat, g_lon = wgs84_to_gcj02(31.2700, 121.5200)
    path = write_csv(tmp_path / "h.csv", ["名称", "保护级别", "纬度", "经度"],
                     [["杨树浦某厂房", "区级", f"{float(g_lat):.8f}", f"{float(g_lon):.8f}"]])
    result = runner.invoke(app, ["import", "heritage", str(path), "--datum", "gcj02"])
    assert result.exit_code == 0, result.output
    with db.engine.connect() as conn:
        lat, lon = conn.execute(select(HeritageSite.lat, HeritageSite.lon)).one()
    assert abs(lat - 31.27) < 1e-6 and abs(lon - 121.52) < 1e-6
    bad = runner.invoke(app, ["import", "heritage", str(path), "--datum", "bd09"])
    assert bad.exit_code == 2 and "unknown coordinate datum" in bad.output
