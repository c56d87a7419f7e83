"""The media-dialogue fact sheet on the real SQLite demo: every figure in both languages, footnoted, as HTML and PDF."""

from __future__ import annotations

import datetime as dt
import io
import re
import time

import pytest
from markupsafe import escape
from pypdf import PdfReader
from sqlalchemy import select

from opentrade.domain.kpi import KpiResult
from opentrade.errors import NotFound
from opentrade.i18n import Translator
from opentrade.services.demo import AS_OF, TARGETS
from opentrade.services.factsheet import MISSING, STRINGS, FactSheet, build_factsheet, render_html, render_pdf
from opentrade.services.kpis import DEFINITIONS, compute_kpis
from opentrade.store.db import Database
from opentrade.store.models import Event

HOSTILE = "<script>alert(1)</script>"
PDF_SECONDS_LIMIT = 15  # about 0.6 s measured for the first render (fonts load once); generous against noise
#: the demo's calibration (services/demo/generator.py TARGETS), as the sheet prints them in English
CALIBRATED = [f"{n:,}" for n in (TARGETS.foreign_firms, TARGETS.mnc_hq_rd, TARGETS.digital_firms,
                                  TARGETS.heritage_sites, TARGETS.relic_area_m2, TARGETS.relic_restored_m2)]


@pytest.fixture(scope="module")
def demo(demo_shared: Database) -> Database:
    return demo_shared  # the session's read-only copy of the demo


@pytest.fixture(scope="module")
def event_id(demo: Database) -> int:
    with demo.engine.connect() as conn:
        return conn.execute(select(Event.id).where(Event.kind == "media_dialogue")).scalar_one()


@pytest.fixture(scope="module")
def kpis(demo: Database) -> dict[str, KpiResult]:
    return {k.id: k for k in compute_kpis(demo, as_of=AS_OF)}


@pytest.fixture(scope="module")
def sheet(demo: Database, event_id: int) -> FactSheet:
    return build_factsheet(demo, event_id=event_id)  # as_of defaults to the event's date


@pytest.fixture(scope="module")
def html(sheet: FactSheet) -> str:
    return render_html(sheet)


@pytest.fixture(scope="module")
def pdf(sheet: FactSheet) -> tuple[bytes, float]:
    started = time.perf_counter()
    data = render_pdf(sheet)
    return data, time.perf_counter() - started


@pytest.fixture(scope="module")
def pdf_text(pdf: tuple[bytes, float]) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf[0])).pages)


def _squeeze(text: str) -> str:
    """Text without whitespace: PDF extraction may break lines anywhere."""
    return re.sub(r"\s+", "", text)


# --- the data ----------------------------------------------------------------------------------------------------


def test_the_sheet_is_the_events_as_of_its_date(sheet: FactSheet, kpis: dict[str, KpiResult]) -> None:
    assert sheet.event is not None and sheet.event.starts_on == AS_OF == sheet.as_of
    assert "All-China Journalists Association" in (sheet.event.organisers or "")
    assert [f.id for f in sheet.figures] == list(DEFINITIONS)
    assert [f.number for f in sheet.figures] == list(range(1, len(DEFINITIONS) + 1))
    for f in sheet.figures:
        assert f.kpi.value == kpis[f.id].value
        assert not f.missing and MISSING not in f.value_en


def test_values_are_localised_and_footnotes_carry_the_provenance(sheet: FactSheet) -> None:
    zh, en = Translator("zh"), Translator("en")
    for f in sheet.figures:
        p = f.kpi.provenance
        assert p.definition in f.footnote_en
        if p.record_count is not None:
            assert en.number(p.record_count) in f.footnote_en and zh.number(p.record_count) in f.footnote_zh
        if p.rests_on_synthetic:
            assert "synthetic" in f.footnote_en
        assert f.source == p.source
        assert en.date(AS_OF) in f.footnote_en and zh.date(AS_OF) in f.footnote_zh
    by_id = {f.id: f for f in sheet.figures}
    assert by_id["foreign_funded_enterprises"].value_en == f"{TARGETS.foreign_firms:,} firms"
    assert by_id["foreign_funded_enterprises"].value_zh == f"{TARGETS.foreign_firms:,} 家"
    assert by_id["expats"].value_en == "more than 10,000 people"
    assert by_id["relic_area_m2"].value_en == "260,000 m²"


# --- HTML ----------------------------------------------------------------------------------------------------


def test_html_has_every_figure_in_both_languages(html: str, sheet: FactSheet) -> None:
    for f in sheet.figures:
        for text in (f.name_zh, f.name_en, f.value_zh, f.value_en, f.footnote_zh, f.footnote_en):
            assert str(escape(text)) in html, f"{f.id}: {text!r} not in the HTML"
        assert f"<code>{f.id}</code>" in html
    for figure in CALIBRATED:
        assert figure in html
    assert sheet.event is not None
    assert str(escape(sheet.event.name_zh)) in html and str(escape(sheet.event.name_en)) in html


def test_html_has_one_numbered_footnote_per_figure(html: str, sheet: FactSheet) -> None:
    assert html.count('<li class="footnote"') == len(sheet.figures) == len(DEFINITIONS)
    for f in sheet.figures:
        assert f'id="fn-{f.number}">[{f.number}] <code>{f.id}</code>' in html
        assert f'href="#fn-{f.number}"' in html


def test_html_says_the_figures_rest_on_synthetic_records(html: str, sheet: FactSheet) -> None:
    assert sheet.rests_on_synthetic and 0 < sheet.synthetic_count < len(sheet.figures)  # two are statistics
    assert 'id="synthetic-banner"' in html
    assert STRINGS["banner_title"][0] in html and STRINGS["banner_title"][1] in html


def test_html_is_self_contained_print_css(html: str) -> None:
    assert "size: A4" in html and '"WenQuanYi Micro Hei"' in html and '"Noto Sans CJK SC"' in html
    assert not re.search(r"""(src|href)=["']?(https?:)?//|@import|url\(""", html)


# --- PDF -----------------------------------------------------------------------------------------------------


def test_pdf_opens_and_renders_quickly(pdf: tuple[bytes, float]) -> None:
    data, seconds = pdf
    assert data.startswith(b"%PDF")
    assert len(PdfReader(io.BytesIO(data)).pages) >= 1
    assert seconds < PDF_SECONDS_LIMIT


def test_pdf_text_has_the_figures_in_both_languages(pdf_text: str, sheet: FactSheet) -> None:
    text = _squeeze(pdf_text)
    for figure in CALIBRATED:
        assert figure in text
    for f in sheet.figures:
        assert _squeeze(f.name_zh) in text and _squeeze(f.name_en) in text, f.id
        assert _squeeze(f.value_zh) in text and _squeeze(f.value_en) in text, f.id
        assert _squeeze(f"[{f.number}]{f.id}") in text  # the numbered footnote names its KPI
    assert len(re.findall(r"\[\d+\]", pdf_text)) == len(sheet.figures)
    assert STRINGS["banner_title"][0] in text and _squeeze(STRINGS["banner_title"][1]) in text


# --- errors, hostile text, missing figures ------------------------------------------------------------------


def test_an_unknown_event_is_not_found(demo: Database) -> None:
    with pytest.raises(NotFound):
        build_factsheet(demo, event_id=987_654)


def test_hostile_event_and_missing_figures_on_an_empty_registry(db: Database) -> None:
    with db.session() as session:
        event = Event(name_en=HOSTILE, name_zh=HOSTILE, organisers=HOSTILE, kind="media_dialogue")
        session.add(event)
        session.flush()
        eid = event.id
    sheet = build_factsheet(db, event_id=eid)
    assert sheet.as_of == dt.date.today()  # no event date: today
    html = render_html(sheet)
    assert "<script" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert not sheet.rests_on_synthetic and 'id="synthetic-banner"' not in html
    missing = [f for f in sheet.figures if f.kpi.value is None]
    assert missing  # shares, heritage, statistics: no records, no figure
    for f in missing:
        assert f.missing and f.value_zh == f.value_en == MISSING
    assert html.count('class="figure is-missing"') == len(missing)
    assert html.count(STRINGS["no_data"][1]) == len(missing)
