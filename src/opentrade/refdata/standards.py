"""Loaders for the shipped industry standards and the "1+2+3+4" framework.

Shipped files (``opentrade/data``; see ``data/standards/README.md`` for sources and gaps):

- ``standards/gbt4754_2017.csv``               GB/T 4754-2017, all four levels
- ``standards/digital_economy_2021.csv``       NBS digital economy 2021: 5 categories + 32 sub-categories
- ``standards/digital_economy_gbt4754_map.csv`` hand-curated, APPROXIMATE GB/T 4754 → sub-category mapping
- ``framework_1234.yaml``                      Yangpu's framework (versioned) and the category-05 keyword rules

A user who holds the official NBS correspondence table can pass it as ``digital_economy_map`` to
:func:`load_taxonomy`. It must have the same columns as the shipped mapping
(``gbt4754_code,de_subcategory,partial,approximate,note``) and then *replaces* the shipped one entirely;
set ``approximate=false`` on its rows so classifications stop being flagged as approximate.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path
from types import MappingProxyType
from typing import Any

import yaml

from opentrade.errors import ReferenceDataError

MAX_KEYWORDS = 64  # per rule; classify_frame packs each rule's keyword hits into one 64-bit word
MAP_COLUMNS = ("gbt4754_code", "de_subcategory", "partial", "approximate", "note")
SHIPPED_MAP = "standards/digital_economy_gbt4754_map.csv"
_BOOL = {"true": True, "false": False}


@dataclass(frozen=True)
class IndustryClass:
    code: str
    level: int  # 1 门类, 2 大类, 3 中类, 4 小类
    parent_code: str | None
    section: str
    name_zh: str


@dataclass(frozen=True)
class DigitalEconomyClass:
    code: str  # "01".."05" or "0101".."0509"
    level: int  # 1 category, 2 sub-category
    parent_code: str | None
    name_zh: str
    name_en: str
    code_inferred: bool  # sub-category codes are assigned by us, not printed in the source


@dataclass(frozen=True)
class MappingRow:
    gbt4754_code: str
    de_subcategory: str
    partial: bool  # only part of the class is in scope (NBS marks these with *)
    approximate: bool
    note: str


@dataclass(frozen=True)
class EfficiencyRule:
    """Category 05: the code lies under one of ``gbt4754`` AND the scope contains one of ``keywords``."""

    de_subcategory: str
    gbt4754: tuple[str, ...]
    keywords: tuple[str, ...]  # zh then en, as written in the YAML


@dataclass(frozen=True)
class Cluster:
    id: str
    tier: int
    name_zh: str
    name_en: str
    gbt4754: tuple[str, ...]
    digital_economy: tuple[str, ...]
    keywords: tuple[str, ...]  # zh then en, as written in the YAML


@dataclass(frozen=True, eq=False)
class Taxonomy:
    framework_version: str
    framework_source: str
    industries: MappingProxyType[str, IndustryClass]
    digital_economy: MappingProxyType[str, DigitalEconomyClass]
    de_map: MappingProxyType[str, MappingRow]
    de_map_source: str  # "shipped (approximate)" or the user file's path
    efficiency_rules: tuple[EfficiencyRule, ...]
    clusters: tuple[Cluster, ...]

    def section_of(self, code: str) -> str | None:
        """门类 letter of a code (or of its 2-digit prefix), None when unknown."""
        if len(code) == 1:
            return code if code in self.industries else None
        division = self.industries.get(code[:2])
        return division.section if division is not None else None


def _read_resource(name: str) -> str:
    try:
        return resources.files("opentrade").joinpath("data", *name.split("/")).read_text(encoding="utf-8")
    except (FileNotFoundError, OSError, UnicodeDecodeError) as exc:
        raise ReferenceDataError(f"shipped reference file {name} cannot be read: {exc}") from exc


def _csv_rows(text: str, required: tuple[str, ...], what: str) -> list[dict[str, str]]:
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    try:
        missing = [c for c in required if c not in (reader.fieldnames or [])]
        if missing:
            raise ReferenceDataError(f"{what}: missing column(s) {', '.join(missing)}")
        rows = []
        for lineno, row in enumerate(reader, start=2):
            if None in row or any(row[c] is None for c in required):
                raise ReferenceDataError(f"{what}, line {lineno}: wrong number of fields")
            rows.append({k: v.strip() for k, v in row.items()})
    except csv.Error as exc:
        raise ReferenceDataError(f"{what}: not a readable CSV file: {exc}") from exc
    return rows


@lru_cache(maxsize=1)
def _gbt4754() -> MappingProxyType[str, IndustryClass]:
    what = "gbt4754_2017.csv"
    table: dict[str, IndustryClass] = {}
    for r in _csv_rows(_read_resource(f"standards/{what}"),
                       ("code", "level", "parent_code", "section", "name_zh"), what):
        if r["level"] not in ("1", "2", "3", "4"):
            raise ReferenceDataError(f"{what}: bad level {r['level']!r} for {r['code']!r}")
        table[r["code"]] = IndustryClass(r["code"], int(r["level"]), r["parent_code"] or None,
                                         r["section"], r["name_zh"])
    return MappingProxyType(table)


def load_gbt4754() -> dict[str, IndustryClass]:
    """GB/T 4754-2017 code → class, all four levels (codes are strings: ``"0111"``)."""
    return dict(_gbt4754())


@lru_cache(maxsize=1)
def _digital_economy() -> MappingProxyType[str, DigitalEconomyClass]:
    what = "digital_economy_2021.csv"
    table: dict[str, DigitalEconomyClass] = {}
    for r in _csv_rows(_read_resource(f"standards/{what}"),
                       ("code", "level", "parent_code", "name_zh", "name_en", "code_inferred"), what):
        if r["level"] not in ("1", "2") or r["code_inferred"] not in _BOOL:
            raise ReferenceDataError(f"{what}: malformed row for {r['code']!r}")
        table[r["code"]] = DigitalEconomyClass(r["code"], int(r["level"]), r["parent_code"] or None,
                                               r["name_zh"], r["name_en"], _BOOL[r["code_inferred"]])
    return MappingProxyType(table)


def load_digital_economy() -> dict[str, DigitalEconomyClass]:
    """NBS 2021 digital-economy code → class (5 categories, 32 sub-categories)."""
    return dict(_digital_economy())


def _parse_map(text: str, what: str) -> MappingProxyType[str, MappingRow]:
    industries, de = _gbt4754(), _digital_economy()
    out: dict[str, MappingRow] = {}
    for lineno, r in enumerate(_csv_rows(text, MAP_COLUMNS, what), start=2):
        code, sub = r["gbt4754_code"], r["de_subcategory"]
        where = f"{what}, line {lineno}"
        if code not in industries or industries[code].level == 1:
            raise ReferenceDataError(f"{where}: {code!r} is not a GB/T 4754-2017 大类/中类/小类 code")
        if sub not in de or de[sub].level != 2:
            raise ReferenceDataError(f"{where}: {sub!r} is not a digital-economy sub-category")
        if r["partial"].lower() not in _BOOL or r["approximate"].lower() not in _BOOL:
            raise ReferenceDataError(f"{where}: partial/approximate must be true or false")
        if code in out:
            raise ReferenceDataError(f"{where}: {code} is mapped twice")
        out[code] = MappingRow(code, sub, _BOOL[r["partial"].lower()], _BOOL[r["approximate"].lower()],
                               r["note"])
    if not out:
        raise ReferenceDataError(f"{what}: no mapping rows")
    return MappingProxyType(out)


def _str_list(node: Any, where: str) -> tuple[str, ...]:
    if node is None:
        return ()
    # ints are refused rather than converted: YAML reads an unquoted 0111 as a number and loses the zero
    if not isinstance(node, list) or not all(isinstance(x, str) and x.strip() for x in node):
        raise ReferenceDataError(f"{where}: expected a list of non-empty, quoted strings")
    return tuple(x.strip() for x in node)


def _codes(node: Any, where: str, known: MappingProxyType) -> tuple[str, ...]:
    codes = _str_list(node, where)
    unknown = [c for c in codes if c not in known]
    if unknown:
        raise ReferenceDataError(f"{where}: unknown code(s) {', '.join(unknown)}")
    return codes


@lru_cache(maxsize=1)
def _framework_doc() -> dict[str, Any]:
    try:
        doc = yaml.safe_load(_read_resource("framework_1234.yaml"))
    except yaml.YAMLError as exc:
        raise ReferenceDataError(f"framework_1234.yaml is not valid YAML: {exc}") from exc
    if not isinstance(doc, dict) or not isinstance(doc.get("versions"), dict):
        raise ReferenceDataError("framework_1234.yaml: missing 'versions'")
    return doc


def framework_versions() -> tuple[str, ...]:
    return tuple(str(v) for v in _framework_doc()["versions"])


def _efficiency_rules(doc: dict[str, Any]) -> tuple[EfficiencyRule, ...]:
    industries, de = _gbt4754(), _digital_economy()
    rules = []
    for i, node in enumerate(doc.get("digital_efficiency_rules") or []):
        where = f"framework_1234.yaml digital_efficiency_rules[{i}]"
        sub = str(node.get("de_subcategory", "")) if isinstance(node, dict) else ""
        if sub not in de or not sub.startswith("05") or de[sub].level != 2:
            raise ReferenceDataError(f"{where}: de_subcategory must be a 05xx sub-category")
        codes = _codes(node.get("gbt4754"), f"{where}.gbt4754", industries)
        keywords = _str_list(node.get("keywords_zh"), where) + _str_list(node.get("keywords_en"), where)
        if not codes or not keywords or len(keywords) > MAX_KEYWORDS:
            raise ReferenceDataError(f"{where}: needs gbt4754 codes and 1-{MAX_KEYWORDS} keywords")
        rules.append(EfficiencyRule(sub, codes, keywords))
    return tuple(rules)


def _clusters(version: str, node: Any) -> tuple[Cluster, ...]:
    industries, de = _gbt4754(), _digital_economy()
    if not isinstance(node, dict) or not isinstance(node.get("clusters"), list):
        raise ReferenceDataError(f"framework_1234.yaml version {version}: missing 'clusters'")
    clusters: list[Cluster] = []
    for i, c in enumerate(node["clusters"]):
        where = f"framework_1234.yaml version {version} cluster {i}"
        if not isinstance(c, dict) or not re.fullmatch(r"[1-4](\.[a-z_]+)?", str(c.get("id", ""))):
            raise ReferenceDataError(f"{where}: bad or missing id")
        if c.get("tier") not in (1, 2, 3, 4) or not str(c["id"]).startswith(str(c.get("tier"))):
            raise ReferenceDataError(f"{where}: tier must be 1-4 and match the id")
        rules = c.get("rules") or {}
        if not isinstance(rules, dict):
            raise ReferenceDataError(f"{where}: 'rules' must be a mapping")
        cluster = Cluster(
            id=str(c["id"]), tier=c["tier"], name_zh=str(c.get("name_zh", "")), name_en=str(c.get("name_en", "")),
            gbt4754=_codes(rules.get("gbt4754"), f"{where}.gbt4754", industries),
            digital_economy=_codes(rules.get("digital_economy"), f"{where}.digital_economy", de),
            keywords=_str_list(rules.get("keywords_zh"), where) + _str_list(rules.get("keywords_en"), where),
        )
        if not (cluster.gbt4754 or cluster.digital_economy or cluster.keywords):
            raise ReferenceDataError(f"{where}: has no rules")
        if len(cluster.keywords) > MAX_KEYWORDS:
            raise ReferenceDataError(f"{where}: more than {MAX_KEYWORDS} keywords")
        clusters.append(cluster)
    ids = [c.id for c in clusters]
    if len(set(ids)) != len(ids):
        raise ReferenceDataError(f"framework_1234.yaml version {version}: duplicate cluster ids")
    return tuple(clusters)


@lru_cache(maxsize=16)
def _taxonomy(version: str, map_path: str | None, _mtime_ns: int | None) -> Taxonomy:
    doc = _framework_doc()
    versions = {str(k): v for k, v in doc["versions"].items()}
    if version not in versions:
        raise ReferenceDataError(
            f"unknown framework version {version!r}; known: {', '.join(sorted(versions))}")
    if map_path is None:
        de_map, source = _parse_map(_read_resource(SHIPPED_MAP), SHIPPED_MAP), "shipped (approximate)"
    else:
        try:
            text = Path(map_path).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise ReferenceDataError(f"digital-economy mapping {map_path} cannot be read: {exc}") from exc
        de_map, source = _parse_map(text, map_path), map_path
    return Taxonomy(
        framework_version=version,
        framework_source=" ".join(str(versions[version].get("source", "")).split()),
        industries=_gbt4754(),
        digital_economy=_digital_economy(),
        de_map=de_map,
        de_map_source=source,
        efficiency_rules=_efficiency_rules(doc),
        clusters=_clusters(version, versions[version]),
    )


def load_taxonomy(framework_version: str = "2023", digital_economy_map: Path | None = None) -> Taxonomy:
    """Everything :mod:`opentrade.domain.classify` needs, for one version of the 1+2+3+4 framework.

    ``digital_economy_map``: a CSV in the shipped mapping's format (e.g. built from the official NBS
    table) that replaces the shipped approximate mapping. Raises ReferenceDataError when a file is
    missing or malformed or the version is unknown.
    """
    if digital_economy_map is None:
        return _taxonomy(str(framework_version), None, None)
    path = Path(digital_economy_map)
    try:
        mtime = path.stat().st_mtime_ns  # part of the cache key, so an edited file is re-read
    except OSError as exc:
        raise ReferenceDataError(f"digital-economy mapping {path} cannot be read: {exc}") from exc
    return _taxonomy(str(framework_version), str(path.resolve()), mtime)
