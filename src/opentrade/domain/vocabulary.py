"""The domain's words, defined once: ownership classes, "foreign-funded", the NBS digital-economy categories and
their core, the pipeline's stages, and the statuses and kinds of the registry's records.

Every module that uses one of these words imports it from here; ``tests/unit/test_vocabulary.py`` fails if a
literal list of them turns up anywhere else in ``src/`` (the migrations excepted: they are history). The values are
what the database stores and what the API and the files speak; the enums are ``StrEnum``, so a member *is* its
string (``Ownership.HMT == "hmt"``).

Value vocabularies that offices extend (spellings of countries, company types, units) are data, not code: they
live with the import specs and the reference tables.
"""

from __future__ import annotations

from enum import StrEnum


class Ownership(StrEnum):
    """A firm's registered ownership class."""

    DOMESTIC = "domestic"
    FOREIGN = "foreign"  # foreign-invested (外商投资)
    HMT = "hmt"  # Hong Kong, Macao or Taiwan-invested (港澳台商投资)


#: "foreign-funded" (外资) as the district counts it: foreign-invested plus HK/Macao/Taiwan-invested
FOREIGN_FUNDED: tuple[str, ...] = (Ownership.FOREIGN.value, Ownership.HMT.value)
#: the filter value that stands for :data:`FOREIGN_FUNDED` in lists and the API
FOREIGN_FUNDED_FILTER = "foreign_funded"


class DigitalCategory(StrEnum):
    """The five categories of the NBS classification of the digital economy and its core industries (2021)."""

    PRODUCT_MANUFACTURING = "01"
    PRODUCT_SERVICES = "02"
    TECHNOLOGY_APPLICATION = "03"
    FACTOR_DRIVEN = "04"
    EFFICIENCY_IMPROVEMENT = "05"


#: the digital-economy *core* industries: categories 01-04 (05 is the digitalisation of other industries)
CORE_DIGITAL: tuple[str, ...] = tuple(c.value for c in DigitalCategory if c != DigitalCategory.EFFICIENCY_IMPROVEMENT)
#: the filter value that stands for :data:`CORE_DIGITAL`
CORE_DIGITAL_FILTER = "core"


class Stage(StrEnum):
    """An investment project's stage; the line runs lead → operating, ``dropped`` is off it."""

    LEAD = "lead"
    CONTACTED = "contacted"
    NEGOTIATING = "negotiating"
    SIGNED = "signed"
    LANDED = "landed"
    OPERATING = "operating"
    DROPPED = "dropped"


#: the stages in order along the line (without dropped)
PIPELINE_LINE: tuple[str, ...] = tuple(s.value for s in Stage if s != Stage.DROPPED)
#: every stage, the line first
PIPELINE_STAGES: tuple[str, ...] = (*PIPELINE_LINE, Stage.DROPPED.value)
#: stages from which a project counts as converted
SIGNED_OR_LATER: tuple[str, ...] = (Stage.SIGNED.value, Stage.LANDED.value, Stage.OPERATING.value)
#: stages without a pending next action
CLOSED_STAGES: tuple[str, ...] = (Stage.OPERATING.value, Stage.DROPPED.value)
STAGE_ZH: dict[str, str] = {Stage.LEAD: "线索", Stage.CONTACTED: "已接洽", Stage.NEGOTIATING: "洽谈",
                              Stage.SIGNED: "签约", Stage.LANDED: "落地", Stage.OPERATING: "运营",
                              Stage.DROPPED: "终止"}


class EnterpriseStatus(StrEnum):
    ACTIVE = "active"
    CLOSED = "closed"
    MOVED_OUT = "moved_out"


class PartnerKind(StrEnum):
    """What a partner is; also the kind of channel it gives into its markets."""

    FRIENDLY_CITY = "friendly_city"
    ORGANISATION = "organisation"
    PLATFORM = "platform"


class Protection(StrEnum):
    """A heritage site's protection level."""

    NATIONAL = "national"
    MUNICIPAL = "municipal"
    DISTRICT = "district"
    REGISTERED = "registered"


#: the levels the "protected landmarks" figure counts
PROTECTED_LANDMARK_LEVELS: tuple[str, ...] = (Protection.NATIONAL.value, Protection.MUNICIPAL.value)


class Restoration(StrEnum):
    """A heritage site's restoration status."""

    UNRESTORED = "unrestored"
    RESTORING = "restoring"
    RESTORED = "restored"


class SpaceKind(StrEnum):
    BUILDING = "building"
    PARK = "park"


class Role(StrEnum):
    VIEWER = "viewer"
    ANALYST = "analyst"
    ADMIN = "admin"


class Scope(StrEnum):
    READ = "read"
    IMPORT = "import"
    EDIT = "edit"
    ADMIN = "admin"


def values(enum: type[StrEnum]) -> tuple[str, ...]:
    """The plain strings of an enum, in order (for messages, SQL ``IN`` lists and choices)."""
    return tuple(str(member) for member in enum)
