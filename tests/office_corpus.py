"""Access to the office-file corpus (tests/fixtures/office/) for tests: generate it into a folder, read the
expected outcomes, and read a corpus file back as rows of text the way its expected record counts them.

    from tests import office_corpus
    folder = office_corpus.generate(tmp_path)               # every file and clean variant, ~2 s
    record = office_corpus.expected("qcc_foreign_firms.xlsx")

A session fixture in an importer test can call ``generate`` once (see tests/integration/
test_office_corpus_generates.py)."""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import importlib.util
import io
import sys
from functools import cache
from pathlib import Path
from types import ModuleType
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "scripts" / "make_office_files.py"
EXPECTED_DIR = ROOT / "tests" / "fixtures" / "office" / "expected"
VOCAB = ROOT / "tests" / "fixtures" / "office" / "data" / "vocab.yaml"


@cache
def generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("make_office_files", SCRIPT)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("make_office_files", module)
    spec.loader.exec_module(module)
    return module


def generate(folder: Path, *, big: bool = False) -> Path:
    generator().generate(folder, big=big)
    return folder


def expected_names() -> list[str]:
    return sorted(p.name.removesuffix(".yaml") for p in EXPECTED_DIR.glob("*.yaml"))


def expected(name: str) -> dict[str, Any]:
    with (EXPECTED_DIR / f"{name}.yaml").open(encoding="utf-8") as fh:
        return yaml.safe_load(fh)


def vocab() -> dict[str, Any]:
    """The oracle: what each spelling in the corpus means (tests/fixtures/office/data/vocab.yaml)."""
    with VOCAB.open(encoding="utf-8") as fh:
        return yaml.safe_load(fh)


def _cp936_euro(error: UnicodeError) -> tuple[str, int]:
    """Code page 936 has the euro sign at 0x80, which Python's GBK codec lacks."""
    assert isinstance(error, UnicodeDecodeError)
    if error.object[error.start:error.start + 1] == b"\x80":
        return "€", error.start + 1
    raise error


codecs.register_error("cp936_euro", _cp936_euro)


def decode(data: bytes, fmt: dict[str, Any]) -> str:
    """The text of a CSV corpus file, decoded strictly as its expected record declares."""
    encoding = fmt["encoding"]
    if fmt.get("bom"):
        bom = "\ufeff".encode(encoding)
        assert data.startswith(bom), "the declared byte-order mark is missing"
        data = data[len(bom):]
    if encoding == "cp936":
        return data.decode("gbk", errors="cp936_euro")
    return data.decode(encoding)


def _text(value: Any) -> str | None:
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(sep=" ")
    if isinstance(value, float):
        return repr(value)
    return str(value)


def read_rows(path: Path, record: dict[str, Any]) -> dict[int, list[str | None]]:
    """Row number → cell texts, for a realistic corpus file (a CSV row is a record: a quoted line break stays in
    its cell). Merged cells read as Excel stores them: the value in the top-left cell only."""
    fmt = record["format"]
    if fmt["type"] == "csv":
        text = decode(path.read_bytes(), fmt)
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=fmt["delimiter"])
        return {i: [c if c != "" else None for c in row] for i, row in enumerate(reader, start=1)}
    from openpyxl import load_workbook

    book = load_workbook(path)
    sheet = book[record["table"]["sheet"]]
    return {i: [_text(v) for v in row] for i, row in enumerate(sheet.iter_rows(values_only=True), start=1)}
