"""USCC (GB 32100-2015): valid codes pass; every single-character change of a valid code fails."""

from __future__ import annotations

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st
from stdnum.cn import uscc as stdnum_uscc

from opentrade.ingest.values import USCC

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
ANY_CHAR = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def errors(codes: list[str]) -> list[str | None]:
    value, error = USCC().parse(pl.col("c"))
    return pl.DataFrame({"c": codes}).select(error).to_series().to_list()


valid_codes = st.tuples(st.text("0123456789", min_size=8, max_size=8), st.text(ALPHABET, min_size=9, max_size=9)).map(
    lambda p: p[0] + p[1] + stdnum_uscc.calc_check_digit(p[0] + p[1])
)


@settings(max_examples=200, deadline=None)
@given(valid_codes)
def test_valid_codes_pass(code: str) -> None:
    assert errors([code, code.lower(), f" {code[:6]}-{code[6:]} "]) == [None, None, None]


@settings(max_examples=60, deadline=None)
@given(valid_codes)
def test_every_single_character_change_fails(code: str) -> None:
    mutants = [code[:i] + ch + code[i + 1 :] for i in range(18) for ch in ANY_CHAR if ch != code[i]]
    result = errors(mutants)
    passed = [m for m, e in zip(mutants, result, strict=True) if e is None]
    assert passed == []


def test_messages_distinguish_shape_from_check() -> None:
    good = "91310000MA1FL8TQ23"
    shape, check = errors(["91310000MA1FL8TQ2", good[:-1] + "4"])
    assert shape is not None and "18 characters" in shape
    assert check is not None and "check character" in check


@settings(max_examples=300, deadline=None)
@given(st.lists(st.text("0123456789ABCDEFGHJKLMNPQRTUWXYZIOSV", min_size=18, max_size=18), min_size=1, max_size=50),
       st.data())
def test_vectorised_check_agrees_with_python_stdnum(codes: list[str], data: st.DataObject) -> None:
    # Half the codes get a correct check character, so both verdicts are exercised.
    fixed = [
        c[:17] + stdnum_uscc.calc_check_digit(c[:17]) if data.draw(st.booleans()) and c[:8].isdigit()
        and all(ch in ALPHABET for ch in c[8:17]) else c
        for c in codes
    ]
    assert [e is None for e in errors(fixed)] == [stdnum_uscc.is_valid(c) for c in fixed]
