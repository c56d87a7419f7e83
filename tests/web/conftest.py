"""Browser fixtures: the whole app (API + cockpit) served by uvicorn on 127.0.0.1 in a background thread, on the Yangpu
demo loaded into a temporary database (a SQLite file, or PostgreSQL: tests/databases.py; once per session), driven
by Debian's chromium through Playwright.

The module is skipped, with the reason, when /usr/bin/chromium or the built front-end assets are missing."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
VENDOR = Path(__file__).resolve().parents[2] / "src" / "opentrade" / "web" / "static" / "vendor"
SCREENSHOTS = Path(__file__).resolve().parents[2] / "screenshots"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
HOSTILE = "<script>alert(1)</script>"
HOSTILE_USCC = "91310110XSS0000001"
FORMULA = "=HYPERLINK(\"http://evil.example\",\"x\")"
ADMIN_TOKEN = "web-test-admin-token"
WEB_USER, WEB_PASSWORD = "web-analyst", "web-analyst-password"  # an analyst: may import

if not CHROMIUM.exists():
    pytest.skip("Debian chromium is not installed at /usr/bin/chromium (apt-get install chromium)",
                allow_module_level=True)
if not (VENDOR / "echarts.min.js").exists():
    pytest.skip("web assets are not built: run scripts/build_web_assets.sh", allow_module_level=True)
playwright_sync = pytest.importorskip("playwright.sync_api", reason="the playwright Python package is not installed")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _add_hostile_records(db) -> None:
    """Hostile text in every free-text field of every entity the cockpit shows (tests/web/test_hostile.py reads
    the same strings back as text). Each record is neutral for the figures the tests read: no amounts, no
    students, no vacant or measured space, a registered (not industrial relic) heritage site without a floor area,
    aftercare and enquiry dates outside every 12-month window, an event without a date (listed last)."""
    import datetime as dt

    from sqlalchemy import select

    from opentrade.services.auth import add_user, create_token
    from opentrade.store import audit
    from opentrade.store.models import (
        AftercareVisit,
        Buyer,
        DistrictStatistic,
        Enquiry,
        Enterprise,
        Event,
        HeritageSite,
        ImportRun,
        InvestmentProject,
        Meeting,
        Partner,
        Space,
        Tenancy,
        University,
    )

    def h(what: str) -> str:  # HOSTILE, told apart by what it stands for
        return f"{HOSTILE} {what}"

    attr = '"><img src=x onerror=alert(2)>'  # leaves an attribute value that is not escaped
    with db.session() as session:
        firm = Enterprise(uscc=HOSTILE_USCC, name_zh=HOSTILE, name_en=HOSTILE, ownership="foreign",
                          origin_country="USA", industry_code="6513", status="active", synthetic=False,
                          clusters="", cluster_basis="{}", address=h("firm address"),
                          business_scope=h("firm scope"), source=h("firm source"), de_basis=h("firm rule"))
        platform = Partner(kind="platform", name_en=HOSTILE, name_zh=HOSTILE, country="BRA", markets="BRA;ARG",
                           contact_name=h("contact"), contact_email=f"evil{attr}@example.org",
                           agreement=h("agreement"), agreement_on=dt.date(2023, 5, 1),
                           description=h("partner description"))
        session.add_all([firm, platform])
        session.add(Partner(kind="organisation", name_en=FORMULA, name_zh=FORMULA, country="MEX", markets="MEX"))
        session.flush()
        session.add(InvestmentProject(title=HOSTILE, stage="lead", owner=HOSTILE, next_action=HOSTILE,
                                      enterprise_id=firm.id, description=h("project description")))
        dropped = InvestmentProject(title=h("dropped project"), stage="dropped", owner=h("project owner"),
                                    dropped_reason=h("dropped reason"), enterprise_id=firm.id,
                                    description=h("dropped description"))
        session.add(dropped)
        expo = session.execute(select(Event.id).where(Event.kind == "expo")).scalars().first()
        if expo is not None:  # a buyer wanting no segment: listed, never scheduled
            session.add(Buyer(name=HOSTILE, organisation=HOSTILE, country="LAO", segments="", event_id=expo))
        # an event of a hostile kind, undated (listed after the demo's), with its own buyer and stored meeting
        event = Event(name_zh=h("活动"), name_en=f"{HOSTILE}{attr} event", kind=HOSTILE, starts_on=None,
                      organisers=h("organisers"), description=h("event description"), source=h("event source"),
                      partner_id=platform.id)
        session.add(event)
        session.flush()
        buyer = Buyer(name=h("buyer"), organisation=h("buyer organisation"), country="LAO", segments="",
                      interests=h("interests"), event_id=event.id)
        session.add(buyer)
        session.flush()
        session.add(Meeting(event_id=event.id, slot=1, table_no=1, enterprise_id=firm.id, buyer_id=buyer.id,
                            score=0.5, must_meet=False))
        session.add(University(name_en=h("university"), name_zh=h("大学"), students=None,
                               international_students=None))
        site = HeritageSite(name_zh=h("遗址"), name_en=h("heritage site"), protection_level="registered",
                            industrial_relic=False, original_use=h("original use"), current_use=h("current use"),
                            status="unrestored", floor_area_m2=None, lat=31.27, lon=121.52)
        session.add(site)
        session.flush()
        space = Space(name=h("space"), kind="building", area_m2=None, vacant_m2=None, heritage_site_id=site.id,
                      address=h("space address"), suitable_clusters="")
        session.add(space)
        session.flush()
        session.add(Tenancy(space_id=space.id, enterprise_id=firm.id, area_m2=None, starts_on=dt.date(2020, 1, 1)))
        session.add(DistrictStatistic(key=h("statistic key"), value=1.0, unit=HOSTILE, as_of=dt.date(2024, 1, 1),
                                      source=h("statistic source")))
        session.add(AftercareVisit(enterprise_id=firm.id, visited_on=dt.date(2001, 1, 2), officer=h("officer"),
                                   topics=h("topics"), issues=h("issues"), follow_up=h("follow-up")))
        session.add(Enquiry(received_at=dt.datetime(2001, 1, 2, 9), enquirer=h("enquirer"), channel="web",
                            country="USA", topic=h("enquiry topic"), responded_at=dt.datetime(2001, 1, 2, 10),
                            officer=h("officer"), project_id=dropped.id))
        session.add(ImportRun(kind=HOSTILE, path=h("import path"), sha256="0" * 64, rows=0))
    # an administrator with a hostile display name and token, and audit entries written by a hostile actor
    add_user(db, "web-admin", role="admin", password=WEB_PASSWORD, display_name=h("admin"), actor=h("actor"))
    create_token(db, "web-admin", name=h("token"), scopes="read", actor=h("actor"))
    with db.engine.begin() as conn:
        audit.record(conn, actor=h("actor"), action="edit", entity="investment_project", entity_id=HOSTILE,
                     before={"title": HOSTILE}, after={"title": h("after")}, detail=h("audit detail"))


def _schedule_expo(db) -> None:
    """The demo stores no meeting schedule (scheduling is a write): store a small one for the expo pages."""
    from sqlalchemy import func, select

    from opentrade.services.expo import schedule_expo
    from opentrade.store.models import Buyer

    with db.engine.connect() as conn:
        event_id = conn.execute(select(Buyer.event_id).group_by(Buyer.event_id)
                                .order_by(func.count().desc()).limit(1)).scalar()
    if event_id is not None:
        schedule_expo(db, event_id, slots=8, tables=12, firms=60, time_limit=20)  # demo buyers: slots 1-8


@pytest.fixture(scope="session")
def base_url(demo_template: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    import uvicorn

    from opentrade.app import create_app
    from opentrade.config import Settings
    from opentrade.store.db import Database
    from opentrade.web import mount_web
    from tests import databases

    # the session's demo (loaded once for every suite), copied: this one gains hostile records and a schedule
    db = Database(databases.copy_url(demo_template, tmp_path_factory.mktemp("web") / "cockpit.db"))
    _add_hostile_records(db)
    _schedule_expo(db)
    from opentrade.services.auth import add_user

    add_user(db, WEB_USER, role="analyst", password=WEB_PASSWORD, actor="test")
    settings = Settings(admin_token=ADMIN_TOKEN, database_url=db.url, secret_key="web-test-secret-key-" + "x" * 20)
    app = create_app(db, settings)
    if not any(getattr(r, "name", None) == "web_overview" for r in app.routes):  # an API without the cockpit hook
        app.router.routes[:] = [r for r in app.router.routes if getattr(r, "path", None) != "/"]
        mount_web(app)
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)
    db.dispose()
    databases.drop_url(db.url)


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    with playwright_sync.sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        yield chromium
        chromium.close()


@dataclass
class Watched:
    """A page with its console errors, uncaught exceptions and dialogs recorded."""

    page: object
    errors: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)


@pytest.fixture
def watched(browser, base_url) -> Iterator[Watched]:
    context = browser.new_context(viewport={"width": 1280, "height": 720}, base_url=base_url, accept_downloads=True,
                                  locale="en-GB")
    page = context.new_page()
    w = Watched(page)
    page.on("console", lambda m: w.errors.append(f"console {m.type}: {m.text}") if m.type == "error" else None)
    page.on("pageerror", lambda exc: w.errors.append(f"page error: {exc}"))
    page.on("response", lambda r: w.errors.append(f"HTTP {r.status} {r.url}") if r.status >= 400 else None)

    def _dialog(d) -> None:
        w.dialogs.append(d.message)
        d.dismiss()

    page.on("dialog", _dialog)
    yield w
    context.close()


@pytest.fixture(scope="session")
def screenshots() -> Path:
    SCREENSHOTS.mkdir(exist_ok=True)
    return SCREENSHOTS
