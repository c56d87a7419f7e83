"""Hostile text in every entity the cockpit shows, in a real headless Chromium: on every page that lists the
entity, in both languages, the markup stays text — no dialog, no console error, no script or event handler from
the data — and it is visible where the entity appears.

The records are made by conftest._add_hostile_records; the strings below are the ones it stores (each is HOSTILE
followed by what it stands for). The event's English name also carries an attribute breaker, shown in the
fact-sheet links' aria-labels. Stored but shown on no cockpit page (exports and the API only): an event's
description, a heritage site's current use, a space's address, aftercare visits and enquiries."""

from __future__ import annotations

import re
from urllib.request import urlopen

import pytest
from markupsafe import escape

from tests.web.conftest import HOSTILE, HOSTILE_USCC, WEB_PASSWORD
from tests.web.test_cockpit import _open

LANGS = ("zh", "en")
ATTR = '"><img src=x onerror=alert(2)>'
ADMIN = "web-admin"


def h(what: str) -> str:
    return f"{HOSTILE} {what}"


EVENT = {"zh": h("活动"), "en": f"{HOSTILE}{ATTR} event"}
SITE = {"zh": h("遗址"), "en": h("heritage site")}
UNIVERSITY = {"zh": h("大学"), "en": h("university")}
CONTACT_EMAIL = f"evil{ATTR}@example.org"

#: what a page must not contain: scripts from the data (JSON data blocks hold the text escaped: no raw '<' in
#: them), elements with inline handlers, the broken-out image
INJECTED = """() => ({
  scripts: [...document.scripts].filter(s => s.type !== 'application/json' && s.textContent.includes('alert(')).length,
  raw_json: [...document.querySelectorAll('script[type="application/json"]')].filter(s => s.textContent.includes('<')).length,
  handlers: document.querySelectorAll('[onerror], [onload], [onmouseover], [onfocus], [onclick]').length,
  images: document.querySelectorAll('img[src="x"]').length,
})"""


@pytest.fixture(scope="module")
def hostile_event(base_url: str) -> int:
    """The hostile event's id, read off the events page as a reader would find it."""
    with urlopen(f"{base_url}/events?lang=en") as response:
        html = response.read().decode()
    found = re.search(re.escape(str(escape(EVENT["en"]))) + r'.*?data-expo="(\d+)"', html, re.S)
    assert found, "the events page lists no hostile event with an expo link"
    return int(found.group(1))


def _clean(watched) -> None:
    assert watched.page.evaluate(INJECTED) == {"scripts": 0, "raw_json": 0, "handlers": 0, "images": 0}
    assert watched.dialogs == []
    assert watched.errors == []


def _shows(page, selector: str, *texts: str) -> object:
    """The first element matching ``selector`` that holds ``texts[0]``: visible, every text in its rendered text."""
    found = page.locator(selector).filter(has_text=texts[0])
    assert found.count() >= 1, f"{selector}: no element shows {texts[0]!r}"
    el = found.first
    assert el.is_visible(), f"{selector} with {texts[0]!r} is not visible"
    shown = el.inner_text()
    for text in texts:
        assert text in shown, f"{selector}: {text!r} not shown as text in {shown!r}"
    return el


def _cells(row) -> list[str]:
    return [c.strip() for c in row.locator("th, td").all_inner_texts()]


@pytest.mark.parametrize("lang", LANGS)
def test_overview(watched, lang: str) -> None:
    _open(watched, "/", lang=lang)  # no record names on it: only that nothing from the data runs
    _clean(watched)


@pytest.mark.parametrize("lang", LANGS)
def test_enterprises(watched, lang: str) -> None:
    _open(watched, f"/enterprises?q={HOSTILE_USCC}", lang=lang)
    _shows(watched.page, "#enterprise-table tbody tr", HOSTILE, HOSTILE_USCC)
    _clean(watched)


@pytest.mark.parametrize("lang", LANGS)
def test_enterprise_detail(watched, lang: str) -> None:
    page = watched.page
    _open(watched, f"/enterprises/{HOSTILE_USCC}", lang=lang)
    assert page.title().startswith(HOSTILE)
    assert page.locator("main h1").inner_text().strip().startswith(HOSTILE)
    _shows(page, "dl.facts", h("firm address"), h("firm scope"), h("firm source"))
    _shows(page, "main table tbody tr", h("firm rule"))
    _shows(page, "section[aria-labelledby=proj-heading] li", HOSTILE)
    _shows(page, "section[aria-labelledby=proj-heading] li", h("dropped project"))
    _clean(watched)


@pytest.mark.parametrize("lang", LANGS)
def test_partners(watched, lang: str) -> None:
    page = watched.page
    _open(watched, "/partners", lang=lang)
    row = _shows(page, "#partner-table tbody tr", h("contact"), CONTACT_EMAIL, h("agreement"),
                 h("partner description"))
    assert _cells(row)[0] == HOSTILE
    assert row.locator("a[href^=mailto]").get_attribute("href") == f"mailto:{CONTACT_EMAIL}"
    _shows(page, "#channel-table tr[data-iso3=BRA]", HOSTILE)
    _shows(page, "#project-table tbody tr", h("dropped project"), HOSTILE)  # the project and its firm
    _clean(watched)


@pytest.mark.parametrize("lang", LANGS)
def test_heritage_spaces_tenancies(watched, lang: str) -> None:
    page = watched.page
    _open(watched, "/heritage?page=999", lang=lang)  # past the end: the last page, where an unmeasured site sorts
    _shows(page, "#heritage-table tbody tr", SITE[lang], h("original use"))
    space = _shows(page, "#space-table tbody tr", h("space"), SITE[lang])
    assert _cells(space)[-1] == SITE[lang]
    tenancy = _shows(page, "#tenancy-table tbody tr", h("space"), SITE[lang])
    assert tenancy.locator(f"a[href='/enterprises/{HOSTILE_USCC}']").inner_text() == HOSTILE
    _clean(watched)


@pytest.mark.parametrize("lang", LANGS)
def test_events_and_universities(watched, lang: str) -> None:
    page = watched.page
    _open(watched, "/events", lang=lang)
    row = _shows(page, "#event-table tbody tr", EVENT[lang], h("organisers"), h("event source"))
    cells = _cells(row)
    assert cells[1] == EVENT[lang] and cells[2] == HOSTILE and cells[4] == HOSTILE  # name, kind, partner
    _shows(page, "#university-table tbody tr", UNIVERSITY[lang])
    _clean(watched)


@pytest.mark.parametrize("lang", LANGS)
def test_expo_page(watched, hostile_event: int, lang: str) -> None:
    page = watched.page
    _open(watched, f"/expo/{hostile_event}", lang=lang)
    _shows(page, "main p.lead", EVENT[lang])
    _shows(page, "#buyer-table tbody tr", h("buyer"), h("buyer organisation"), h("interests"))
    meeting = _shows(page, "#meeting-table tbody tr", h("buyer"), h("buyer organisation"))
    assert meeting.locator(f"a[href='/enterprises/{HOSTILE_USCC}']").inner_text() == HOSTILE
    _clean(watched)


@pytest.mark.parametrize("lang", LANGS)
def test_pipeline(watched, lang: str) -> None:
    page = watched.page
    _open(watched, "/pipeline", lang=lang)
    lead = _shows(page, "#stage-lead li.kcard", HOSTILE)
    assert lead.locator("h4").inner_text() == HOSTILE
    assert lead.locator(f"a[href='/enterprises/{HOSTILE_USCC}']").inner_text() == HOSTILE  # the investor
    card = _shows(page, "#stage-dropped li.kcard", h("dropped project"), h("dropped reason"), h("project owner"))
    assert card.locator("h4").inner_text() == h("dropped project")
    _clean(watched)


@pytest.mark.parametrize("lang", LANGS)
def test_matchmaking(watched, lang: str) -> None:
    page = watched.page
    _open(watched, "/matchmaking?market=BRA", lang=lang)
    _shows(page, "#match-table tbody tr", HOSTILE)  # the hostile platform gives Brazil its channel
    options = [o.strip() for o in page.locator("#sl-target option").all_text_contents()]
    assert HOSTILE in options and EVENT[lang] in options  # shortlist targets: the partner, the event
    _clean(watched)


@pytest.mark.parametrize("lang", LANGS)
def test_factsheet_list(watched, hostile_event: int, lang: str) -> None:
    page = watched.page
    _open(watched, "/factsheets", lang=lang)
    _shows(page, "#factsheet-table tbody tr", EVENT[lang])
    for fmt in ("html", "pdf"):  # the name inside an attribute stays inside it
        label = page.locator(f"a[data-factsheet='{hostile_event}-{fmt}']").get_attribute("aria-label")
        assert EVENT[lang] in label
    _clean(watched)


def test_factsheet_html(watched, hostile_event: int) -> None:
    """The stand-alone sheet is bilingual (no language of its own): one load shows both names."""
    page = watched.page
    # it declares no icon, so Chromium asks for /favicon.ico, which 404s (a console error unrelated to the data)
    page.route("**/favicon.ico", lambda route: route.fulfill(status=204))
    _open(watched, f"/factsheets/{hostile_event}.html", lang="en")
    assert page.title().endswith(EVENT["en"])
    assert page.locator("#event-name-zh").inner_text() == EVENT["zh"]
    assert page.locator("#event-name-en").inner_text() == EVENT["en"]
    _shows(page, "dl.meta dd", h("organisers"))
    _clean(watched)


@pytest.mark.parametrize("lang", LANGS)
def test_sources(watched, lang: str) -> None:
    page = watched.page
    _open(watched, "/sources", lang=lang)
    stat = _shows(page, "#statistic-table tbody tr", h("statistic key"), h("statistic source"))
    assert _cells(stat)[2] == HOSTILE  # the unit
    run = _shows(page, "#run-table tbody tr", h("import path"))
    assert _cells(run)[1] == HOSTILE  # the kind
    _clean(watched)


@pytest.mark.parametrize("lang", LANGS)
def test_admin_page(watched, lang: str) -> None:
    """Signed in as the administrator (display name, a token and audit entries hostile)."""
    page = watched.page
    page.goto(f"/login?lang={lang}&next=/admin%3Flang%3D{lang}")
    page.locator("#l-user").fill(ADMIN)
    page.locator("#l-pass").fill(WEB_PASSWORD)
    page.locator("#login-form button[type=submit]").click()
    page.wait_for_selector("#audit-table")
    page.wait_for_load_state("networkidle")
    assert page.locator("html").get_attribute("lang").startswith(lang)
    assert h("admin") in page.locator("#account .who").inner_text()
    user = _shows(page, "#user-table tbody tr", ADMIN, h("admin"))
    assert _cells(user)[1] == h("admin")
    _shows(page, "#token-table tbody tr", h("token"))
    _shows(page, "#audit-table tbody tr", h("audit detail"), h("actor"))
    _clean(watched)
