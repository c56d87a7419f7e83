"""Digital-economy and 1+2+3+4 classification: examples, and classify_frame == classify_one."""

from __future__ import annotations

import json
import random

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from opentrade.domain.classify import Classification, classify_frame, classify_one
from opentrade.refdata.standards import load_gbt4754, load_taxonomy

TAX = load_taxonomy("2023")
TAX25 = load_taxonomy("2025")
GB_CODES = sorted(load_gbt4754())
KEYWORDS = sorted({k for r in (*TAX.efficiency_rules, *TAX.clusters, *TAX25.clusters) for k in r.keywords})


def one(code, scope, tax=TAX) -> Classification:
    return classify_one(code, scope, taxonomy=tax)


def test_software_firm_is_core_03():
    c = one("6513", "应用软件开发；信息系统集成服务")
    assert (c.de_category, c.de_subcategory, c.is_core, c.de_approximate) == ("03", "0301", True, True)
    assert c.de_basis == "GB/T 4754 6513 (under 651) → 0301 软件开发 (approximate mapping)"
    assert c.clusters == ("1",)
    assert c.cluster_basis == {"1": "digital-economy category 03 数字技术应用业"}


@pytest.mark.parametrize("code, sub", [
    ("3911", "0101"), ("391", "0101"), ("3940", "0102"), ("3951", "0103"), ("3491", "0104"), ("3973", "0105"),
    ("5176", "0201"), ("5274", "0202"), ("7114", "0203"), ("8122", "0204"), ("6312", "0302"), ("63", "0302"),
    ("6422", "0303"), ("6520", "0304"), ("6591", "0304"), ("6432", "0401"), ("5292", "0402"),
    ("6930", "0403"), ("8730", "0404"), ("4851", "0405"), ("7213", "0406"), ("7272", "0407"),
])
def test_mapping_examples(code, sub):
    c = one(code, None)
    assert c.de_subcategory == sub and c.de_category == sub[:2] and c.is_core


@pytest.mark.parametrize("code", [None, "", "   ", "65", "6", "65130", "abc", "7115", "3011", "Z", "9"])
def test_no_category_from_code_alone(code):
    c = one(code, None)
    assert (c.de_category, c.de_subcategory, c.de_basis, c.de_approximate, c.is_core) == (None, None, None,
                                                                                           False, False)


def test_code_normalisation():
    assert one(" 6513\n", None) == one("6513", None)
    assert one("c", "智能制造").de_subcategory == one("C", "智能制造").de_subcategory == "0502"
    assert one("6513x", None).de_category is None


def test_partial_class_is_flagged():
    c = one("7320", None)
    assert c.de_subcategory == "0407" and "[partial class *]" in c.de_basis


def test_efficiency_rules_need_code_and_keyword():
    c = one("3011", "水泥制造；智能制造系统集成")
    assert (c.de_category, c.de_subcategory, c.is_core) == ("05", "0502", False)
    assert c.de_basis == "keyword '智能制造' in business scope + section C → 0502 智能制造"
    assert one("3011", "水泥制造").de_category is None  # code without keyword
    assert one("5431", "智能制造").de_category is None  # keyword, but transport is not manufacturing
    assert one(None, "智能制造").de_category is None  # keyword without code
    assert one("6513", "智能制造").de_subcategory == "0301"  # a core mapping wins over the keyword rules
    g = one("5431", "道路货物运输；智慧物流")
    assert g.de_subcategory == "0504" and g.de_basis.endswith("section G → 0504 智慧物流")
    t = one("5431", "Smart Mobility solutions")
    assert t.de_subcategory == "0503" and "class 54" in t.de_basis


def test_cluster_by_chinese_keyword():
    c = one(None, "人工智能算法研发；技术服务")
    assert "4.ai" in c.clusters and "2.ai_plus" in c.clusters
    assert c.cluster_basis["4.ai"] == "keyword '人工智能' in business scope"
    assert c.de_category is None
    c25 = one(None, "人工智能算法研发", TAX25)
    assert "4.future_intelligence" in c25.clusters and "4.ai" not in c25.clusters


def test_cluster_by_english_keyword_ignores_ascii_case():
    c = one(None, "Research on ARTIFICIAL Intelligence and Machine Learning")
    assert c.clusters == ("2.ai_plus", "4.ai")
    assert c.cluster_basis == {"2.ai_plus": "keyword 'artificial intelligence' in business scope",
                               "4.ai": "keyword 'artificial intelligence' in business scope"}
    assert one(None, "retail and maintenance").clusters == ()  # no stray short matches such as 'ai'


def test_cluster_basis_order_code_then_category_then_keyword():
    c = one("3491", "工业机器人研发")  # 工业机器人制造
    assert c.cluster_basis["3.intelligent_manufacturing"] == "GB/T 4754 3491"
    assert c.cluster_basis["1"] == "digital-economy category 01 数字产品制造业"
    assert c.cluster_basis["2.ai_plus"] == "GB/T 4754 3491"
    assert one("7320", None).cluster_basis["4.tech_services"] == "GB/T 4754 7320 in section M"
    assert one("8411", None).cluster_basis == {"4.life_health": "GB/T 4754 8411 in class 84"}
    manuf = one("3011", "智能制造")
    assert manuf.cluster_basis == {"3.intelligent_manufacturing": "digital-economy sub-category 0502 智能制造"}


def test_frame_output_shape():
    df = pl.DataFrame({"id": [1, 2, 3], "industry_code": ["6513", None, "8411"],
                       "business_scope": [None, "artificial intelligence", "互联网医院"]})
    out = classify_frame(df, taxonomy=TAX)
    assert out.columns == ["id", "industry_code", "business_scope", "de_category", "de_subcategory", "de_basis",
                           "de_approximate", "clusters", "cluster_basis"]
    assert out.schema["de_approximate"] == pl.Boolean
    assert out["id"].to_list() == [1, 2, 3]
    assert out["de_category"].to_list() == ["03", None, "05"]
    assert out["clusters"].to_list() == ["1", "2.ai_plus;4.ai", "4.life_health"]
    assert json.loads(out["cluster_basis"][2]) == {"4.life_health": "GB/T 4754 8411 in class 84"}
    empty = classify_frame(pl.DataFrame({"industry_code": ["0111"], "business_scope": ["稻谷"]}), taxonomy=TAX)
    assert empty.row(0, named=True)["clusters"] == "" and empty.row(0, named=True)["cluster_basis"] == "{}"
    again = classify_frame(out.drop("id"), taxonomy=TAX)  # existing output columns are replaced
    assert again.columns == out.columns[1:] and again.equals(out.drop("id"))


def test_frame_rejects_bad_input():
    with pytest.raises(ValueError, match="business_scope"):
        classify_frame(pl.DataFrame({"industry_code": ["6513"]}), taxonomy=TAX)
    with pytest.raises(TypeError, match="String"):
        classify_frame(pl.DataFrame({"industry_code": [6513], "business_scope": ["x"]}), taxonomy=TAX)
    nulls = pl.DataFrame({"industry_code": [None], "business_scope": [None]})  # dtype Null
    assert classify_frame(nulls, taxonomy=TAX)["cluster_basis"].to_list() == ["{}"]


def assert_frame_matches_one(codes: list, scopes: list, tax) -> None:
    df = pl.DataFrame({"industry_code": codes, "business_scope": scopes},
                      schema={"industry_code": pl.String, "business_scope": pl.String})
    out = classify_frame(df, taxonomy=tax)
    assert out.height == len(codes)
    for row, code, scope in zip(out.iter_rows(named=True), codes, scopes, strict=True):
        ref = classify_one(code, scope, taxonomy=tax)
        got = (row["de_category"], row["de_subcategory"], row["de_basis"], row["de_approximate"],
               row["clusters"], row["cluster_basis"])
        want = (ref.de_category, ref.de_subcategory, ref.de_basis, ref.de_approximate, ";".join(ref.clusters),
                json.dumps(ref.cluster_basis, ensure_ascii=False))
        assert got == want, (code, scope)


TRICKY = [  # rows where the two implementations could plausibly part ways
    ("5431", "智慧物流；智能交通"),  # two 05 rules apply: the first in file order wins (0503)
    ("6621", "DIGITAL BAN\u212aING"),  # Kelvin sign: str.lower() would make it 'k', ASCII folding does not
    ("6621", "Digital BANKING"), ("\u30006513\u00a0", "人工智能"), ("\x0b6513", None), ("6513\x1c", None),
    ("C", "智能工厂 智能制造"), ("3011", "数字化转型 智能制造"), ("M", "incubator"), ("m", None),
    (None, "直播 网络直播 live STREAMING"), ("7320", "生物医药 biomedicine"), ("", ""),
]


def test_tricky_rows():
    assert one("5431", "智慧物流；智能交通").de_subcategory == "0503"
    assert one("6621", "DIGITAL BAN\u212aING").de_category is None
    assert one("6621", "Digital BANKING").de_subcategory == "0505"
    assert one("\u30006513\u00a0", None).de_subcategory == "0301"
    assert one("\x0b6513", None).de_category is None
    assert one("3011", "数字化转型 智能制造").de_basis.startswith("keyword '智能制造'")  # list order, not text order


@pytest.mark.parametrize("tax", [TAX, TAX25], ids=["2023", "2025"])
def test_frame_agrees_with_one_on_every_code(tax):
    rng = random.Random(4754)
    codes, scopes = [c for c, _ in TRICKY], [s for _, s in TRICKY]
    for code in GB_CODES + [None, " 65 ", "c", "Z", "12345", "00", "0000", "9999"]:
        for n in (0, 2, 12, len(KEYWORDS)):  # few keywords, many, and every keyword in random order
            words = rng.sample(KEYWORDS, n)
            codes.append(code)
            scopes.append("；".join(w.upper() if rng.random() < 0.3 else w for w in words) if n else None)
    assert_frame_matches_one(codes, scopes, tax)


def _case_variants(word: str) -> st.SearchStrategy[str]:
    return st.sampled_from([word, word.upper(), word.title(), word.swapcase()])


codes_st = st.one_of(
    st.none(),
    st.sampled_from(GB_CODES),
    st.sampled_from(GB_CODES).map(lambda c: f" {c.lower()}\t"),
    st.text(alphabet="0123456789 \t\n\r\x0bACMcz", max_size=6),
    st.text(max_size=5),
)
scope_piece = st.one_of(
    st.sampled_from(KEYWORDS).flatmap(_case_variants),
    st.text(max_size=6),
    st.sampled_from(["；", "、", " ", "K", "İ", "ß", "ǅ", "ﬃ", "技术服务"]),  # non-ASCII case traps
)
scopes_st = st.one_of(st.none(), st.lists(scope_piece, max_size=8).map("".join))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=st.lists(st.tuples(codes_st, scopes_st), min_size=1, max_size=25), v2025=st.booleans())
def test_frame_agrees_with_one_property(rows, v2025):
    codes, scopes = (list(x) for x in zip(*rows, strict=True))
    assert_frame_matches_one(codes, scopes, TAX25 if v2025 else TAX)


def test_frame_agrees_with_user_mapping(tmp_path):
    path = tmp_path / "m.csv"
    path.write_text("gbt4754_code,de_subcategory,partial,approximate,note\n"
                    "65,0304,false,false,\n651,0301,true,false,\n6513,0303,false,true,\n", encoding="utf-8")
    tax = load_taxonomy("2023", path)
    codes = ["65", "651", "6511", "6513", "6599", "I", None]
    assert [one(c, None, tax).de_subcategory for c in codes] == ["0304", "0301", "0301", "0303", "0304",
                                                                  None, None]
    assert_frame_matches_one(codes, [None] * len(codes), tax)


def test_frame_classifies_repeated_rows_like_single_ones():
    # Firms sharing a code and the same keyword hits are classified once per combination and joined back: row for
    # row, in input order (missing codes and scopes included), the result is classify_one's.
    rng = random.Random(4754)
    pairs = [*TRICKY, (None, None), (None, "人工智能"), ("6513", None), ("6513", "智能制造"), ("C", None)]
    rows = [rng.choice(pairs) for _ in range(600)]
    assert_frame_matches_one([c for c, _ in rows], [s for _, s in rows], TAX)
    assert_frame_matches_one([c for c, _ in rows], [s for _, s in rows], TAX25)
