"""SQLAlchemy 2 models of the district registry.

Natural keys (used by idempotent imports) are declared as unique constraints; every table that a demo can fill
has a ``synthetic`` flag so figures resting on generated records can say so.
"""

from __future__ import annotations

import datetime as dt
from typing import cast

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


def table_of(model: type[Base]) -> Table:
    """A model's table, typed as the Core ``Table`` it is (for insert/update statements)."""
    return cast(Table, model.__table__)


class Enterprise(Base):
    __tablename__ = "enterprise"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    uscc: Mapped[str] = mapped_column(String(18), unique=True, comment="Unified social credit code (GB 32100-2015)")
    name_zh: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str | None] = mapped_column(String(200))
    ownership: Mapped[str] = mapped_column(String(16), comment="domestic | foreign | hmt (HK/Macao/Taiwan-invested)")
    origin_country: Mapped[str | None] = mapped_column(String(3), comment="ISO 3166-1 alpha-3 of the investor")
    industry_code: Mapped[str | None] = mapped_column(String(4), comment="GB/T 4754-2017 class")
    business_scope: Mapped[str | None] = mapped_column(Text)
    established_on: Mapped[dt.date | None] = mapped_column(Date)
    address: Mapped[str | None] = mapped_column(Text)
    lat: Mapped[float | None] = mapped_column(Float, comment="WGS-84")
    lon: Mapped[float | None] = mapped_column(Float, comment="WGS-84")
    mnc_regional_hq: Mapped[bool] = mapped_column(Boolean, default=False)
    rd_centre: Mapped[bool] = mapped_column(Boolean, default=False, comment="foreign-invested R&D centre")
    parent_group: Mapped[str | None] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(16), default="active", comment="active | closed | moved_out")
    synthetic: Mapped[bool] = mapped_column(Boolean, default=False)
    # Classification results, with the rule that matched (see opentrade.domain.classify).
    de_category: Mapped[str | None] = mapped_column(String(2), comment="NBS digital economy 2021: 01-05")
    de_subcategory: Mapped[str | None] = mapped_column(String(4))
    de_basis: Mapped[str | None] = mapped_column(Text)
    de_approximate: Mapped[bool] = mapped_column(Boolean, default=False)
    clusters: Mapped[str] = mapped_column(Text, default="", comment="1+2+3+4 cluster ids joined by ';'")
    cluster_basis: Mapped[str] = mapped_column(Text, default="{}", comment="JSON: cluster id -> rule")
    source: Mapped[str | None] = mapped_column(String(300), comment="file (or demo) the record came from")

    years: Mapped[list[EnterpriseYear]] = relationship(back_populates="enterprise", cascade="all, delete-orphan")

    __table_args__ = (
        # A narrow copy of the columns the headline figures filter on, keyed by id: KPI scans and joins read this
        # instead of the wide rows (business scope, addresses); appended to in id order, so cheap on import.
        Index("ix_enterprise_kpi", "id", "ownership", "de_category", "status", "established_on", "mnc_regional_hq",
              "rd_centre", "synthetic"),
    )



class EnterpriseYear(Base):
    """Yearly figures. Keyed (year, enterprise): on SQLite a WITHOUT ROWID table clustered by year, so a year's
    totals read one contiguous range and a bulk import appends instead of maintaining a second index."""

    __tablename__ = "enterprise_year"

    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprise.id", ondelete="CASCADE"), primary_key=True)
    revenue: Mapped[float | None] = mapped_column(Float, comment="yuan")
    tax: Mapped[float | None] = mapped_column(Float, comment="yuan")
    employees: Mapped[int | None] = mapped_column(Integer)
    foreign_revenue: Mapped[float | None] = mapped_column(Float, comment="yuan earned abroad, when known")
    synthetic: Mapped[bool] = mapped_column(Boolean, default=False)
    source: Mapped[str | None] = mapped_column(String(300))

    enterprise: Mapped[Enterprise] = relationship(back_populates="years")

    __table_args__ = ({"sqlite_with_rowid": False},)


class InvestmentProject(Base):
    __tablename__ = "investment_project"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    enterprise_id: Mapped[int | None] = mapped_column(ForeignKey("enterprise.id", ondelete="SET NULL"))
    title: Mapped[str] = mapped_column(String(300))
    amount: Mapped[float | None] = mapped_column(Float, comment="in `currency`")
    currency: Mapped[str | None] = mapped_column(String(3), comment="ISO 4217")
    amount_usd: Mapped[float | None] = mapped_column(Float, comment="as reported, when the source gives it")
    announced_on: Mapped[dt.date | None] = mapped_column(Date)
    stage: Mapped[str] = mapped_column(String(16), default="lead",
                                       comment="lead | contacted | negotiating | signed | landed | operating | dropped")
    description: Mapped[str | None] = mapped_column(Text)
    investor_country: Mapped[str | None] = mapped_column(String(3), comment="ISO 3166-1 alpha-3")
    owner: Mapped[str | None] = mapped_column(String(100), comment="officer following the project")
    next_action: Mapped[str | None] = mapped_column(Text)
    next_action_on: Mapped[dt.date | None] = mapped_column(Date)
    stage_changed_on: Mapped[dt.date | None] = mapped_column(Date)
    dropped_reason: Mapped[str | None] = mapped_column(Text)
    row_version: Mapped[int] = mapped_column(Integer, default=1, server_default="1",
                                             comment="optimistic lock: an edit names the version it read")
    synthetic: Mapped[bool] = mapped_column(Boolean, default=False)
    source: Mapped[str | None] = mapped_column(String(300))

    enterprise: Mapped[Enterprise | None] = relationship()

    __table_args__ = (UniqueConstraint("title"),)


class Partner(Base):
    __tablename__ = "partner"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(20), comment="friendly_city | organisation | platform")
    name_en: Mapped[str] = mapped_column(String(200))
    name_zh: Mapped[str | None] = mapped_column(String(200))
    country: Mapped[str | None] = mapped_column(String(3), comment="ISO 3166-1 alpha-3")
    markets: Mapped[str] = mapped_column(Text, default="", comment="ISO alpha-3 codes it serves, joined by ';'")
    segments: Mapped[str] = mapped_column(Text, default="", server_default="",
                                          comment="service segment ids it serves, joined by ';' (empty: all)")
    contact_name: Mapped[str | None] = mapped_column(String(200))
    contact_email: Mapped[str | None] = mapped_column(String(200))
    agreement: Mapped[str | None] = mapped_column(Text, comment="agreement or MoU with the district")
    agreement_on: Mapped[dt.date | None] = mapped_column(Date)
    description: Mapped[str | None] = mapped_column(Text)
    synthetic: Mapped[bool] = mapped_column(Boolean, default=False)
    source: Mapped[str | None] = mapped_column(String(300))

    __table_args__ = (UniqueConstraint("kind", "name_en"),)


class Event(Base):
    __tablename__ = "event"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name_en: Mapped[str] = mapped_column(String(300))
    name_zh: Mapped[str | None] = mapped_column(String(300))
    kind: Mapped[str | None] = mapped_column(String(30), comment="media_dialogue | expo | forum | delegation …")
    starts_on: Mapped[dt.date | None] = mapped_column(Date)
    organisers: Mapped[str | None] = mapped_column(Text)
    partner_id: Mapped[int | None] = mapped_column(ForeignKey("partner.id", ondelete="SET NULL"))
    description: Mapped[str | None] = mapped_column(Text)
    synthetic: Mapped[bool] = mapped_column(Boolean, default=False)
    source: Mapped[str | None] = mapped_column(String(300))

    __table_args__ = (UniqueConstraint("name_en", "starts_on"),)


class University(Base):
    __tablename__ = "university"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name_en: Mapped[str] = mapped_column(String(200), unique=True)
    name_zh: Mapped[str | None] = mapped_column(String(200))
    students: Mapped[int | None] = mapped_column(Integer)
    international_students: Mapped[int | None] = mapped_column(Integer)
    synthetic: Mapped[bool] = mapped_column(Boolean, default=False)
    source: Mapped[str | None] = mapped_column(String(300))


class HeritageSite(Base):
    __tablename__ = "heritage_site"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name_zh: Mapped[str] = mapped_column(String(200), unique=True)
    name_en: Mapped[str | None] = mapped_column(String(200))
    protection_level: Mapped[str] = mapped_column(
        String(16), comment="national | municipal | district | registered (immovable, not yet ranked)"
    )
    industrial_relic: Mapped[bool] = mapped_column(Boolean, default=False)
    built_year: Mapped[int | None] = mapped_column(Integer)
    original_use: Mapped[str | None] = mapped_column(String(200))
    floor_area_m2: Mapped[float | None] = mapped_column(Float)
    restored_area_m2: Mapped[float | None] = mapped_column(Float)
    status: Mapped[str] = mapped_column(String(16), default="unrestored", comment="unrestored | restoring | restored")
    restoration_started_on: Mapped[dt.date | None] = mapped_column(Date)
    restored_on: Mapped[dt.date | None] = mapped_column(Date)
    current_use: Mapped[str | None] = mapped_column(String(200))
    lat: Mapped[float | None] = mapped_column(Float)
    lon: Mapped[float | None] = mapped_column(Float)
    synthetic: Mapped[bool] = mapped_column(Boolean, default=False)
    source: Mapped[str | None] = mapped_column(String(300))


class Space(Base):
    __tablename__ = "space"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(16), comment="building | park")
    area_m2: Mapped[float | None] = mapped_column(Float)
    vacant_m2: Mapped[float | None] = mapped_column(Float)
    heritage_site_id: Mapped[int | None] = mapped_column(ForeignKey("heritage_site.id", ondelete="SET NULL"))
    address: Mapped[str | None] = mapped_column(Text)
    suitable_clusters: Mapped[str] = mapped_column(Text, default="", server_default="",
                                                   comment="1+2+3+4 cluster ids joined by ';' (empty: any)")
    rent_cny_m2_day: Mapped[float | None] = mapped_column(Float, comment="asking rent, yuan per m² per day")
    synthetic: Mapped[bool] = mapped_column(Boolean, default=False)
    source: Mapped[str | None] = mapped_column(String(300))


class Tenancy(Base):
    """A firm occupying (part of) a space."""

    __tablename__ = "tenancy"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    space_id: Mapped[int] = mapped_column(ForeignKey("space.id", ondelete="CASCADE"))
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprise.id", ondelete="CASCADE"))
    area_m2: Mapped[float | None] = mapped_column(Float)
    starts_on: Mapped[dt.date] = mapped_column(Date)
    ends_on: Mapped[dt.date | None] = mapped_column(Date)
    synthetic: Mapped[bool] = mapped_column(Boolean, default=False)
    source: Mapped[str | None] = mapped_column(String(300))

    __table_args__ = (UniqueConstraint("space_id", "enterprise_id", "starts_on"),)


class ProjectStageChange(Base):
    """Every move of an investment project between stages: the pipeline's history (conversion is counted here)."""

    __tablename__ = "project_stage_change"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("investment_project.id", ondelete="CASCADE"), index=True)
    from_stage: Mapped[str | None] = mapped_column(String(16))
    to_stage: Mapped[str] = mapped_column(String(16))
    changed_on: Mapped[dt.date] = mapped_column(Date)
    reason: Mapped[str | None] = mapped_column(Text)
    actor: Mapped[str | None] = mapped_column(String(100))
    recorded_at: Mapped[dt.datetime] = mapped_column(DateTime, server_default=func.current_timestamp())


class ExchangeRate(Base):
    """Yuan per unit of a currency on a date (annual averages are dated 1 July of their year)."""

    __tablename__ = "exchange_rate"

    currency: Mapped[str] = mapped_column(String(3), primary_key=True)
    on_date: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    cny_per_unit: Mapped[float] = mapped_column(Float)
    source: Mapped[str] = mapped_column(Text)


class AftercareVisit(Base):
    """A visit to an existing foreign-invested firm: what was raised and what follows."""

    __tablename__ = "aftercare_visit"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprise.id", ondelete="CASCADE"), index=True)
    visited_on: Mapped[dt.date] = mapped_column(Date)
    officer: Mapped[str | None] = mapped_column(String(100))
    topics: Mapped[str | None] = mapped_column(Text)
    issues: Mapped[str | None] = mapped_column(Text)
    follow_up: Mapped[str | None] = mapped_column(Text)
    follow_up_on: Mapped[dt.date | None] = mapped_column(Date)
    synthetic: Mapped[bool] = mapped_column(Boolean, default=False)
    source: Mapped[str | None] = mapped_column(String(300))

    __table_args__ = (UniqueConstraint("enterprise_id", "visited_on"),)


class Enquiry(Base):
    """An investor's or firm's enquiry, and when it was answered (response time is a service KPI)."""

    __tablename__ = "enquiry"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    received_at: Mapped[dt.datetime] = mapped_column(DateTime)
    enquirer: Mapped[str] = mapped_column(String(200))
    channel: Mapped[str | None] = mapped_column(String(30), comment="email | phone | visit | web | event …")
    country: Mapped[str | None] = mapped_column(String(3))
    topic: Mapped[str | None] = mapped_column(Text)
    responded_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    officer: Mapped[str | None] = mapped_column(String(100))
    project_id: Mapped[int | None] = mapped_column(ForeignKey("investment_project.id", ondelete="SET NULL"))
    synthetic: Mapped[bool] = mapped_column(Boolean, default=False)
    source: Mapped[str | None] = mapped_column(String(300))

    __table_args__ = (UniqueConstraint("received_at", "enquirer"),)


class Buyer(Base):
    """A foreign buyer at an expo, with the service segments it wants."""

    __tablename__ = "buyer"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    organisation: Mapped[str | None] = mapped_column(String(200))
    country: Mapped[str | None] = mapped_column(String(3))
    segments: Mapped[str] = mapped_column(Text, default="", comment="segment ids it wants, joined by ';'")
    interests: Mapped[str | None] = mapped_column(Text, comment="free text: what it is looking for")
    event_id: Mapped[int | None] = mapped_column(ForeignKey("event.id", ondelete="SET NULL"))
    unavailable_slots: Mapped[str] = mapped_column(Text, default="", comment="slot numbers (1-based) joined by ';'")
    synthetic: Mapped[bool] = mapped_column(Boolean, default=False)
    source: Mapped[str | None] = mapped_column(String(300))


class Meeting(Base):
    """A scheduled firm–buyer meeting. The unique keys make double-booking impossible in the database itself."""

    __tablename__ = "meeting"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"))
    slot: Mapped[int] = mapped_column(Integer, comment="1-based")
    table_no: Mapped[int] = mapped_column(Integer)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprise.id", ondelete="CASCADE"))
    buyer_id: Mapped[int] = mapped_column(ForeignKey("buyer.id", ondelete="CASCADE"))
    score: Mapped[float] = mapped_column(Float)
    must_meet: Mapped[bool] = mapped_column(Boolean, default=False)

    __table_args__ = (
        UniqueConstraint("event_id", "slot", "enterprise_id"),
        UniqueConstraint("event_id", "slot", "buyer_id"),
        UniqueConstraint("event_id", "slot", "table_no"),
        UniqueConstraint("event_id", "enterprise_id", "buyer_id"),
    )


class RegistryRevision(Base):
    """One row whose counter every write transaction raises: caches of derived figures key on it, so a cached
    KPI or ranking is never older than the data (and every server process sees the same counter)."""

    __tablename__ = "registry_revision"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    value: Mapped[int] = mapped_column(Integer, default=0)
    changed_at: Mapped[dt.datetime | None] = mapped_column(DateTime)


class DistrictStatistic(Base):
    """A dated figure that cannot be derived from firm records (expats, planned construction …), with its source."""

    __tablename__ = "district_statistic"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(80))
    value: Mapped[float] = mapped_column(Float)
    unit: Mapped[str] = mapped_column(String(30))
    as_of: Mapped[dt.date] = mapped_column(Date)
    source: Mapped[str] = mapped_column(Text)
    qualifier: Mapped[str | None] = mapped_column(String(16), comment="e.g. 'more than' for '10,000+'")
    synthetic: Mapped[bool] = mapped_column(Boolean, default=False)

    __table_args__ = (UniqueConstraint("key", "as_of"),)


class ImportRun(Base):
    """One import of one file: what, from where, how many rows, and how it ended."""

    __tablename__ = "import_run"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(30))
    path: Mapped[str] = mapped_column(Text)
    sha256: Mapped[str] = mapped_column(String(64))
    rows: Mapped[int] = mapped_column(Integer)
    finished_at: Mapped[dt.datetime] = mapped_column(DateTime, server_default=func.current_timestamp())


# --- users, API tokens, the audit log ----------------------------------------------------------------------------
# Times are naive UTC. Nothing in the product updates or deletes audit_log rows; migration 0003 adds triggers that
# make the database refuse it too.


class AppUser(Base):
    """A person who signs in to the cockpit (argon2id password hash) and may own API tokens."""

    __tablename__ = "app_user"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str | None] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(16), comment="viewer | analyst | admin")
    password_hash: Mapped[str | None] = mapped_column(String(255), comment="argon2id; null: cannot sign in")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)
    last_login_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    failed_logins: Mapped[int] = mapped_column(Integer, default=0, server_default="0",
                                               comment="consecutive failed sign-ins")
    locked_until: Mapped[dt.datetime | None] = mapped_column(DateTime)


class ApiToken(Base):
    """A bearer token of a user; only its SHA-256 is stored (the token is shown once, when created)."""

    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    token_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    scopes: Mapped[str] = mapped_column(String(100), comment="read | import | edit | admin, joined by ';'")
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)
    expires_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    last_used_at: Mapped[dt.datetime | None] = mapped_column(DateTime)


class AuditLog(Base):
    """Who changed what, when, from where: one row per write, written in the write's own transaction."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime, index=True)
    actor: Mapped[str] = mapped_column(String(200), comment="user, user/token:name, cli:<os user> or system")
    action: Mapped[str] = mapped_column(String(40), index=True)
    entity: Mapped[str] = mapped_column(String(60))
    entity_id: Mapped[str | None] = mapped_column(String(100))
    before: Mapped[dict | None] = mapped_column(JSON)
    after: Mapped[dict | None] = mapped_column(JSON)
    detail: Mapped[str | None] = mapped_column(Text)
    ip: Mapped[str | None] = mapped_column(String(64))
