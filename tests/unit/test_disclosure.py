"""The disclosure rule: threshold, (n, k) dominance, rounding, ratios and secondary suppression."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from opentrade.domain.disclosure import (
    CellStats,
    DisclosureRule,
    Protected,
    Verdict,
    protect_money,
    protect_ratio,
    secondary_suppression,
    verdict,
)

RULE = DisclosureRule()


def test_threshold_and_dominance():
    assert verdict(RULE, CellStats.of([])) is Verdict.MISSING
    assert verdict(RULE, CellStats.of([5.0, 7.0])) is Verdict.TOO_FEW
    assert verdict(RULE, CellStats.of([100.0, 1.0, 1.0, 1.0])) is Verdict.DOMINATED  # one firm is 97 %
    assert verdict(RULE, CellStats.of([50.0, 40.0, 5.0, 5.0])) is Verdict.DOMINATED  # two firms are 90 %
    assert verdict(RULE, CellStats.of([40.0, 30.0, 20.0, 10.0])) is Verdict.PUBLISHED  # top two 70 %
    assert verdict(RULE, CellStats.of([1.0, None, 2.0, 3.0, float("nan")])) is Verdict.PUBLISHED


def test_money_is_rounded_to_the_currencys_step_or_withheld():
    cell = CellStats.of([12_345_678.0, 10_000_000.0, 9_000_000.0])
    shown = protect_money(RULE, cell, "CNY")
    assert shown.published and shown.value == 31_000_000.0 and shown.rounded_to == 1_000_000.0
    assert protect_money(RULE, CellStats.of([1.0, 2.0]), "USD") == Protected(None, Verdict.TOO_FEW)
    with pytest.raises(ValueError, match="EUR"):
        protect_money(RULE, cell, "EUR")


def test_a_ratio_needs_every_part_publishable():
    good = CellStats.of([3.0, 3.0, 3.0, 3.0])
    assert protect_ratio(RULE, 0.123456, [good, good]).value == 0.123
    assert protect_ratio(RULE, 0.5, [good, CellStats.of([9.0])]).verdict is Verdict.TOO_FEW
    assert protect_ratio(RULE, None, [good]).verdict is Verdict.MISSING


def test_secondary_suppression_hides_the_smallest_other_part():
    cells = {"a": Protected(None, Verdict.TOO_FEW), "b": Protected(5e6, Verdict.PUBLISHED, 1e6),
             "c": Protected(9e6, Verdict.PUBLISHED, 1e6)}
    out = secondary_suppression(cells, {"a": 1e6, "b": 5e6, "c": 9e6}, total_published=True)
    assert out["b"].verdict is Verdict.COMPLEMENTARY and out["b"].value is None
    assert out["c"].published
    assert secondary_suppression(cells, {}, total_published=False) == cells


def test_rule_checks_its_parameters():
    with pytest.raises(ValueError):
        DisclosureRule(min_contributors=0)
    with pytest.raises(ValueError):
        DisclosureRule(dominance_k=1.5)


@given(st.lists(st.floats(min_value=0, max_value=1e12), min_size=3, max_size=30),
       st.floats(min_value=0, max_value=1e12))
def test_one_more_firm_is_never_revealed_exactly(others, firm):
    """Differencing two published snapshots around one firm's figures tells it only to within the step."""
    before = protect_money(RULE, CellStats.of(others))
    after = protect_money(RULE, CellStats.of([*others, firm]))
    if before.published and after.published:
        assert before.value is not None and after.value is not None
        assert abs((after.value - before.value) - firm) <= RULE.step("CNY")
        assert after.value % RULE.step("CNY") == 0
