"""The office-file corpus (scripts/make_office_files.py → tests/fixtures/office/) is deterministic, its files open
or decode as declared, and every expected record points at rows and cells the files really have.

These tests check the corpus, not the importer: the importer's tests use the corpus and its expected outcomes."""

from __future__ import annotations

import csv
import hashlib
import os
import re
import subprocess
import sys
import unicodedata
import zipfile
from pathlib import Path
from typing import Any

import pycountry
import pytest
from stdnum.cn import uscc as stdnum_uscc

from tests import office_corpus

ROOT = Path(__file__).resolve().parents[2]
REALISTIC = [n for n in office_corpus.expected_names() if "table" in office_corpus.expected(n)]
HOSTILE = [n for n in office_corpus.expected_names() if n.startswith("hostile_")]


@pytest.fixture(scope="session")
def corpus_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return office_corpus.generate(tmp_path_factory.mktemp("office"))


def _hashes(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


def test_two_runs_give_the_same_bytes(tmp_path: Path) -> None:
    """Two processes with different hash seeds (set iteration order differs) write identical files."""
    runs = []
    for seed in ("1", "2"):
        out = tmp_path / seed
        env = dict(os.environ, PYTHONHASHSEED=seed)
        subprocess.run([sys.executable, str(ROOT / "scripts" / "make_office_files.py"), str(out)], check=True,
                       env=env, capture_output=True)
        runs.append(_hashes(out))
    assert runs[0] == runs[1]
    assert len(runs[0]) >= 40


def test_expected_files_are_those_the_generator_writes() -> None:
    wanted = office_corpus.generator().expected_files()
    have = {p.name: p.read_text(encoding="utf-8") for p in office_corpus.EXPECTED_DIR.glob("*.yaml")}
    assert sorted(have) == sorted(wanted), "run: python scripts/make_office_files.py --write-expected"
    stale = [name for name in wanted if wanted[name] != have[name]]
    assert not stale, f"stale expected files (run --write-expected): {stale}"


def test_every_default_file_is_generated(corpus_dir: Path) -> None:
    for name in office_corpus.expected_names():
        record = office_corpus.expected(name)
        if record["outcome"].get("clean_variant"):
            assert (corpus_dir / record["outcome"]["clean_variant"]["file"]).exists()
        big = name in ("hostile_200000x100.xlsx", "hostile_90mb_cell.csv")
        assert (corpus_dir / name).exists() != big, name


def _same(cell: str | None, want: Any) -> bool:
    if cell == want or (cell is None and want in ("", None)):
        return True
    try:
        return float(str(cell)) == float(str(want))
    except ValueError:
        return False


def _cell(rows: dict[int, list[str | None]], ref: str) -> str | None:
    match = re.fullmatch(r"([A-Z]+)(\d+)", ref)
    assert match, ref
    col = 0
    for ch in match[1]:
        col = col * 26 + ord(ch) - 64
    row = rows.get(int(match[2]), [])
    return row[col - 1] if col <= len(row) else None


@pytest.mark.parametrize("name", REALISTIC)
def test_expected_record_points_at_real_rows(corpus_dir: Path, name: str) -> None:
    record = office_corpus.expected(name)
    rows = office_corpus.read_rows(corpus_dir / name, record)
    table = record["table"]
    header = rows[table["header_rows"][0]]
    assert header[0] == table["columns"][0]["header"], "the first header row starts with the first column"
    flat = [c["header"].split(" / ")[0] for c in table["columns"]]
    assert set(flat) <= set(h for r in table["header_rows"] for h in rows[r] if h) | {None}
    listed = set(record["rows"]["valid"]) | {r["row"] for r in record["rows"]["refused"]}
    listed |= {r["row"] for r in record["rows"]["skipped"]} | set(table["header_rows"])
    assert listed == set(rows), "every row of the file is listed exactly once: header, data or skipped"
    for number in record["rows"]["valid"]:
        assert any(rows[number]), f"valid row {number} is empty"
    for skipped in record["rows"]["skipped"]:
        cells = [c for c in rows[skipped["row"]] if c]
        assert (not cells) == (skipped["reason"] == "blank"), skipped
        if cells:
            assert skipped["text"].startswith(cells[0][:20]), skipped
    for refused in record["rows"]["refused"]:
        assert _same(_cell(rows, refused["ref"]), refused["cell"]), refused
    for probe in record.get("probes", []):
        if probe.get("merged_from"):
            assert _cell(rows, probe["ref"]) is None and _cell(rows, probe["merged_from"]) is not None, probe
        else:
            assert _same(_cell(rows, probe["ref"]), probe["cell"]), probe
    for missing in record.get("missing_values", {}).get("cells", []):
        assert missing["row"] in record["rows"]["valid"] or missing["row"] in listed


@pytest.mark.parametrize("name", [n for n in REALISTIC if office_corpus.expected(n)["outcome"].get("clean_variant")])
def test_clean_variant_holds_the_corrections(corpus_dir: Path, name: str) -> None:
    record = office_corpus.expected(name)
    clean = record["outcome"]["clean_variant"]["file"]
    original = office_corpus.read_rows(corpus_dir / name, record)
    rows = office_corpus.read_rows(corpus_dir / clean, record)
    assert set(rows) == set(original), "the clean variant keeps every row number"
    for refused in record["rows"]["refused"]:
        assert _same(_cell(rows, refused["ref"]), refused["clean_variant_value"]), refused
    changed = {r["ref"] for r in record["rows"]["refused"]}
    for fix in record.get("column_refusals", []):
        col = next(c["col"] for c in record["table"]["columns"] if c["header"] == fix["column"])
        ref = f"{col}{record['table']['header_rows'][-1]}"
        assert _cell(rows, ref) == fix["clean_variant_header"]
        changed.add(ref)
    for number, cells in original.items():
        for i, cell in enumerate(cells):
            if i < 26 and f"{chr(65 + i)}{number}" not in changed:
                assert _same(rows[number][i] if i < len(rows[number]) else None, cell), (number, ref)


@pytest.mark.parametrize("name", REALISTIC)
def test_codes_are_valid_where_rows_are_and_wrong_where_refused(corpus_dir: Path, name: str) -> None:
    """Good rows carry valid GB 32100 codes; a code refused for its shape or check character is really invalid."""
    record = office_corpus.expected(name)
    rows = office_corpus.read_rows(corpus_dir / name, record)
    columns = [c for c in record["table"]["columns"] if c["holds"].startswith(("uscc", "firm (uscc"))]
    for column in columns:
        for number in record["rows"]["valid"]:
            code = _cell(rows, f"{column['col']}{number}")
            if code is None and "if registered" in column["holds"]:
                continue  # an optional code
            code = unicodedata.normalize("NFKC", code or "").replace(" ", "").upper()
            assert stdnum_uscc.is_valid(code), (number, code)
    for refused in record["rows"]["refused"]:
        if refused["code"] in ("uscc.check_char", "uscc.length", "uscc.bad_char"):
            assert not stdnum_uscc.is_valid(refused["cell"])
            assert stdnum_uscc.is_valid(refused["clean_variant_value"])


def test_encodings_are_as_declared(corpus_dir: Path) -> None:
    cp936 = (corpus_dir / "excel_cp936_firms.csv").read_bytes()
    assert b"\x80" in cp936, "the euro sign as Windows code page 936 writes it"
    with pytest.raises(UnicodeDecodeError):
        cp936.decode("gb18030")
    rare = (corpus_dir / "gb18030_rare_chars.csv").read_bytes()
    with pytest.raises(UnicodeDecodeError):
        rare.decode("gbk")
    assert "䶮" in rare.decode("gb18030")
    big5 = (corpus_dir / "big5_taiwan_firms.csv").read_bytes()
    assert "臺灣地區" in big5.decode("big5")
    assert "臺灣地區" not in big5.decode("gb18030"), "Big5 decodes as GB18030 without error, into other text"
    assert (corpus_dir / "unicode_text_utf16.txt").read_bytes()[:2] == b"\xff\xfe"
    assert (corpus_dir / "utf8_bom_firms.csv").read_bytes()[:3] == b"\xef\xbb\xbf"
    text = office_corpus.decode((corpus_dir / "unicode_text_utf16.txt").read_bytes(),
                                office_corpus.expected("unicode_text_utf16.txt")["format"])
    assert "\r\n" in text and "\t" in text


def test_pandas_reads_the_plain_files(corpus_dir: Path) -> None:
    pandas = pytest.importorskip("pandas")
    frame = pandas.read_csv(corpus_dir / "registry_base.csv", dtype=str)
    assert len(frame) == 50 and frame["uscc"].map(stdnum_uscc.is_valid).all()
    qcc = pandas.read_excel(corpus_dir / "qcc_foreign_firms.xlsx", header=2, dtype=str, engine="openpyxl")
    assert "统一社会信用代码" in qcc.columns


def _sheet_head(path: Path, size: int = 4096) -> bytes:
    with zipfile.ZipFile(path) as book, book.open("xl/worksheets/sheet1.xml") as sheet:
        return sheet.read(size)


@pytest.mark.parametrize("name", [n for n in HOSTILE if n.endswith(".xlsx") and "200000" not in n])
def test_hostile_workbooks_are_what_they_claim(corpus_dir: Path, name: str) -> None:
    outcome = office_corpus.expected(name)["outcome"]
    path = corpus_dir / name
    head = _sheet_head(path)
    if "declared_dimension" in outcome:
        assert f'<dimension ref="{outcome["declared_dimension"]}"/>'.encode() in head
    with zipfile.ZipFile(path) as book:
        info = book.getinfo("xl/worksheets/sheet1.xml")
        if "uncompressed_bytes" in outcome:
            assert info.file_size == outcome["uncompressed_bytes"] > 200 * 1024 * 1024
            assert path.stat().st_size < 1024 * 1024
            with book.open(info) as sheet:  # inflates it all: the CRC is checked at the end
                while sheet.read(1 << 24):
                    pass
        else:
            xml = book.read(info)
            assert xml.count(b"<row") == outcome["real_rows"]
    if "xfd" in name:
        assert b'r="XFD1048576"' in xml
    if "4294967295" in name:
        assert b'r="A4294967295"' in xml
    if "shared_strings" in name:
        with zipfile.ZipFile(path) as book:
            sst = book.read("xl/sharedStrings.xml")
        assert b'uniqueCount="4294967295"' in sst and sst.count(b"<si>") == 9
    if "deep" in name:
        assert xml.count(b"<x>") == 100_000


def test_hostile_csv_has_its_columns(corpus_dir: Path) -> None:
    with (corpus_dir / "hostile_20000_columns.csv").open(encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))
    assert len(rows) == 4 and {len(r) for r in rows} == {20_000}


def test_vocabulary_oracle_agrees_with_the_standards() -> None:
    """The oracle's GB/T 4754 codes and names, and ISO codes, exist in the reference tables the product ships."""
    vocab = office_corpus.vocab()
    with (ROOT / "src" / "opentrade" / "data" / "standards" / "gbt4754_2017.csv").open(encoding="utf-8") as fh:
        names = {row["code"]: row["name_zh"] for row in csv.DictReader(fh)}
    for entry in vocab["industry"]:
        if entry["value"] is None:
            continue
        assert entry["value"] in names, entry
        text = entry["text"].split()[-1]
        if not text[-4:].isdigit():
            assert names[entry["value"]] == text, entry
    iso = {c.alpha_3 for c in pycountry.countries}  # ISO 3166-1, not the product's own list
    for entry in vocab["country"]:
        assert entry["value"] is None or entry["value"] in iso, entry
    for entry in vocab["market_group"]:
        assert set(entry["value"]) <= iso
    for entries in vocab.values():
        for entry in entries if isinstance(entries, list) else []:
            if isinstance(entry, dict):
                assert entry["value"] is not None or entry.get("refuse"), entry


def test_readme_lists_every_proposed_code() -> None:
    readme = (office_corpus.EXPECTED_DIR.parent / "README.md").read_text(encoding="utf-8")
    listed = set(re.findall(r"`([a-z]+\.[a-z_]+)`", readme.split("## Proposed issue codes")[1]))
    used = set()
    for name in office_corpus.expected_names():
        record = office_corpus.expected(name)
        used |= {r["code"] for r in record.get("rows", {}).get("refused", [])}
        used |= {r["code"] for r in record.get("column_refusals", [])}
        used |= {p["or_refused_with"] for p in record.get("probes", []) if "or_refused_with" in p}
        used |= set(re.findall(r"\b([a-z]+\.[a-z_]+)\b", str(record.get("outcome", {}))))
    used = {c for c in used if c.split(".")[0] not in ("www", "qcc", "clean")}
    assert used <= listed, sorted(used - listed)
