"""`pqa report` on the sample: a Word document python-docx reads back and an HTML file a real
browser shows, with every priority, every chart, the questions and the definitions; the same
marts give the same document; the public version gives no small count away."""

from __future__ import annotations

import re
import zipfile
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from docx import Document

from pipeline.cli.main import main
from pipeline.core.catalogue import load_catalogue
from pipeline.flags import review_log
from pipeline.report import commentary, disclosure, meetings
from pipeline.report.build import build_report

PERIOD = "2026-27 Q2"
WHEN = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def built(sample_refreshed, tmp_path_factory):
    """Both versions of the sample's report, made once for the tests that only read them."""
    out = tmp_path_factory.mktemp("report")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("PQA_DATA_DIR", str(sample_refreshed))
        return {
            public: build_report(PERIOD, out, public=public, created=WHEN)
            for public in (False, True)
        }


def docx_text(path: Path) -> str:
    doc = Document(path)
    parts = [p.text for p in doc.paragraphs]
    for table in doc.tables:
        parts.extend(cell.text for row in table.rows for cell in row.cells)
    return "\n".join(parts)


def test_the_word_document_has_every_priority_chart_question_and_definition(built):
    files = built[False]
    catalogue = load_catalogue()
    doc = Document(files.word)
    headings = [p.text for p in doc.paragraphs if p.style.name.startswith("Heading")]
    for priority in {i.priority for i in catalogue.indicators.values()}:
        assert priority in headings
    for indicator in catalogue.indicators.values():
        assert indicator.label in headings
    assert len(doc.inline_shapes) == len(catalogue.indicators)  # one chart each
    text = docx_text(files.word)
    assert "Questions raised, responses and impact" in headings
    assert "Children's social care" in headings  # questions grouped by agency
    assert "Appendix: definitions" in headings
    assert "Partnership version" in text
    for definition in ("Contacts received by the children's front door",):
        assert definition in text
    # three years side by side, the year so far, and the change in words
    assert "2024-25" in text and "2025-26" in text and "2026-27" in text
    assert "(to Q2)" in text
    assert re.search(r"2026-27 Q2: [\d,.%]+, (up|down) .* the same quarter a year before", text)
    assert not re.search(r"\b(nan|None|NaN|NaT)\b", text)


def test_the_html_is_self_contained_and_shows_every_chart_in_a_browser(built, browser):
    page = browser.new_page()
    html = built[False].html.read_text(encoding="utf-8")
    assert "<script" not in html and "http://" not in html and "https://" not in html
    assert not re.search(r"\b(nan|None|NaN|NaT)\b", html)
    page.goto(built[False].html.as_uri())
    images = page.locator("img")
    assert images.count() == len(load_catalogue().indicators)
    drawn = page.evaluate("[...document.images].every(i => i.complete && i.naturalWidth > 300)")
    assert drawn
    assert page.get_by_role("heading", name="Front door", exact=True).is_visible()
    assert page.get_by_role("heading", name="Appendix: definitions").is_visible()


def test_the_same_marts_give_the_same_document(built, sample_refreshed, tmp_path, monkeypatch):
    monkeypatch.setenv("PQA_DATA_DIR", str(sample_refreshed))
    again = build_report(PERIOD, tmp_path, created=datetime(2027, 1, 1, tzinfo=UTC))
    first = built[False]

    def without_creation(html: str) -> str:
        return re.sub(r'<p class="created">.*</p>', "", html)

    assert without_creation(again.html.read_text()) == without_creation(first.html.read_text())
    with zipfile.ZipFile(first.word) as a, zipfile.ZipFile(again.word) as b:
        assert a.namelist() == b.namelist()
        for name in a.namelist():
            if name != "docProps/core.xml":  # the creation time
                assert a.read(name) == b.read(name), name


def test_typed_text_is_shown_as_text_never_run(refreshed, tmp_path):
    flag = review_log.flags()[0]
    typed = '<script>alert("x")</script> =HYPERLINK("http://example.org") & <b>bold</b>'
    review_log.update(flag["flag_id"], "lead", status="answered", response=typed)
    meeting = meetings.add_meeting(date(2026, 10, 14), "PQA subgroup", "chair")
    meetings.raise_matter(
        meeting, "chair", question="Inspection <i>findings</i> for the front door"
    )
    files = build_report(PERIOD, tmp_path, created=WHEN)
    html = files.html.read_text(encoding="utf-8")
    assert "<script>" not in html and "<b>bold</b>" not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html
    assert typed in docx_text(files.word)  # Word shows it exactly as typed
    # a matter typed at a meeting is in the questions, under matters of no one agency
    assert "Matters not about one agency&#x27;s data" in html
    assert "Inspection &lt;i&gt;findings&lt;/i&gt; for the front door" in html
    assert "PQA subgroup, 2026-10-14" in docx_text(files.word)


def test_public_version_shows_no_count_from_1_to_4(built):
    public = built[True]
    text = docx_text(public.word)
    assert "Public version" in text and "fewer than 5" in text
    figures = [
        cell.text
        for table in Document(public.word).tables
        for row in table.rows[1:]
        for cell in row.cells[1:]
    ]
    small = [f for f in figures if re.fullmatch(r"[1-4]", f)]
    assert small == []
    # the partnership version of the same sample does show them (the test can fail)
    partnership = [
        cell.text
        for table in Document(built[False].word).tables
        for row in table.rows[1:]
        for cell in row.cells[1:]
    ]
    assert any(re.fullmatch(r"[1-4]", f) for f in partnership)
    assert "fewer than 5" not in docx_text(built[False].word)


def test_public_version_leaves_no_hidden_figure_derivable_from_totals(built):
    """Recompute every sum the report shows (quarters to year, categories to total) from the
    visible figures: no sum may have exactly one hidden member."""
    report = built[True].report
    grid = report.grid
    hidden = report.hidden
    assert hidden, "the sample has small series: something must be hidden"
    checked = 0
    for total, parts in grid.sums:
        members = (total, *parts)
        unknown = [m for m in members if m in hidden]
        assert len(unknown) != 1, f"{unknown[0]} = {total} minus the visible parts"
        if not unknown and all(p[0] == total[0] for p in parts):  # a year from its quarters
            assert grid.counts[total] == pytest.approx(sum(grid.counts[p] for p in parts))
        checked += 1
    assert checked > 40  # every flow count by year, and the categories of plans
    assert disclosure.leaks(grid, {k: hidden.get(k, "shown") for k in grid.counts}) == []


def test_pqa_report_command(refreshed, tmp_path, capsys):
    assert main(["report", "--period", PERIOD, "--public", "--out", str(tmp_path)]) == 0
    said = capsys.readouterr().out
    assert "public version" in said
    assert (tmp_path / "pqa-report-2026-27-Q2-public.docx").exists()
    assert (tmp_path / "pqa-report-2026-27-Q2-public.html").exists()
    assert main(["report", "--period", "2030-31 Q1", "--out", str(tmp_path)]) == 1
    assert "the published marts have no ended quarter 2030-31 Q1" in capsys.readouterr().err


def test_agency_commentary_reaches_the_report_as_typed(refreshed, tmp_path):
    """The notes column of a return flows through the commentary mart into the report: per
    indicator beside its chart, and as the agency's narrative in the summary."""
    from pipeline.ingest.load import load_returns
    from pipeline.publish.refresh import refresh
    from tests.conftest import TODAY, write_csv

    correction = write_csv(
        tmp_path / "youth_justice_E06000046_2026-27_Q2.csv",
        [
            ["E06000046", PERIOD, "youth_justice_children", 163, "", "", "Caseload <b>steady</b>."],
            ["E06000046", PERIOD, "first_time_entrants", 9, "", "", "Diversion began in July."],
        ],
        header=[
            "area_code",
            "period",
            "indicator_code",
            "value",
            "numerator",
            "denominator",
            "notes",
        ],
    )
    loaded = load_returns([correction], today=TODAY)
    assert loaded.committed and not loaded.refused
    assert refresh(today=TODAY).outcome == "succeeded"
    # the agency's lead corrects one note afterwards (as the dashboard would)
    commentary.record(
        "youth_justice",
        "E06000046",
        PERIOD,
        "Diversion began in June.",
        "lead",
        "youth_justice",
        indicator_code="first_time_entrants",
    )
    files = build_report(PERIOD, tmp_path / "out", created=WHEN)
    doc = Document(files.word)
    headings = [p.text for p in doc.paragraphs]
    text = docx_text(files.word)
    assert "What the agencies say" in headings
    assert f"{PERIOD}: Caseload <b>steady</b>." in text
    assert f"{PERIOD}: Diversion began in June." in text
    assert "Diversion began in July." not in text  # corrected, in the narrative too
    html = files.html.read_text(encoding="utf-8")
    assert "Caseload &lt;b&gt;steady&lt;/b&gt;." in html and "<b>steady</b>" not in html


def test_benchmark_position_in_words_for_rates_only():
    """Where the Department for Education publishes a rate or percentage, the report says
    where the area stands; a count's rank would only say how big an authority is."""
    from types import SimpleNamespace

    import pandas as pd

    from pipeline.report.content import _benchmark

    row = {
        "indicator_code": "children_in_care_rate_per_10k",
        "area_code": "E06000046",
        "area_name": "Isle of Wight",
        "year": "2024-25",
        "neighbour_model": "2025",
        "period_in_words": "the year ending 31 March 2025",
        "area_value": 110.0,
        "england_value": 67.0,
        "region_value": None,
        "neighbour_mean": 87.9,
        "rank_in_words": "Ranked 18 of 151 local authorities.",
        "quartile_in_words": None,
    }
    marts = SimpleNamespace(benchmarks=pd.DataFrame([row]))
    words = _benchmark(marts, "children_in_care_rate_per_10k", "rate_per_10k", "E06000046")
    assert words == (
        "In the year ending 31 March 2025, published by the Department for Education: "
        "Isle of Wight 110.0 per 10,000; England 67.0 per 10,000; statistical neighbours' "
        "average 87.9 per 10,000. Ranked 18 of 151 local authorities."
    )
    assert _benchmark(marts, "children_in_care_rate_per_10k", "count", "E06000046") is None
