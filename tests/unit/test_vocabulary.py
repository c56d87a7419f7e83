"""The domain's words are defined once, in opentrade.domain.vocabulary: no other module of src/ spells out a list of
them (a tuple, list or set literal, or a ``Literal[...]``), so a changed definition cannot be missed somewhere.
The migrations are exempt: they are history and must not change with the vocabulary."""

from __future__ import annotations

import ast
from enum import StrEnum
from pathlib import Path

import pytest

from opentrade.domain import vocabulary as v

SRC = Path(__file__).resolve().parents[2] / "src" / "opentrade"
EXEMPT = {SRC / "domain" / "vocabulary.py"}
EXEMPT_DIRS = {SRC / "store" / "migrations"}

#: a named word list, and how many of its words one literal may hold before it counts as a second definition
WORD_LISTS: dict[str, tuple[frozenset[str], int]] = {
    "ownership classes / foreign-funded": (frozenset({"foreign", "hmt"}), 2),
    "digital-economy categories": (frozenset(c.value for c in v.DigitalCategory), 2),
    "pipeline stages": (frozenset(s.value for s in v.Stage), 3),
    "enterprise statuses": (frozenset(s.value for s in v.EnterpriseStatus), 2),
    "partner kinds": (frozenset(k.value for k in v.PartnerKind), 2),
    "protection levels": (frozenset({"national", "municipal"}), 2),
    "restoration statuses": (frozenset(s.value for s in v.Restoration), 2),
    "roles": (frozenset(r.value for r in v.Role), 3),
    "scopes": (frozenset(s.value for s in v.Scope), 3),
}


def _sources() -> list[Path]:
    return [p for p in sorted(SRC.rglob("*.py"))
            if p not in EXEMPT and not any(d in p.parents for d in EXEMPT_DIRS)]


def _literal_groups(tree: ast.AST) -> list[tuple[int, set[str]]]:
    """Every tuple/list/set literal and every ``Literal[...]`` subscript, as the set of its string constants."""
    out = []
    for node in ast.walk(tree):
        elements = None
        if isinstance(node, ast.Tuple | ast.List | ast.Set):
            elements = node.elts
        elif isinstance(node, ast.Subscript) and getattr(node.value, "id", getattr(node.value, "attr", "")) == "Literal":
            elements = node.slice.elts if isinstance(node.slice, ast.Tuple) else [node.slice]
        if elements is not None:
            words = {e.value for e in elements if isinstance(e, ast.Constant) and isinstance(e.value, str)}
            if words:
                out.append((node.lineno, words))
    return out


def test_domain_word_lists_are_defined_only_in_the_vocabulary() -> None:
    found = []
    for path in _sources():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for line, words in _literal_groups(tree):
            for name, (vocabulary, most) in WORD_LISTS.items():
                if len(words & vocabulary) >= most:
                    found.append(f"{path.relative_to(SRC)}:{line}: {name} {sorted(words & vocabulary)}")
    assert not found, "use opentrade.domain.vocabulary instead of spelling these out:\n" + "\n".join(found)


def test_the_checker_finds_a_second_definition() -> None:
    """The test above can fail: a module that spells out foreign-funded or the core categories is caught."""
    tree = ast.parse('FF = ("foreign", "hmt")\nCORE: Literal["01", "02", "03", "04"]\nX = ["lead", "contacted", "signed"]')
    groups = [words for _line, words in _literal_groups(tree)]
    assert {"foreign", "hmt"} in groups and {"01", "02", "03", "04"} in groups
    assert {"lead", "contacted", "signed"} in groups


def test_named_sets_are_made_of_members() -> None:
    assert v.FOREIGN_FUNDED == ("foreign", "hmt")
    assert set(v.FOREIGN_FUNDED) < set(v.values(v.Ownership))
    assert v.CORE_DIGITAL == ("01", "02", "03", "04") and "05" not in v.CORE_DIGITAL
    assert v.PIPELINE_STAGES[-1] == "dropped" and v.PIPELINE_LINE == v.PIPELINE_STAGES[:-1]
    assert set(v.SIGNED_OR_LATER) < set(v.PIPELINE_LINE) and set(v.CLOSED_STAGES) < set(v.PIPELINE_STAGES)
    assert set(v.STAGE_ZH) == set(v.PIPELINE_STAGES)
    for named in (v.FOREIGN_FUNDED, v.CORE_DIGITAL, v.PIPELINE_STAGES, v.PROTECTED_LANDMARK_LEVELS):
        assert all(type(x) is str for x in named)  # plain strings: safe as SQL parameters on every driver


@pytest.mark.parametrize("enum", [v.Ownership, v.DigitalCategory, v.Stage, v.EnterpriseStatus, v.PartnerKind,
                                  v.Protection, v.Restoration, v.SpaceKind, v.Role, v.Scope])
def test_members_are_their_strings(enum: type[StrEnum]) -> None:
    for member in enum:
        assert member == member.value and hash(member) == hash(member.value) and f"{member}" == member.value
