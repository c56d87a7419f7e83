"""The pipeline's transition rules: every allowed and forbidden class of move, and what each records."""

from __future__ import annotations

import pytest

from opentrade.domain.pipeline import (
    LINE,
    STAGES,
    TransitionError,
    check_transition,
    converted,
    left_lead,
    reached_stages,
)
from opentrade.errors import http_status_of

ADJACENT = list(zip(LINE, LINE[1:], strict=False))
BACKWARD = [(a, b) for i, a in enumerate(LINE) for b in LINE[:i]]
SKIPS = [(a, b) for i, a in enumerate(LINE) for b in LINE[i + 2:]]


@pytest.mark.parametrize(("a", "b"), ADJACENT)
def test_one_step_forward_is_allowed_without_flags_or_reason(a: str, b: str) -> None:
    move = check_transition(7, a, b)
    assert (move.kind, move.from_stage, move.to_stage, move.skipped) == ("advance", a, b, ())
    assert move.record_reason is None and move.dropped_reason is None


@pytest.mark.parametrize(("a", "b"), SKIPS)
def test_skipping_stages_needs_skip_and_records_the_skipped(a: str, b: str) -> None:
    with pytest.raises(TransitionError, match="skip=True") as err:
        check_transition(7, a, b)
    assert err.value.from_stage == a and err.value.to_stage == b
    move = check_transition(7, a, b, skip=True, reason="fast deal")
    assert move.kind == "skip"
    assert move.skipped == LINE[LINE.index(a) + 1:LINE.index(b)]
    assert move.record_reason == f"[skip: {', '.join(move.skipped)}] fast deal"


@pytest.mark.parametrize(("a", "b"), BACKWARD)
def test_no_silent_move_back(a: str, b: str) -> None:
    with pytest.raises(TransitionError, match="reopen"):
        check_transition(7, a, b)  # not even with a reason
    with pytest.raises(TransitionError, match="reopen"):
        check_transition(7, a, b, reason="changed our mind")
    with pytest.raises(TransitionError, match="reason"):
        check_transition(7, a, b, reopen=True)
    with pytest.raises(TransitionError, match="reason"):
        check_transition(7, a, b, reopen=True, reason="   ")
    move = check_transition(7, a, b, reopen=True, reason="talks resumed")
    assert move.kind == "back" and move.record_reason == "[reopen] talks resumed"


@pytest.mark.parametrize("a", LINE[:-1])
def test_any_open_stage_can_be_dropped_with_a_reason(a: str) -> None:
    with pytest.raises(TransitionError, match="needs a reason"):
        check_transition(7, a, "dropped")
    move = check_transition(7, a, "dropped", reason="chose another city")
    assert move.kind == "drop" and move.dropped_reason == "chose another city"
    with pytest.raises(TransitionError, match="do not apply"):
        check_transition(7, a, "dropped", reason="x", skip=True)


def test_operating_is_final_except_reopen() -> None:
    with pytest.raises(TransitionError, match="operating is final"):
        check_transition(7, "operating", "dropped", reason="closed down")
    with pytest.raises(TransitionError, match="operating is final"):
        check_transition(7, "operating", "landed")
    assert check_transition(7, "operating", "landed", reopen=True, reason="licence withdrawn").kind == "back"


@pytest.mark.parametrize("to", LINE)
def test_from_dropped_only_reopen_with_a_reason(to: str) -> None:
    with pytest.raises(TransitionError, match="only be reopened"):
        check_transition(7, "dropped", to, dropped_from="landed")
    with pytest.raises(TransitionError, match="reason"):
        check_transition(7, "dropped", to, reopen=True, dropped_from="landed")


@pytest.mark.parametrize("to", LINE)
def test_reopen_from_dropped_at_most_where_it_was_dropped(to: str) -> None:
    if LINE.index(to) <= LINE.index("negotiating"):
        move = check_transition(7, "dropped", to, reopen=True, reason="back on", dropped_from="negotiating")
        assert move.kind == "reopen" and move.dropped_reason is None  # the dropped reason is cleared
    else:
        with pytest.raises(TransitionError, match=r"dropped from \(negotiating\) or earlier"):
            check_transition(7, "dropped", to, reopen=True, reason="back on", dropped_from="negotiating")


def test_reopen_from_dropped_with_unknown_origin_says_so() -> None:
    move = check_transition(7, "dropped", "landed", reopen=True, reason="back on")
    assert "stage dropped from unknown" in (move.record_reason or "")
    with pytest.raises(TransitionError, match="before operating"):
        check_transition(7, "dropped", "operating", reopen=True, reason="back on")


def test_reopen_flag_on_a_forward_move_is_refused() -> None:
    with pytest.raises(TransitionError, match="forward move"):
        check_transition(7, "lead", "contacted", reopen=True, reason="x")


@pytest.mark.parametrize("stage", STAGES)
def test_staying_put_is_not_a_move(stage: str) -> None:
    with pytest.raises(TransitionError, match="already at this stage"):
        check_transition(7, stage, stage, reason="x", reopen=True, skip=True)


def test_unknown_stages_and_the_error_message() -> None:
    with pytest.raises(TransitionError, match="unknown stage 'won'"):
        check_transition(7, "lead", "won")
    with pytest.raises(TransitionError, match="current stage 'limbo'"):
        check_transition(7, "limbo", "lead")
    with pytest.raises(TransitionError) as err:  # bad input: HTTP 400, exit code 2 (opentrade.errors.ERROR_TABLE)
        check_transition("12 (Henkel lab)", "negotiating", "lead")
    assert str(err.value).startswith("project 12 (Henkel lab): cannot move negotiating → lead: moving back")
    assert err.value.exit_code == 2
    assert http_status_of(err.value) == 400 and err.value.code == "transition"


def test_conversion_helpers() -> None:
    assert reached_stages("dropped", [(None, "lead"), ("lead", "contacted"), ("contacted", "dropped")]) == {
        "lead", "contacted", "dropped"}
    assert left_lead({"lead", "contacted", "dropped"}) and not converted({"lead", "contacted", "dropped"})
    assert not left_lead({"dropped"}) and not left_lead({"lead"})
    assert converted({"landed"}) and left_lead({"landed"})
