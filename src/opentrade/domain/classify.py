"""Classify firms into NBS digital-economy categories and the "1+2+3+4" clusters.

Pure functions over a :class:`~opentrade.refdata.standards.Taxonomy`; no I/O. :func:`classify_one` is the
reference; :func:`classify_frame` is its vectorised twin and must give identical results (tested).

Rules, in order:

1. Industry code. Surrounding spaces (incl. NBSP, ideographic), tabs, newlines are ignored; anything other than 2-4 digits or a single
   门类 letter counts as no code. The code's ancestors are its 4-, 3- and 2-digit prefixes and its 门类
   letter; the most specific ancestor present in the GB/T 4754 → digital-economy mapping decides.
2. Otherwise category 05: the first ``efficiency_rule`` whose codes contain an ancestor AND whose keywords
   occur in the business scope (substring, ignoring ASCII case; the first keyword in list order is reported).
3. Clusters, in taxonomy order: a cluster applies when an ancestor is in its codes, or the digital-economy
   result is in its categories, or one of its keywords occurs; the basis reported is the first of these.
"""

from __future__ import annotations

import json
import re
import string
from collections.abc import Collection
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import polars as pl
from polars._typing import PolarsDataType

from opentrade.domain.vocabulary import CORE_DIGITAL

if TYPE_CHECKING:  # the taxonomy is handed in: the domain reads no files
    from opentrade.refdata.standards import Taxonomy

_STRIP = " \t\r\n\u00a0\u3000"  # an explicit set: Python's and polars' ideas of whitespace differ
_UPPER, _LOWER = string.ascii_uppercase, string.ascii_lowercase
_FOLD = str.maketrans(_UPPER, _LOWER)  # keywords match ignoring ASCII case only (same in both paths)
_CODE_RE = r"^(?:[0-9]{2,4}|[A-Za-z])$"  # same regex in Python (fullmatch) and polars (anchored)


@dataclass(frozen=True)
class Classification:
    de_category: str | None
    de_subcategory: str | None
    de_basis: str | None
    de_approximate: bool
    clusters: tuple[str, ...]
    cluster_basis: dict[str, str] = field(hash=False)

    @property
    def is_core(self) -> bool:
        """Digital-economy core industries are categories 01-04."""
        return self.de_category in CORE_DIGITAL


# --- text fragments shared by both implementations --------------------------------------------------

def _label(ancestor: str) -> str:
    return f"section {ancestor}" if len(ancestor) == 1 else f"class {ancestor}"


def _de_target(tax: Taxonomy, sub: str) -> str:
    return f"{sub} {tax.digital_economy[sub].name_zh}"


def _map_suffix(tax: Taxonomy, key: str) -> str:
    row = tax.de_map[key]
    suffix = f" → {_de_target(tax, row.de_subcategory)}"
    if row.partial:
        suffix += " [partial class *]"
    return suffix + (" (approximate mapping)" if row.approximate else "")


def _de_rule_text(tax: Taxonomy, code: str) -> str:
    kind = "sub-category" if len(code) == 4 else "category"
    return f"digital-economy {kind} {code} {tax.digital_economy[code].name_zh}"


def _kw_text(keyword: str) -> str:
    return f"keyword '{keyword}' in business scope"


# --- reference implementation ------------------------------------------------------------------------

def _normalise_code(raw: str | None) -> str | None:
    if raw is None:
        return None
    code = raw.strip(_STRIP)
    return code.upper() if re.fullmatch(_CODE_RE, code) else None


def _ancestors(tax: Taxonomy, code: str | None) -> list[str]:
    """Most specific first: 4-, 3-, 2-digit prefixes, then the 门类 letter."""
    if code is None:
        return []
    out = [] if len(code) == 1 else [code[:n] for n in (4, 3, 2) if len(code) >= n]
    section = tax.section_of(code)
    return out + ([section] if section else [])


def _first_in(candidates: list[str], allowed: Collection[str]) -> str | None:
    return next((c for c in candidates if c in allowed), None)


def _first_keyword(keywords: tuple[str, ...], scope_folded: str) -> str | None:
    return next((k for k in keywords if k.translate(_FOLD) in scope_folded), None)


def classify_one(industry_code: str | None, business_scope: str | None, *, taxonomy: Taxonomy) -> Classification:
    """Classify one firm from its GB/T 4754 code and its registered business scope (经营范围)."""
    tax = taxonomy
    code = _normalise_code(industry_code)
    ancestors = _ancestors(tax, code)
    scope = (business_scope or "").translate(_FOLD)

    sub = basis = None
    approximate = False
    key = _first_in(ancestors, tax.de_map.keys())
    if key is not None:
        sub, approximate = tax.de_map[key].de_subcategory, tax.de_map[key].approximate
        basis = f"GB/T 4754 {code}" + ("" if key == code else f" (under {key})") + _map_suffix(tax, key)
    else:
        for rule in tax.efficiency_rules:
            anc = _first_in(ancestors, rule.gbt4754)
            kw = _first_keyword(rule.keywords, scope) if anc else None
            if anc and kw:
                sub, approximate = rule.de_subcategory, True
                basis = f"{_kw_text(kw)} + {_label(anc)} → {_de_target(tax, sub)}"
                break
    category = sub[:2] if sub else None

    cluster_basis: dict[str, str] = {}
    for cl in tax.clusters:
        anc = _first_in(ancestors, cl.gbt4754)
        kw = _first_keyword(cl.keywords, scope)
        if anc is not None:
            cluster_basis[cl.id] = f"GB/T 4754 {code}" + ("" if anc == code else f" in {_label(anc)}")
        elif sub is not None and sub in cl.digital_economy:
            cluster_basis[cl.id] = _de_rule_text(tax, sub)
        elif category is not None and category in cl.digital_economy:
            cluster_basis[cl.id] = _de_rule_text(tax, category)
        elif kw is not None:
            cluster_basis[cl.id] = _kw_text(kw)
    return Classification(category, sub, basis, approximate, tuple(cluster_basis), cluster_basis)


# --- vectorised implementation -----------------------------------------------------------------------
# Strings are built per distinct raw code (a small table joined back) or taken from small lookup
# dictionaries; per row there are only integer operations, gathers and two final concatenations.
# Keywords: one Aho-Corasick pass (extract_many) finds every keyword occurrence; each hit becomes a set of
# bits "rank r of rule o" packed into UInt64 columns, OR-ed per row; the lowest set bit of a rule's bit
# range is the rank of its first keyword (in list order) present in the scope.

_ADDED = ["de_category", "de_subcategory", "de_basis", "de_approximate", "clusters", "cluster_basis"]
_MAX_KW = 64  # keywords per rule (one UInt64 word)


def _entry(cluster_id: str, basis: str) -> str:
    """One ``"id": "basis"`` member of the cluster_basis JSON object, as json.dumps writes it."""
    return f"{json.dumps(cluster_id)}: {json.dumps(basis, ensure_ascii=False)}"


def _first_ancestor(levels: list[pl.Expr], allowed: tuple[str, ...]) -> pl.Expr:
    return pl.coalesce([pl.when(a.is_in(list(allowed))).then(a) for a in levels])


def _label_expr(anc: pl.Expr) -> pl.Expr:
    return (pl.when(anc.str.len_chars() == 1).then(pl.concat_str([pl.lit("section "), anc]))
            .otherwise(pl.concat_str([pl.lit("class "), anc])))


def _exprs(items: list[pl.Expr]) -> list[pl.Expr]:
    """Typed as expressions (polars types ``when().then()`` as a narrower class)."""
    return items


def _lookup(expr: pl.Expr, mapping: dict[Any, Any], dtype: PolarsDataType = pl.String) -> pl.Expr:
    return expr.replace_strict(mapping, default=None, return_dtype=dtype) if mapping else pl.lit(None, dtype)


def _code_table(tax: Taxonomy, raw_codes: pl.DataFrame) -> pl.DataFrame:
    """Per distinct raw code: mapping result, 05-rule basis suffixes and cluster code-basis JSON members."""
    raw = pl.col("__ot_raw").str.strip_chars(_STRIP)
    t = raw_codes.with_columns(__ot_code=pl.when(raw.str.contains(_CODE_RE)).then(raw.str.to_uppercase()))
    code = pl.col("__ot_code")
    n, letter = code.str.len_chars(), code.str.len_chars() == 1
    sections = [c for c, ind in tax.industries.items() if ind.level == 1]
    div_section = {c: ind.section for c, ind in tax.industries.items() if ind.level == 2}
    a2 = pl.when(~letter).then(code.str.slice(0, 2))
    t = t.with_columns(
        __ot_a4=pl.when(n == 4).then(code),
        __ot_a3=pl.when(n >= 3).then(code.str.slice(0, 3)),
        __ot_a2=a2,
        __ot_sec=pl.when(letter & code.is_in(sections)).then(code).otherwise(_lookup(a2, div_section)),
    )
    levels = [pl.col(c) for c in ("__ot_a4", "__ot_a3", "__ot_a2", "__ot_sec")]
    key = _first_ancestor(levels, tuple(tax.de_map))
    rows = tax.de_map.items()
    columns = {
        "__ot_msub": _lookup(key, {k: r.de_subcategory for k, r in rows}),
        "__ot_mapprox": _lookup(key, {k: r.approximate for k, r in rows}, pl.Boolean),
        "__ot_mbasis": pl.concat_str([
            pl.lit("GB/T 4754 "), code,
            pl.when(key != code).then(pl.concat_str([pl.lit(" (under "), key, pl.lit(")")])).otherwise(pl.lit("")),
            _lookup(key, {k: _map_suffix(tax, k) for k in tax.de_map}),
        ]),
    }
    for i, rule in enumerate(tax.efficiency_rules):
        columns[f"__ot_e{i}"] = pl.concat_str([
            pl.lit(" + "), _label_expr(_first_ancestor(levels, rule.gbt4754)),
            pl.lit(f" → {_de_target(tax, rule.de_subcategory)}")])
    for j, cl in enumerate(tax.clusters):
        anc = _first_ancestor(levels, cl.gbt4754)
        # the JSON member, escaped by hand: constant ASCII text and a [0-9A-Z] code need no escaping
        columns[f"__ot_c{j}"] = pl.when(anc.is_not_null()).then(pl.concat_str([
            pl.lit(f'{json.dumps(cl.id)}: "GB/T 4754 '), code,
            pl.when(anc != code).then(pl.concat_str([pl.lit(" in "), _label_expr(anc)])).otherwise(pl.lit("")),
            pl.lit('"'),
        ]))
    return t.with_columns(**columns).drop("__ot_a4", "__ot_a3", "__ot_a2", "__ot_sec")


def _keyword_bits(tax: Taxonomy) -> tuple[list[str], list[dict[int, int]], dict[str, tuple[int, int, int]]]:
    """Patterns (ASCII-folded), per UInt64 word the pattern index → bits, per owner (word, offset, n)."""
    owners = {**{f"e{i}": r.keywords for i, r in enumerate(tax.efficiency_rules)},
              **{f"c{j}": c.keywords for j, c in enumerate(tax.clusters)}}
    patterns = sorted({k.translate(_FOLD) for kws in owners.values() for k in kws})
    index = {p: i for i, p in enumerate(patterns)}
    words: list[dict[int, int]] = [{}]
    layout: dict[str, tuple[int, int, int]] = {}
    used = 0
    for owner, kws in owners.items():
        if len(kws) > _MAX_KW:
            raise ValueError(f"a rule has {len(kws)} keywords; at most {_MAX_KW} are supported")
        if used + len(kws) > 64:
            words.append({})
            used = 0
        layout[owner] = (len(words) - 1, used, len(kws))
        for rank, kw in enumerate(kws):
            i = index[kw.translate(_FOLD)]
            words[-1][i] = words[-1].get(i, 0) | (1 << (used + rank))
        used += len(kws)
    return patterns, words, layout


def classify_frame(df: pl.DataFrame, *, taxonomy: Taxonomy) -> pl.DataFrame:
    """Add de_category, de_subcategory, de_basis, de_approximate, clusters (ids joined by ';', '' when none)
    and cluster_basis (JSON object text) to a frame with String columns ``industry_code``, ``business_scope``."""
    tax = taxonomy
    for col in ("industry_code", "business_scope"):
        if col not in df.columns:
            raise ValueError(f"classify_frame needs a column {col!r}")
        if df.schema[col] not in (pl.String, pl.Null):  # integers would have lost leading zeros already
            raise TypeError(f"column {col!r} must be String, not {df.schema[col]}")

    patterns, words, layout = _keyword_bits(tax)
    if patterns:
        hits = pl.col("business_scope").cast(pl.String).fill_null("").str.extract_many(
            patterns, overlapping=True, ascii_case_insensitive=True).list.eval(
            pl.element().str.replace_many(list(_UPPER), list(_LOWER))  # matched text → folded pattern
            .replace_strict({p: i for i, p in enumerate(patterns)}, return_dtype=pl.UInt32))
        hits_col = pl.col("__ot_hits")  # materialised first so extract_many runs once
        bits = {f"__ot_w{w}": hits_col.list.eval(pl.element().replace_strict(m, default=0, return_dtype=pl.UInt64)
                                                 .bitwise_or()).list.first().fill_null(0) for w, m in enumerate(words)}
        # Row by row, so the streaming engine spreads it over every core (an eager select would use one).
        base = (df.lazy().select(__ot_raw=pl.col("industry_code").cast(pl.String), __ot_hits=hits)
                .select("__ot_raw", **bits).collect(engine="streaming"))
    else:
        base = df.select(__ot_raw=pl.col("industry_code").cast(pl.String), __ot_w0=pl.lit(0, pl.UInt64))
    # The result depends only on the raw code and the keyword bits, and a registry has far fewer such combinations
    # than firms: classify each combination once and join the results back onto the rows.
    keys = base.columns
    work = base.unique()
    work = work.join(_code_table(tax, work.select("__ot_raw").unique()), on="__ot_raw", how="left",
                     nulls_equal=True)

    def rank(owner: str) -> pl.Expr:
        """Position of the owner's first keyword present in the scope, null when none."""
        w, off, n = layout[owner]
        v = pl.col(f"__ot_w{w}") & pl.lit(((1 << n) - 1) << off, pl.UInt64)
        return pl.when(v != 0).then(v.bitwise_trailing_zeros().cast(pl.Int64) - off)

    # 1. mapping (in the code table)  2. category-05 keyword rules, the first rule that applies wins
    oks = [pl.col("__ot_msub").is_null() & pl.col(f"__ot_e{i}").is_not_null() & rank(f"e{i}").is_not_null()
           for i in range(len(tax.efficiency_rules))]
    rules = tax.efficiency_rules
    work = work.with_columns(
        __ot_rule=pl.coalesce(_exprs([pl.when(ok).then(pl.lit(i)) for i, ok in enumerate(oks)]) or [pl.lit(None, pl.Int32)]),
        __ot_rank=pl.coalesce(_exprs([pl.when(ok).then(rank(f"e{i}")) for i, ok in enumerate(oks)])
                              or [pl.lit(None, pl.Int64)]),
    )
    kw_texts = {i * _MAX_KW + r: _kw_text(kw) for i, rule in enumerate(rules) for r, kw in enumerate(rule.keywords)}
    basis05 = pl.concat_str([
        _lookup(pl.col("__ot_rule") * _MAX_KW + pl.col("__ot_rank"), kw_texts),
        pl.coalesce(_exprs([pl.when(pl.col("__ot_rule") == i).then(pl.col(f"__ot_e{i}")) for i in range(len(rules))])
                    or [pl.lit(None, pl.String)]),
    ])
    sub = pl.coalesce([pl.col("__ot_msub"), _lookup(pl.col("__ot_rule"), dict(enumerate(r.de_subcategory
                                                                                       for r in rules)))])
    work = work.with_columns(
        de_subcategory=sub,
        de_basis=pl.coalesce([pl.col("__ot_mbasis"), basis05]),
        de_approximate=pl.when(pl.col("__ot_msub").is_not_null()).then(pl.col("__ot_mapprox"))
        .otherwise(pl.col("__ot_rule").is_not_null()),
    ).with_columns(de_category=pl.col("de_subcategory").str.slice(0, 2))

    # 3. clusters: the JSON member for the first basis that applies (code, digital economy, keyword)
    sub, cat = pl.col("de_subcategory"), pl.col("de_category")
    members = {}
    for j, cl in enumerate(tax.clusters):
        de_texts = {c: _entry(cl.id, _de_rule_text(tax, c)) for c in cl.digital_economy}
        members[f"__ot_m{j}"] = pl.coalesce([
            pl.col(f"__ot_c{j}"),
            _lookup(sub, {c: t for c, t in de_texts.items() if len(c) == 4}),
            _lookup(cat, {c: t for c, t in de_texts.items() if len(c) == 2}),
            _lookup(rank(f"c{j}"), {r: _entry(cl.id, _kw_text(kw)) for r, kw in enumerate(cl.keywords)}),
        ])
    work = work.with_columns(**members) if members else work
    present = [(cl.id, pl.col(f"__ot_m{j}")) for j, cl in enumerate(tax.clusters)]
    empty = pl.lit("", dtype=pl.String)
    work = work.with_columns(
        clusters=pl.concat_str([pl.when(m.is_not_null()).then(pl.lit(i)) for i, m in present],
                               separator=";", ignore_nulls=True) if present else empty,
        cluster_basis=pl.concat_str([pl.lit("{"), pl.concat_str([m for _, m in present], separator=", ",
                                                                 ignore_nulls=True) if present else empty,
                                     pl.lit("}")]),
    )
    out = base.join(work.select(*keys, *_ADDED), on=keys, how="left", nulls_equal=True, maintain_order="left")
    return df.drop(_ADDED, strict=False).hstack(out.select(_ADDED))
