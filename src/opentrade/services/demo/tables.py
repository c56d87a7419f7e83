"""The demo generator's tables, read from ``data/demo/tables.yaml``: industry profiles and the synthetic names and
places (name characters, roads, investor origins, heritage uses, space names, project kinds). Data, not code: an
office building its own demo changes the file."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

import yaml

TABLES_FILE = "tables.yaml"


@dataclass(frozen=True)
class Profile:
    """A kind of firm: GB/T 4754 class, words for its name, business scope and optional cluster phrases."""

    code: str
    words: tuple[str, ...]
    scope: str
    extras: tuple[str, ...] = ()  # scope phrases carrying 1+2+3+4 cluster keywords
    weight: float = 1.0  # relative frequency within its group (digital / other)
    foreign: float = 1.0  # relative propensity to be foreign-funded
    mnc: float = 0.0  # relative propensity of a foreign firm to be an MNC regional HQ / R&D centre


@dataclass(frozen=True)
class Tables:
    profiles: tuple[Profile, ...]
    name_chars: str
    roads: tuple[str, ...]
    riverside_roads: tuple[str, ...]
    foreign_origins: tuple[tuple[str, int], ...]
    hmt_origins: tuple[tuple[str, int], ...]
    heritage_uses: dict[str, tuple[bool, int]]  # original use → (industrial relic?, weight)
    space_prefixes: tuple[str, ...]
    space_suffixes: tuple[str, ...]
    project_kinds: tuple[str, ...]


def _pairs(rows: list[list[Any]]) -> tuple[tuple[str, int], ...]:
    return tuple((str(code), weight) for code, weight in rows)


@cache
def load_tables() -> Tables:
    text = resources.files("opentrade").joinpath("data", "demo", TABLES_FILE).read_text(encoding="utf-8")
    doc = yaml.safe_load(text)
    profiles = tuple(Profile(str(p["code"]), tuple(p["words"]), p["scope"], tuple(p.get("extras") or ()),
                             p.get("weight", 1.0), p.get("foreign", 1.0), p.get("mnc", 0.0)) for p in doc["profiles"])
    return Tables(
        profiles=profiles, name_chars=doc["name_chars"], roads=tuple(doc["roads"]),
        riverside_roads=tuple(doc["riverside_roads"]), foreign_origins=_pairs(doc["foreign_origins"]),
        hmt_origins=_pairs(doc["hmt_origins"]),
        heritage_uses={use: (bool(relic), weight) for use, relic, weight in doc["heritage_uses"]},
        space_prefixes=tuple(doc["space_prefixes"]), space_suffixes=tuple(doc["space_suffixes"]),
        project_kinds=tuple(doc["project_kinds"]),
    )
