"""Hostile files against the importer: whatever the bytes, the result is an import, a row-by-row report
(ImportRejected) or a clear message about the file (InputFileError) — never a traceback — and a refused file leaves
the database exactly as it was (content checksum).

Bounded: about 750 generated examples and 25 fixed cases, about half a minute. ``FUZZ_EXAMPLES`` scales every budget.
"""

from __future__ import annotations

import csv
import io
import os
import tempfile
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from hypothesis.control import currently_in_test_context
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from typer.testing import CliRunner

from opentrade import bootstrap
from opentrade.cli import main as cli_main
from opentrade.errors import ImportRejected, InputFileError
from opentrade.ingest.cells import FORMULA_PREFIXES
from opentrade.ingest.schemas import SPECS
from opentrade.options import Options
from opentrade.services.importer import import_file
from opentrade.store.checksum import content_checksum
from opentrade.store.db import Database
from tests.conftest import make_uscc, write_csv
from tests.integration.test_import import HEADER, firm_rows

SCALE = float(os.environ.get("FUZZ_EXAMPLES", "1"))
# The suite's run is reproducible (the same examples every time, so CI cannot flip); FUZZ_RANDOM=1 explores anew.
RANDOM = os.environ.get("FUZZ_RANDOM") == "1"


def budget(n: int) -> settings:
    return settings(max_examples=max(1, int(n * SCALE)), deadline=None, database=None, derandomize=not RANDOM,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                           HealthCheck.function_scoped_fixture])


ENTERPRISE_FIELDS = [c.field for c in SPECS["enterprises"].columns]
REQUIRED = [c.field for c in SPECS["enterprises"].columns if c.required]
FORMULAS = ["=cmd|' /C calc'!A0", "=HYPERLINK(\"http://evil.example\",\"x\")", "+1+1", "-2+3", "@SUM(A1:A9)",
            "=1+1", "+cmd|' /C notepad'!A0", "-@x", "\t=1", "\r=1"]


@pytest.fixture(scope="module")
def registry(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Database]:
    """A small registry with content, so that "unchanged" is a real claim (shared by the examples)."""
    folder = tmp_path_factory.mktemp("fuzz-import")
    database = Database(f"sqlite:///{folder / 'registry.db'}")
    import_file(database, "enterprises", write_csv(folder / "seed.csv", HEADER, firm_rows(50, start=7000)))
    yield database
    database.dispose()


def attempt(db: Database, kind: str, name: str, content: bytes) -> str:
    """Import ``content`` as a file called ``name``; returns the outcome, after checking the invariants."""
    outcome = _attempt(db, kind, name, content)
    if currently_in_test_context():
        event(outcome)  # tallied by --hypothesis-show-statistics
    return outcome


def _attempt(db: Database, kind: str, name: str, content: bytes) -> str:
    before = content_checksum(db.engine)
    with tempfile.TemporaryDirectory(prefix="opentrade-fuzz-") as folder:
        path = Path(folder) / name
        path.write_bytes(content)
        try:
            import_file(db, kind, path, write_rejects=True, options=Options.from_settings(max_import_bytes=50 * 1024**2))
        except ImportRejected as exc:
            assert exc.report.issues.height > 0 and str(exc)
            assert Path(f"{path}.rejects.csv").is_file()
            assert content_checksum(db.engine) == before
            return "rejected"
        except InputFileError as exc:
            assert exc.reason and str(path) in str(exc)
            assert content_checksum(db.engine) == before
            return "unreadable"
    return "imported"


def csv_bytes(header: list[str], rows: list[list[object]], *, encoding: str = "utf-8") -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue().encode(encoding, errors="replace")


def xlsx_bytes(header: list[str], rows: list[list[object]]) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(header)
    for row in rows:  # control characters cannot be stored in a worksheet at all
        sheet.append([ILLEGAL_CHARACTERS_RE.sub("", v) if isinstance(v, str) else v for v in row])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def assert_exports_are_escaped(db: Database) -> None:
    """Every exported text cell that would start a formula in a spreadsheet carries the apostrophe."""
    from openpyxl import load_workbook

    from opentrade.services.exporter import export_table

    with tempfile.TemporaryDirectory(prefix="opentrade-fuzz-export-") as folder:
        for fmt in ("csv", "xlsx"):
            target = Path(folder) / f"out.{fmt}"
            export_table(db, "enterprises", target, fmt=fmt)
            if fmt == "csv":
                cells = [c for row in csv.reader(io.StringIO(target.read_text(encoding="utf-8-sig"))) for c in row]
            else:
                cells = [c for row in load_workbook(target, read_only=True).active.iter_rows(values_only=True)
                         for c in row]
            risky = [c for c in cells if isinstance(c, str) and c.startswith(FORMULA_PREFIXES)]
            assert not risky, risky[:5]


# --- strategies -------------------------------------------------------------------------------------------------

cell_text = st.text(st.characters(exclude_categories=("Cs",)), max_size=40)
cell = st.one_of(
    cell_text,
    st.integers(min_value=-(10**20), max_value=10**20).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.dates().map(str),
    st.sampled_from(["", " ", "是", "否", "true", "NULL", "N/A", "２０１９年３月５日", "1e309", "-0", "0x1F",
                     "９１３１０１１０", "¥1,000万", "DEU", "中国", "ZZZ", "6513", "99999"]),
    st.sampled_from(FORMULAS),
)
valid_firm = st.integers(min_value=0, max_value=10**6).map(lambda i: firm_rows(1, start=i)[0])


# --- the tests --------------------------------------------------------------------------------------------------


@budget(200)
@given(content=st.binary(max_size=3000), suffix=st.sampled_from([".csv", ".xlsx", ".xls", ".txt", ".tsv", ".ods"]))
def test_random_bytes(registry, content: bytes, suffix: str) -> None:
    attempt(registry, "enterprises", f"random{suffix}", content)


@budget(150)
@given(rows=st.lists(valid_firm, min_size=1, max_size=8), encoding=st.sampled_from(["utf-8", "gb18030", "utf-16"]),
       cut=st.integers(min_value=1, max_value=4000), junk=st.binary(min_size=1, max_size=6),
       how=st.sampled_from(["truncate", "insert", "mixed"]))
def test_broken_encodings(registry, rows, encoding: str, cut: int, junk: bytes, how: str) -> None:
    for row in rows:
        row[1] = f"上海{row[1]}·测试™"  # multi-byte characters to cut through
    data = csv_bytes(HEADER, rows, encoding=encoding)
    at = cut % len(data)
    if how == "truncate":  # often in the middle of a multi-byte sequence
        data = data[:max(at, 1)]
    elif how == "insert":
        data = data[:at] + junk + data[at:]
    else:  # some lines UTF-8, some GBK
        lines = data.decode(encoding).splitlines(keepends=True)
        data = b"".join(line.encode("utf-8" if i % 2 else "gb18030") for i, line in enumerate(lines))
    attempt(registry, "enterprises", f"broken-{encoding}.csv", data)


@budget(8)
@given(column=st.sampled_from(HEADER), filler=st.sampled_from(["A", "中", "9", "=", "\"", ",", "\n"]),
       fmt=st.sampled_from(["csv", "xlsx"]))
def test_huge_cells(registry, column: str, filler: str, fmt: str) -> None:
    rows = firm_rows(3, start=123_000)
    huge = filler * (1024**2 // len(filler.encode()))
    rows[1][HEADER.index(column)] = huge[:32_767] if fmt == "xlsx" else huge  # Excel's own cell limit
    content = csv_bytes(HEADER, rows) if fmt == "csv" else xlsx_bytes(HEADER, rows)
    attempt(registry, "enterprises", f"huge.{fmt}", content)


@budget(200)
@given(kind=st.sampled_from(sorted(SPECS)), data=st.data(), fmt=st.sampled_from(["csv", "xlsx"]))
def test_wrong_types_in_every_column(registry, kind: str, data, fmt: str) -> None:
    header = [c.field for c in SPECS[kind].columns]
    rows = data.draw(st.lists(st.lists(cell, min_size=len(header), max_size=len(header)), min_size=1, max_size=5))
    content = csv_bytes(header, rows) if fmt == "csv" else xlsx_bytes(header, rows)
    attempt(registry, kind, f"{kind}.{fmt}", content)


@budget(80)
@given(formula=st.sampled_from(FORMULAS), data=st.data(), fmt=st.sampled_from(["csv", "xlsx"]))
def test_formula_strings_in_every_column(registry, formula: str, data, fmt: str) -> None:
    rows = firm_rows(2, start=data.draw(st.integers(min_value=200_000, max_value=300_000)))
    columns = data.draw(st.lists(st.sampled_from(range(len(HEADER))), min_size=1, max_size=len(HEADER), unique=True))
    for i in columns:
        rows[0][i] = formula
    content = csv_bytes(HEADER, rows) if fmt == "csv" else xlsx_bytes(HEADER, rows)
    if attempt(registry, "enterprises", f"formulas.{fmt}", content) == "imported":  # free text may hold anything
        assert_exports_are_escaped(registry)


@budget(100)
@given(data=st.data(), fmt=st.sampled_from(["csv", "xlsx"]))
def test_duplicate_and_missing_headers(registry, data, fmt: str) -> None:
    header = data.draw(st.lists(st.sampled_from(ENTERPRISE_FIELDS + ["名称", "企业名称", "统一社会信用代码", "", " ",
                                                                     "uscc ", "USCC", "ｕｓｃｃ"]),
                                min_size=1, max_size=12))
    rows = [data.draw(st.lists(cell, min_size=len(header), max_size=len(header))) for _ in range(2)]
    content = csv_bytes(header, rows) if fmt == "csv" else xlsx_bytes(header, rows)
    outcome = attempt(registry, "enterprises", f"headers.{fmt}", content)
    if len(set(header)) < len(header) or not set(REQUIRED) <= set(header):
        assert outcome != "imported"


@pytest.mark.parametrize("content", [b"", b"\xef\xbb\xbf", b"\xef\xbb\xbf\r\n", b"\xff\xfe", b"\xfe\xff",
                                     b"   \n\n", b"\n", b"\x00" * 64, b",,,\n,,,\n", b'"', b'"unterminated\n1,2',
                                     "\ufeffuscc,name_zh\n".encode(), b"uscc\n"],
                         ids=lambda c: repr(c[:12]))
def test_empty_and_degenerate_files(registry, content: bytes) -> None:
    assert attempt(registry, "enterprises", "empty.csv", content) != "imported"


def _zip(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, body in members.items():
            archive.writestr(name, body)
    return buffer.getvalue()


def _real_xlsx() -> bytes:
    return xlsx_bytes(HEADER, firm_rows(3, start=400_000))


@pytest.mark.parametrize("case", ["not_a_zip", "empty_zip", "zip_of_text", "zip_with_bad_workbook",
                                  "truncated_xlsx", "xlsx_as_csv", "csv_as_xlsx", "xlsx_without_sheets_data"])
def test_spreadsheets_that_are_not(registry, case: str) -> None:
    content, name = {
        "not_a_zip": (b"this is not a zip file at all" * 20, "x.xlsx"),
        "empty_zip": (_zip({}), "x.xlsx"),
        "zip_of_text": (_zip({"readme.txt": b"hello"}), "x.xlsx"),
        "zip_with_bad_workbook": (_zip({"[Content_Types].xml": b"<Types/>", "xl/workbook.xml": b"<not-xml"}),
                                  "x.xlsx"),
        "truncated_xlsx": (_real_xlsx()[:700], "x.xlsx"),
        "xlsx_as_csv": (_real_xlsx(), "x.csv"),
        "csv_as_xlsx": (csv_bytes(HEADER, firm_rows(2)), "x.xlsx"),
        "xlsx_without_sheets_data": (_zip({"[Content_Types].xml": b"<Types xmlns='http://schemas.openxmlformats."
                                                                   b"org/package/2006/content-types'/>"}), "x.xlsx"),
    }[case]
    assert attempt(registry, "enterprises", name, content) != "imported"


def test_the_cli_never_shows_a_traceback(registry, tmp_path: Path, monkeypatch) -> None:
    """The same hostile files through `opentrade import`: exit code 2 and a message, no traceback."""
    monkeypatch.setattr(bootstrap, "open_database", lambda **_: registry)
    runner = CliRunner()
    cases = {"random.csv": os.urandom(2000), "random.xlsx": os.urandom(2000), "bom.csv": b"\xef\xbb\xbf",
             "zip.xlsx": _zip({"a.txt": b"x"}), "trunc.csv": "uscc,name_zh\n9131,上".encode("gbk")[:-1],
             "dups.csv": csv_bytes(["uscc", "uscc", "name_zh"], [["1", "2", "3"]])}
    for name, content in cases.items():
        path = tmp_path / name
        path.write_bytes(content)
        result = runner.invoke(cli_main.app, ["import", "enterprises", str(path)])
        assert result.exit_code == 2, (name, result.output, result.exception)
        assert isinstance(result.exception, SystemExit) and "Traceback" not in result.output


def test_row_limit(registry, tmp_path: Path, monkeypatch) -> None:
    from opentrade.config import get_settings

    monkeypatch.setenv("OPENTRADE_MAX_IMPORT_ROWS", "100")
    get_settings.cache_clear()
    try:
        for fmt in ("csv", "xlsx"):
            rows = firm_rows(150, start=500_000)
            content = csv_bytes(HEADER, rows) if fmt == "csv" else xlsx_bytes(HEADER, rows)
            path = tmp_path / f"long.{fmt}"
            path.write_bytes(content)
            before = content_checksum(registry.engine)
            with pytest.raises(InputFileError) as caught:
                import_file(registry, "enterprises", path)
            message = str(caught.value)
            assert str(path) in message and "150 data rows" in message and "limit is 100" in message
            assert "OPENTRADE_MAX_IMPORT_ROWS" in message and content_checksum(registry.engine) == before
        exact = tmp_path / "exact.csv"
        exact.write_bytes(csv_bytes(HEADER, firm_rows(100, start=600_000)))
        assert import_file(registry, "enterprises", exact).rows == 100
    finally:
        get_settings.cache_clear()


def test_usccs_in_the_seed_are_valid() -> None:  # the registry fixture's premise
    assert make_uscc(7000).startswith("91310110") and not make_uscc(7000).startswith(FORMULA_PREFIXES)
