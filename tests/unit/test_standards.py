"""Shipped standards tables, the 1+2+3+4 framework file and their loaders."""

from __future__ import annotations

import csv
import importlib.util
import io
import re
import shutil
from importlib import resources
from pathlib import Path

import pytest

from opentrade.domain.classify import classify_one
from opentrade.errors import ReferenceDataError
from opentrade.refdata.standards import (
    framework_versions,
    load_digital_economy,
    load_gbt4754,
    load_taxonomy,
)

REPO = Path(__file__).resolve().parents[2]
DATA = resources.files("opentrade") / "data"
MAP_HEADER = "gbt4754_code,de_subcategory,partial,approximate,note\n"


def shipped_csv(name: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO((DATA / "standards" / name).read_text(encoding="utf-8"))))


def test_gbt4754_level_counts_and_codes():
    table = load_gbt4754()
    counts = {lvl: sum(1 for c in table.values() if c.level == lvl) for lvl in (1, 2, 3, 4)}
    assert counts == {1: 20, 2: 97, 3: 473, 4: 1381}
    patterns = {1: r"[A-T]", 2: r"\d{2}", 3: r"\d{3}", 4: r"\d{4}"}
    for code, cls in table.items():
        assert code == cls.code and re.fullmatch(patterns[cls.level], code)
        if cls.level > 1:
            parent = table[cls.parent_code]
            assert parent.level == cls.level - 1 and code.startswith(parent.code if parent.level > 1 else "")
            assert cls.section == parent.section
    assert table["0111"].name_zh == "稻谷种植" and table["0111"].parent_code == "011"  # leading zero kept
    assert table["6513"].name_zh == "应用软件开发" and table["6513"].section == "I"


def test_digital_economy_table():
    de = load_digital_economy()
    cats = sorted(c for c, v in de.items() if v.level == 1)
    subs = sorted(c for c, v in de.items() if v.level == 2)
    assert cats == ["01", "02", "03", "04", "05"]
    assert len(subs) == 32
    per_cat = {c: sum(1 for s in subs if s.startswith(c)) for c in cats}
    assert per_cat == {"01": 6, "02": 5, "03": 5, "04": 7, "05": 9}
    assert all(de[s].code_inferred and de[s].parent_code == s[:2] and de[s].name_en for s in subs)
    assert not any(de[c].code_inferred for c in cats)
    assert de["0301"].name_zh == "软件开发" and de["0509"].name_zh == "其他数字化效率提升业"


def test_shipped_mapping_codes_exist_and_rows_are_approximate():
    gb, de = load_gbt4754(), load_digital_economy()
    rows = shipped_csv("digital_economy_gbt4754_map.csv")
    assert len(rows) > 50
    codes = [r["gbt4754_code"] for r in rows]
    assert len(codes) == len(set(codes))
    for r in rows:
        assert r["gbt4754_code"] in gb and gb[r["gbt4754_code"]].level in (2, 3, 4), r
        assert r["de_subcategory"] in de and de[r["de_subcategory"]].level == 2, r
        assert r["approximate"] == "true" and r["partial"] in ("true", "false")
        assert r["de_subcategory"][:2] in ("01", "02", "03", "04")  # 05 is left to the keyword rules
    # the shipped rows do not nest, so no shipped row is silently overridden by a more specific one
    for code in codes:
        assert not any(code != other and code.startswith(other) for other in codes), code


def test_framework_versions_and_clusters():
    assert set(framework_versions()) >= {"2023", "2025"}
    t23, t25 = load_taxonomy("2023"), load_taxonomy("2025")
    ids23 = [c.id for c in t23.clusters]
    ids25 = [c.id for c in t25.clusters]
    assert ids23[:6] == ids25[:6] == ["1", "2.internet_plus", "2.ai_plus", "3.online_new_economy",
                                      "3.intelligent_manufacturing", "3.creative_design"]
    assert ids23[6:] == ["4.ai", "4.life_health", "4.green_low_carbon", "4.tech_services"]
    assert ids25[6:] == ["4.future_intelligence", "4.future_space", "4.future_energy", "4.future_health"]
    assert [c.tier for c in t23.clusters] == [1, 2, 2, 3, 3, 3, 4, 4, 4, 4]
    assert t23.clusters[0].digital_economy == ("01", "02", "03", "04")
    assert "CNR" in t23.framework_source and "2023-08-19" in t23.framework_source
    gb, de = load_gbt4754(), load_digital_economy()
    for cl in (*t23.clusters, *t25.clusters):
        assert cl.name_zh and cl.name_en
        assert all(c in gb for c in cl.gbt4754) and all(c in de for c in cl.digital_economy)
    assert [r.de_subcategory for r in t23.efficiency_rules] == [f"05{i:02d}" for i in range(1, 10)]


def test_unknown_framework_version():
    with pytest.raises(ReferenceDataError, match="unknown framework version"):
        load_taxonomy("1999")


def test_user_mapping_replaces_shipped_one(tmp_path):
    path = tmp_path / "official.csv"
    path.write_text(MAP_HEADER + "65,0304,false,false,all of 65\n6513,0303,true,false,test\n", encoding="utf-8")
    tax = load_taxonomy("2023", digital_economy_map=path)
    assert set(tax.de_map) == {"65", "6513"} and tax.de_map_source == str(path.resolve())
    one = classify_one("6513", None, taxonomy=tax)
    assert (one.de_subcategory, one.de_approximate) == ("0303", False)
    assert "approximate" not in one.de_basis and "partial" in one.de_basis
    assert classify_one("6511", None, taxonomy=tax).de_subcategory == "0304"  # via 65
    assert classify_one("3911", None, taxonomy=tax).de_category is None  # shipped rows are gone
    assert classify_one("3911", None, taxonomy=load_taxonomy("2023")).de_subcategory == "0101"
    # an edited file is re-read, not served from the cache
    path.write_text(MAP_HEADER + "3911,0102,false,false,edited\n", encoding="utf-8")
    assert classify_one("3911", None, taxonomy=load_taxonomy("2023", path)).de_subcategory == "0102"


@pytest.mark.parametrize("body, message", [
    ("gbt4754_code,de_subcategory,partial,note\n6513,0301,false,x\n", "missing column"),
    (MAP_HEADER + "9999,0301,false,true,x\n", "not a GB/T 4754"),
    (MAP_HEADER + "I,0301,false,true,x\n", "not a GB/T 4754"),
    (MAP_HEADER + "6513,0399,false,true,x\n", "not a digital-economy sub-category"),
    (MAP_HEADER + "6513,03,false,true,x\n", "not a digital-economy sub-category"),
    (MAP_HEADER + "6513,0301,yes,true,x\n", "true or false"),
    (MAP_HEADER + "6513,0301,false,true,x\n6513,0302,false,true,y\n", "mapped twice"),
    (MAP_HEADER + "6513,0301,false,true\n", "wrong number of fields"),
    (MAP_HEADER, "no mapping rows"),
])
def test_bad_user_mapping(tmp_path, body, message):
    path = tmp_path / "bad.csv"
    path.write_text(body, encoding="utf-8")
    with pytest.raises(ReferenceDataError, match=message):
        load_taxonomy("2023", digital_economy_map=path)


def test_unreadable_user_mapping(tmp_path):
    with pytest.raises(ReferenceDataError, match="cannot be read"):
        load_taxonomy("2023", digital_economy_map=tmp_path / "absent.csv")
    latin = tmp_path / "latin1.csv"
    latin.write_bytes(MAP_HEADER.encode() + "6513,0301,false,true,caf\xe9\n".encode("latin-1"))
    with pytest.raises(ReferenceDataError, match="cannot be read"):
        load_taxonomy("2023", digital_economy_map=latin)


def _clear_caches() -> None:
    from opentrade.refdata import standards

    for cache in (standards._gbt4754, standards._digital_economy, standards._framework_doc, standards._taxonomy):
        cache.cache_clear()


@pytest.fixture
def shipped_copy(tmp_path, monkeypatch):
    """A writable copy of the package's data directory that the loaders read instead of the real one."""
    from opentrade.refdata import standards

    root = tmp_path / "pkg"
    shutil.copytree(Path(str(DATA)), root / "data")
    _clear_caches()
    monkeypatch.setattr(standards.resources, "files", lambda _package: root)
    yield root / "data"
    monkeypatch.undo()
    _clear_caches()


@pytest.mark.parametrize("damage, message", [
    (lambda d: (d / "standards" / "gbt4754_2017.csv").unlink(), "cannot be read"),
    (lambda d: (d / "standards" / "digital_economy_2021.csv").write_text("code,level\n01,1\n"), "missing column"),
    (lambda d: (d / "framework_1234.yaml").write_text("versions: [unclosed"), "not valid YAML"),
    (lambda d: (d / "framework_1234.yaml").write_text("versions:\n  '2023':\n    clusters:\n"
                                                     "      - {id: '1', tier: 1, rules: {gbt4754: [0111]}}\n"),
     "quoted strings"),
    (lambda d: (d / "framework_1234.yaml").write_text("versions:\n  '2023':\n    clusters:\n"
                                                     "      - {id: '1', tier: 1, rules: {gbt4754: ['6513', '6x']}}\n"),
     "unknown code"),
    (lambda d: (d / "standards" / "digital_economy_gbt4754_map.csv").write_text(MAP_HEADER + "6513,0301\n"),
     "wrong number of fields"),
])
def test_damaged_shipped_files(shipped_copy, damage, message):
    assert load_taxonomy("2023").clusters  # the intact copy loads
    _clear_caches()
    damage(shipped_copy)
    with pytest.raises(ReferenceDataError, match=message):
        load_taxonomy("2023")


def _build_script():
    spec = importlib.util.spec_from_file_location("build_standards", REPO / "scripts" / "build_standards.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_build_script_rejects_incomplete_source(tmp_path, capsys):
    src = tmp_path / "src"
    src.mkdir()
    gb = (DATA / "standards" / "gbt4754_2017.csv").read_text(encoding="utf-8").splitlines()
    (src / "gbt4754_2017.csv").write_text("\n".join(gb[:-1]) + "\n", encoding="utf-8")  # one 小类 short
    assert _build_script().main(["x", str(src), str(tmp_path / "out")]) == 1
    assert "level counts" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


SHARED = REPO.parent / "shared" / "data" / "standards"


@pytest.mark.skipif(not SHARED.is_dir(), reason="data-acquisition copy not present")
def test_shipped_tables_equal_a_fresh_build(tmp_path):
    assert _build_script().main(["x", str(SHARED), str(tmp_path)]) == 0
    for name in ("gbt4754_2017.csv", "digital_economy_2021.csv"):
        assert (tmp_path / name).read_bytes() == (DATA / "standards" / name).read_bytes(), name
