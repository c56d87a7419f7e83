"""The catalogues: both languages hold the same keys with the same placeholders, every key the templates and the
web package ask for exists, every stable error code is translated, and the files of a language merge (a key in two
files refused); language negotiation and localised formats."""

from __future__ import annotations

import datetime as dt
import re
import string
from pathlib import Path

import pytest

from opentrade.errors import ERROR_CODES, ConfigError
from opentrade.i18n import LANGUAGES, Translator, catalogue, catalogue_files, load_catalogue, negotiate
from opentrade.services import factsheet
from opentrade.web import rendering as pages

WEB = Path(pages.__file__).parent
TEMPLATE_DIRS = [WEB / "templates", Path(factsheet.__file__).parent / "templates"]
#: t('literal key') in templates and Python; keys built at run time (t('nav.' ~ key)) are listed below
LITERAL = re.compile(r"""\bt\(\s*f?["']([a-z_]+\.[A-Za-z0-9_.,]+)["']""")
DYNAMIC = re.compile(r"""\bt\(\s*'([a-z_]+\.)'\s*~""")
#: every value a dynamic prefix may be completed with
DYNAMIC_VALUES = {
    "nav.": [key for key, _ in pages.NAV],
    "unit.": ["enterprises", "sites", "persons", "universities"],
    "kind.": ["records", "statistic", "estimate"],
    "ownership.": ["domestic", "foreign", "hmt"],
    "flag.": ["hq", "rd", "hq_rd"],
    "status.": ["active", "closed", "moved_out"],
    "region.": ["asean,lac", "asean", "lac", "all"],
    "group.": ["demand", "ease", "channel"],
    "partner_kind.": ["friendly_city", "organisation", "platform"],
    "js.status.": ["restored", "restoring", "unrestored"],
    "level.": ["national", "municipal", "district", "registered"],
    "kind_name.": ["enterprises", "financials", "projects", "partners", "events", "universities", "heritage",
                   "spaces", "statistics"],
    "stage.": ["lead", "contacted", "negotiating", "signed", "landed", "operating", "dropped"],
    "space_kind.": ["building", "park"],
    "event_kind.": ["media_dialogue", "expo", "forum", "delegation"],
}


def _templates() -> list[Path]:
    return [p for folder in TEMPLATE_DIRS for p in sorted(folder.glob("*.html"))]


def _sources() -> list[Path]:
    return _templates() + sorted(WEB.glob("*.py"))


def _fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_both_catalogues_have_the_same_keys_and_placeholders() -> None:
    zh, en = catalogue("zh"), catalogue("en")
    assert sorted(set(zh) ^ set(en)) == []
    for key in zh:
        assert zh[key].strip() or key == "unit.count", f"zh: {key} is empty"
        assert _fields(zh[key]) == _fields(en[key]), f"{key}: placeholders differ"


def test_every_key_used_exists() -> None:
    used: set[str] = set(pages.JS_KEYS)
    prefixes: set[str] = set()
    for path in _sources():
        text = path.read_text(encoding="utf-8")
        used |= {k for k in LITERAL.findall(text) if not k.endswith(".")}
        prefixes |= set(DYNAMIC.findall(text))
    assert len(used) > 150  # the scan found the templates
    unknown_prefixes = prefixes - set(DYNAMIC_VALUES)
    assert not unknown_prefixes, f"dynamic keys without a list of values in this test: {unknown_prefixes}"
    for prefix in prefixes:
        used |= {prefix + v for v in DYNAMIC_VALUES[prefix]}
    for lang in LANGUAGES:
        missing = sorted(k for k in used if k not in catalogue(lang))
        assert missing == [], f"{lang}: missing {missing}"


def test_templates_have_no_bare_interface_text() -> None:
    """Text between tags in templates must come from t(…): only symbols, codes and markup stay literal."""
    allowed = re.compile(r"^[\s\W\d]*$|^(CSV|XLSX|SHA-256|m²)$")
    for path in _templates():
        text = re.sub(r"{%.*?%}|{{.*?}}|{#.*?#}", " ", path.read_text(encoding="utf-8"), flags=re.S)
        text = re.sub(r"<script.*?</script>|<style.*?</style>", " ", text, flags=re.S)
        for chunk in re.findall(r">([^<>]+)<", text):
            for word in chunk.split():
                assert allowed.match(word), f"{path.name}: literal text {word!r}"


def test_every_error_code_is_translated() -> None:
    for lang in LANGUAGES:
        missing = [code for code in ERROR_CODES if not catalogue(lang).get(f"error.{code}", "").strip()]
        assert missing == [], f"{lang}: no text for error codes {missing}"
    assert Translator("zh")("error.version_conflict") != Translator("en")("error.version_conflict")


def test_a_language_is_every_file_of_it_merged(tmp_path: Path) -> None:
    assert len(catalogue_files("zh")) >= 3 and [p.name.split(".")[0] for p in catalogue_files("zh")] == [
        p.name.split(".")[0] for p in catalogue_files("en")]
    (tmp_path / "web.zh.json").write_text('{"a.one": "一"}', encoding="utf-8")
    (tmp_path / "issues.zh.json").write_text('{"issue.bad_date": "日期无效"}', encoding="utf-8")
    (tmp_path / "web.en.json").write_text('{"a.one": "one"}', encoding="utf-8")
    assert load_catalogue("zh", tmp_path) == {"a.one": "一", "issue.bad_date": "日期无效"}
    assert load_catalogue("en", tmp_path) == {"a.one": "one"}
    (tmp_path / "more.zh.json").write_text('{"a.one": "又一"}', encoding="utf-8")
    with pytest.raises(ConfigError, match="'a.one' is defined in"):
        load_catalogue("zh", tmp_path)
    (tmp_path / "more.zh.json").write_text('["not", "an", "object"]', encoding="utf-8")
    with pytest.raises(ConfigError, match="one JSON object of strings"):
        load_catalogue("zh", tmp_path)
    with pytest.raises(ConfigError, match="unknown language"):
        load_catalogue("fr", tmp_path)


@pytest.mark.parametrize(
    ("query", "cookie", "header", "expected"),
    [
        ("en", "zh", "zh-CN", "en"),
        (None, "en", "zh-CN", "en"),
        (None, None, "en-US,en;q=0.9,zh;q=0.8", "en"),
        (None, None, "fr-FR, zh-TW;q=0.7, en;q=0.5", "zh"),
        (None, None, "de", "zh"),
        ("xx", "yy", None, "zh"),
        (None, None, "en;q=0.2, zh;q=0.9", "zh"),
    ],
)
def test_language_negotiation(query, cookie, header, expected) -> None:
    assert negotiate(query, cookie, header) == expected


def test_localised_values() -> None:
    zh, en = Translator("zh"), Translator("en")
    assert en.number(1726) == "1,726"
    assert en.percent(0.2) == "20.0%"
    assert en.kpi_value([0.2, 0.2, None], "fraction_per_year") == "+20.0% · +20.0% · missing"
    assert zh.kpi_value(None, "enterprises") == "缺失"
    assert en.kpi_value(10000.0, "persons", "more than") == "more than 10,000"
    assert zh.kpi_value(10000.0, "persons", "more than") == "10,000 以上"
    assert en.kpi_value(260000.0, "m2") == "260,000 m²"
    assert "¥" in zh.money(1234.5) and "CN¥" in en.money(1234.5)
    assert en.date(dt.date(2024, 6, 14)) == "14 Jun 2024"
    assert zh.date(dt.date(2024, 6, 14)) == "2024年6月14日"
    assert zh("pager.status", page=1, pages=2, total=3) == "第 1 / 2 页 · 共 3 条"
