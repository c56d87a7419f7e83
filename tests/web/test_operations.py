"""The operations pages in a real headless Chromium: the expo page in both languages, the pipeline board (every
stage, keyboard moves, overdue marks), fact sheets as PDF, the matchmaking filters, shortlist and XLSX export, and
hostile text on the new pages. (Matchmaking, pipeline and fact sheets in both languages: test_cockpit.PAGES.)"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.request import urlopen

import pytest
from openpyxl import load_workbook

from tests.web.conftest import FORMULA, HOSTILE
from tests.web.test_cockpit import ALL_CHARTS_DONE, _open, assert_page_clean

STAGES = ["lead", "contacted", "negotiating", "signed", "landed", "operating", "dropped"]
DEMO_AS_OF = "2024-06-14"  # the demo's date: its next actions and enquiries are dated around it


@pytest.fixture(scope="module")
def expo_path(base_url: str) -> str:
    """The expo page of the event with buyers (the Laos expo in the demo), found as a user would: from the list."""
    with urlopen(f"{base_url}/events?lang=en") as response:
        html = response.read().decode()
    found = re.findall(r'href="(/expo/\d+)" data-expo', html)
    assert found, "the events page links no expo"
    return found[0]


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_expo_page_loads_clean(watched, screenshots: Path, expo_path: str, lang: str) -> None:
    assert_page_clean(watched, screenshots, "expo", expo_path, lang)
    page = watched.page
    assert page.locator("#buyer-table tbody tr").count() > 10
    assert page.locator("#meeting-table tbody tr").count() > 10  # the stored schedule, by slot
    slots = page.locator("#meeting-table tbody th[scope=row]").all_inner_texts()
    assert slots == sorted(slots, key=int)
    assert page.get_by_text(HOSTILE, exact=False).first.is_visible()  # a hostile buyer's name is text
    for who in ("firm", "buyer"):  # per-party sheets: the same meetings, ordered by party
        href = page.locator(f"a[data-export=meetings-{who}-csv]").get_attribute("href")
        assert f"by={who}" in href
        response = page.request.get(href)
        assert response.ok and response.headers["content-type"].startswith("text/csv")
        header = response.text().lstrip("\ufeff").splitlines()[0]
        assert header.startswith("slot,table_no,uscc")


def test_kanban_shows_every_stage_and_moves_by_keyboard(watched, screenshots: Path) -> None:
    page = watched.page
    _open(watched, f"/pipeline?as_of={DEMO_AS_OF}", lang="en")
    columns = page.locator("#kanban > section.kanban-col")
    assert columns.evaluate_all("cs => cs.map(c => c.dataset.stage)") == STAGES
    for i in range(columns.count()):  # each column: a heading naming its list of cards
        col = columns.nth(i)
        heading_id = col.locator("h3").get_attribute("id")
        assert col.locator(f"ol[aria-labelledby={heading_id}] > li").count() >= 1
    assert page.locator("#kanban li.kcard[tabindex]").count() >= 15
    overdue = page.locator("#kanban li.kcard.overdue")
    assert overdue.count() >= 1 and "overdue" in overdue.first.inner_text()  # said in words, not only in red
    for card in ("pipeline_value", "conversion", "enquiry_response", "aftercare", "overdue"):
        assert page.locator(f"#pkpi-{card} details.provenance p").text_content().strip()
    # keyboard: Tab reaches a card, arrows move within a column and across columns
    first = page.locator("#stage-lead li.kcard[tabindex]").first
    first.focus()
    page.keyboard.press("ArrowDown")
    assert page.evaluate("document.activeElement.closest('.kanban-col').dataset.stage") == "lead"
    page.keyboard.press("ArrowRight")
    assert page.evaluate("document.activeElement.closest('.kanban-col').dataset.stage") == "contacted"
    page.keyboard.press("ArrowLeft")
    assert page.evaluate("document.activeElement.closest('.kanban-col').dataset.stage") == "lead"
    page.screenshot(path=str(screenshots / "pipeline-en-demo-date.png"), full_page=True)
    assert watched.errors == [] and watched.dialogs == []


def test_factsheet_pdf_and_html(watched) -> None:
    page = watched.page
    _open(watched, f"/factsheets?as_of={DEMO_AS_OF}", lang="zh")
    pdf_link = page.locator("a[data-factsheet$='-pdf']").first
    href = pdf_link.get_attribute("href")
    assert href.endswith(f".pdf?as_of={DEMO_AS_OF}")
    response = page.request.get(href)
    assert response.ok
    assert response.headers["content-type"] == "application/pdf"
    assert response.body()[:4] == b"%PDF"
    html = page.request.get(page.locator("a[data-factsheet$='-html']").first.get_attribute("href"))
    assert html.ok and html.headers["content-type"].startswith("text/html")
    assert page.request.get("/factsheets/999999.pdf").status == 404
    assert page.request.get("/factsheets/1.pdf?as_of=not-a-date").status == 400
    watched.errors.clear()  # the two error statuses above are asked for
    assert watched.dialogs == []


def _xlsx(page, selector: str, tmp_path: Path) -> list[tuple]:
    with page.expect_download() as info:
        page.locator(selector).click()
    target = tmp_path / info.value.suggested_filename
    info.value.save_as(target)
    assert target.suffix == ".xlsx"
    return list(load_workbook(target, read_only=True).active.iter_rows(values_only=True))


def test_matchmaking_filters_shortlist_and_xlsx_export(watched, screenshots: Path, tmp_path: Path) -> None:
    page = watched.page
    _open(watched, "/matchmaking", lang="en")
    caption = page.locator("#match-table caption").inner_text()
    page.locator("#mm-market").select_option("BRA")  # HTMX: the table and chart follow without a page load
    page.wait_for_function("(c) => document.querySelector('#match-table caption').textContent !== c", arg=caption)
    page.wait_for_function(ALL_CHARTS_DONE, timeout=10_000)
    assert "market=BRA" in page.url
    markets = page.locator("#match-table tbody tr td:nth-child(3)").all_inner_texts()
    assert markets and set(markets) == {"Brazil"}
    assert HOSTILE in page.locator("#match-table tbody").inner_text()  # a hostile partner giving the channel: text
    assert page.locator("#match-table tbody td.reason").first.inner_text().startswith("fit ")
    rows = _xlsx(page, "a[data-export=matchmaking-xlsx]", tmp_path)
    head = rows[0]
    assert {"uscc", "market", "segment", "channel", "via", "total", "reason"} <= set(head)
    assert len(rows) > 25 and {r[head.index("market")] for r in rows[1:]} == {"BRA"}  # every page, as filtered
    # the shortlist panel: a market → ranked firms to invite; Mexico's channel is the formula-named organisation
    page.locator("#sl-target").select_option("market:MEX")
    page.locator("#sl-form button[type=submit]").click()
    page.wait_for_selector("#shortlist-table tbody tr")
    ranks = page.locator("#shortlist-table tbody td:nth-child(2)").all_inner_texts()
    assert ranks[:3] == ["1", "2", "3"]
    assert FORMULA in page.locator("#shortlist-table tbody").inner_text()
    rows = _xlsx(page, "a[data-export=shortlist-xlsx]", tmp_path)
    via = {r[rows[0].index("via")] for r in rows[1:]}
    assert "'" + FORMULA in via and FORMULA not in via  # formula-like cells are escaped
    page.screenshot(path=str(screenshots / "matchmaking-en-shortlist.png"), full_page=True)
    assert watched.errors == [] and watched.dialogs == []


def test_hostile_names_on_operations_pages_are_text(watched) -> None:
    page = watched.page
    for path in ("/pipeline", "/partners"):  # a hostile project; a hostile partner gives Brazil a channel
        _open(watched, path, lang="en")
        assert page.get_by_text(HOSTILE, exact=False).first.is_visible()
        injected = page.evaluate(
            "() => [...document.scripts].filter(s => s.type !== 'application/json' && s.textContent.includes('alert(1)')).length")
        assert injected == 0
    assert page.locator("#channel-table tr[data-iso3=BRA]").inner_text().count(HOSTILE) == 1
    assert watched.dialogs == [] and watched.errors == []
