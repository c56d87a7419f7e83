"""The investment pipeline's stages and the rules for moving a project between them (pure: no database).

Stages, in order: lead → contacted → negotiating → signed → landed → operating; ``dropped`` is off the line.

Rules (:func:`check_transition` enforces them and returns what to record):

* **advance** one stage forward: always allowed; a reason is optional.
* **skip**: a forward move past one or more stages needs ``skip=True``; the skipped stages are recorded.
* **back**: moving to an earlier stage is a reopening: it needs ``reopen=True`` and a reason — never silent.
* **drop**: any open stage (lead … landed) may move to ``dropped``, with a reason (kept as the dropped reason).
* **from dropped**: only a reopening (``reopen=True`` and a reason) to the stage the project was dropped from or
  an earlier one. When that stage is not known (a project imported as dropped, without history), any stage
  before ``operating`` may be chosen, and the record says the stage dropped from was unknown.
* **from operating**: final, except a reopening to an earlier stage (with ``reopen=True`` and a reason).
* Staying on the same stage is not a move.
"""

from __future__ import annotations

from dataclasses import dataclass

from opentrade.domain.vocabulary import PIPELINE_LINE, PIPELINE_STAGES, SIGNED_OR_LATER, STAGE_ZH, Stage
from opentrade.errors import TransitionError

__all__ = ["DROPPED", "FINAL", "LINE", "OPEN", "SIGNED_OR_LATER", "STAGES", "STAGE_ZH", "Transition", "TransitionError",
           "check_transition"]

LINE: tuple[str, ...] = PIPELINE_LINE
DROPPED: str = Stage.DROPPED.value
STAGES: tuple[str, ...] = PIPELINE_STAGES
FINAL: str = Stage.OPERATING.value
OPEN: tuple[str, ...] = LINE[:-1]  # stages a project can be dropped from


@dataclass(frozen=True)
class Transition:
    """An allowed move, and what to write: the history row's reason and the project's dropped reason."""

    from_stage: str
    to_stage: str
    kind: str  # advance | skip | back | drop | reopen
    reason: str | None  # as given by the user
    skipped: tuple[str, ...] = ()
    note: str | None = None  # e.g. "stage dropped from unknown"

    @property
    def record_reason(self) -> str | None:
        """The text of the history row: the rule's marker first, so a skip or reopening is visible later."""
        marker = {"skip": f"[skip: {', '.join(self.skipped)}]", "back": "[reopen]", "reopen": "[reopen]"}.get(self.kind)
        parts = [p for p in (marker, self.note and f"({self.note})", self.reason) if p]
        return " ".join(parts) or None

    @property
    def dropped_reason(self) -> str | None:
        """The project's dropped_reason after the move: set by a drop, cleared by any other move."""
        return self.reason if self.kind == "drop" else None


def _index(stage: str) -> int:
    return LINE.index(stage)


def check_transition(
    project: str | int,
    from_stage: str | None,
    to_stage: str,
    *,
    reason: str | None = None,
    skip: bool = False,
    reopen: bool = False,
    dropped_from: str | None = None,
) -> Transition:
    """Validate moving ``project`` (an id or title, for the message) from ``from_stage`` to ``to_stage``.

    ``dropped_from``: when ``from_stage`` is dropped, the stage it was dropped from (from the history), if known.
    Raises :class:`TransitionError` naming the project, both stages and the rule broken.
    """
    name = str(project)
    reason = (reason or "").strip() or None

    def fail(rule: str) -> TransitionError:
        return TransitionError(name, from_stage, to_stage, rule)

    if to_stage not in STAGES:
        raise fail(f"unknown stage {to_stage!r}; stages are {', '.join(STAGES)}")
    if from_stage not in STAGES:
        raise fail(f"the project's current stage {from_stage!r} is not a pipeline stage")
    if from_stage == to_stage:
        raise fail("the project is already at this stage (nothing to record)")

    if from_stage == DROPPED:
        if not reopen:
            raise fail("a dropped project can only be reopened (reopen=True, with a reason)")
        if not reason:
            raise fail("reopening a dropped project needs a reason")
        if dropped_from in LINE:
            if _index(to_stage) > _index(dropped_from):
                raise fail(f"a dropped project reopens at the stage it was dropped from ({dropped_from}) or earlier")
            return Transition(from_stage, to_stage, "reopen", reason)
        if to_stage == FINAL:
            raise fail("the stage it was dropped from is unknown: reopen at a stage before operating")
        return Transition(from_stage, to_stage, "reopen", reason, note="stage dropped from unknown")

    if to_stage == DROPPED:
        if from_stage == FINAL:
            raise fail("operating is final: only a reopening to an earlier stage is allowed")
        if not reason:
            raise fail("dropping a project needs a reason")
        if skip or reopen:
            raise fail("skip and reopen do not apply to dropping a project")
        return Transition(from_stage, to_stage, "drop", reason)

    step = _index(to_stage) - _index(from_stage)
    if step < 0:
        if not reopen:
            rule = ("operating is final: only a reopening to an earlier stage is allowed (reopen=True, with a reason)"
                    if from_stage == FINAL else "moving back needs reopen=True and a reason (never silently)")
            raise fail(rule)
        if not reason:
            raise fail("moving back (reopen) needs a reason")
        return Transition(from_stage, to_stage, "back", reason)
    if reopen:
        raise fail("reopen applies only to moving back or out of dropped; this is a forward move")
    if step == 1:
        return Transition(from_stage, to_stage, "advance", reason)
    skipped = LINE[_index(from_stage) + 1:_index(to_stage)]
    if not skip:
        raise fail(f"a forward move past {', '.join(skipped)} needs skip=True (the skipped stages are recorded)")
    return Transition(from_stage, to_stage, "skip", reason, skipped=skipped)


def reached_stages(current: str | None, history: list[tuple[str | None, str]]) -> set[str]:
    """Every stage a project has been at: its current stage and both ends of each history row."""
    seen = {s for pair in history for s in pair if s}
    if current:
        seen.add(current)
    return seen


def left_lead(reached: set[str]) -> bool:
    """True when the project has been beyond lead on the line (contacted or later; dropped alone does not count)."""
    return bool(reached & set(LINE[1:]))


def converted(reached: set[str]) -> bool:
    """True when the project has reached signed or later."""
    return bool(reached & set(SIGNED_OR_LATER))
