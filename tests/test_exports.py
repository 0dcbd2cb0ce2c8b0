"""What people download or export carries recorded text as text: never a live formula in Excel
or CSV, never HTML, a link or an image in Markdown; and a review log someone else holds gives
"busy, try again", changing nothing.

Each attack sits beside its nearest harmless variant: the attack is contained, the harmless
text comes out exactly as typed. Responses are recorded in the review log as the executive
group records them, then exported through `pqa flags export` and through the dashboard's
download (the same files the Flagged questions page offers).
"""

from __future__ import annotations

import csv
import html
import io
import re
import sqlite3
import zipfile
from pathlib import Path

import mistune
import pandas as pd
import pytest
from openpyxl import load_workbook

from pipeline.cli.main import main
from pipeline.core.text_cells import frame_to_csv, frames_to_excel
from pipeline.flags import review_log
from tests.conftest import published_flags

# (attack, its nearest harmless variant): text a person could record as a response.
FORMULAS = [
    (
        '=HYPERLINK("http://evil.example/x","Click for the action plan")',
        'HYPERLINK("http://evil.example/x","Click for the action plan")',
    ),
    ("+cmd|' /C calc'!A0", "cmd|' /C calc'!A0"),
    ("-2+3+cmd|' /C calc'!A0", "2-3 families moved on"),
    ("@SUM(1+9)*cmd|' /C calc'!A0", "email housing@iow.example"),
    ("\t=1+1", "1 + 1 = 2"),
    ("\r=1+1", "one\r\nand one"),
    ("  =1+1", "  1+1"),
    ("\uff1d1+1", "1\uff1d1"),
]
MARKDOWN = [
    ("<script>alert('x')</script>", "a < b and c > d"),
    ('<img src=x onerror="alert(1)">', "Fish & chips"),
    ("[the action plan](javascript:alert(1))", "the action plan (see the minutes) [draft]"),
    ("![plan](http://evil.example/pixel.png)", "Nice! (plan) agreed"),
    ("<javascript:alert(1)>", "javascript: is not a link here"),
    ("[plan]\n\n[plan]: javascript:alert(1)", "plan: see item 3"),
    ("**bold** and _emphasis_ and `code`", "2 * 3 and snake_case"),
    ('<a href="javascript:alert(1)">plan</a>', "a href is HTML"),
]


def published_flag_ids(folder: Path) -> list[str]:
    return [f["flag_id"] for f in published_flags(folder)]


def record(flag_ids: list[str], texts: list[str]) -> None:
    """Each text as the response (and impact) of its own flag, as the executive group would."""
    assert len(flag_ids) >= len(texts)
    for flag_id, text in zip(flag_ids, texts):
        review_log.update(flag_id, "chair", status="answered", response=text, impact=text)


def as_read_back(text: str) -> str:
    """A text as compared after a round trip through a workbook: XML keeps a carriage return
    as a line feed unless it is escaped, which openpyxl does or not depending on whether lxml
    is installed. Both are the text as typed."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


def log_files(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.glob("review_log.sqlite*"))}


def sheet_xml(workbook: Path | bytes) -> str:
    source = io.BytesIO(workbook) if isinstance(workbook, bytes) else workbook
    with zipfile.ZipFile(source) as book:
        return "".join(
            book.read(n).decode() for n in book.namelist() if n.startswith("xl/worksheets/")
        )


# --- Excel and CSV: formula injection ----------------------------------------------------------


def test_a_formula_in_a_response_stays_text_in_the_exported_workbook(refreshed, tmp_path):
    texts = [t for pair in FORMULAS for t in pair]
    record(published_flag_ids(refreshed), texts)
    assert main(["flags", "export", "--out", str(tmp_path / "q")]) == 0
    workbook = tmp_path / "q.xlsx"
    assert "<f>" not in sheet_xml(workbook)  # no formula anywhere in the workbook
    cells = {
        as_read_back(c.value): c
        for row in load_workbook(workbook).active.iter_rows(min_row=2)
        for c in row[1:]
        if isinstance(c.value, str)
    }
    for attack, harmless in FORMULAS:
        attack, harmless = as_read_back(attack), as_read_back(harmless)
        for text in (attack, harmless):  # exactly as typed, stored as text
            assert cells[text].data_type == "s", repr(text)
        assert cells[attack].quotePrefix, repr(attack)  # stays text when edited in Excel
        assert not cells[harmless].quotePrefix, repr(harmless)


def test_the_dashboard_download_of_the_report_table_is_the_same_safe_workbook(refreshed):
    from dashboard import data

    attack, harmless = FORMULAS[0]
    record(published_flag_ids(refreshed), [attack, harmless])
    _, excel = data.report_table_files("E06000046")
    assert "<f>" not in sheet_xml(excel)
    values = [
        c
        for row in load_workbook(io.BytesIO(excel)).active.iter_rows(values_only=True)
        for c in row
    ]
    assert attack in values and harmless in values


@pytest.mark.parametrize("attack,harmless", FORMULAS)
def test_a_formula_in_a_table_is_marked_as_text_in_csv_and_kept_as_text_in_excel(attack, harmless):
    table = pd.DataFrame(
        {"Quarter": ["2024-25 Q1", "2024-25 Q2"], "Figure": [36, -3.5], "Note": [attack, harmless]}
    )
    rows = list(csv.reader(io.StringIO(frame_to_csv(table).decode("utf-8"), newline="")))
    assert len(rows) == 3  # a carriage return inside a text never starts a row of its own
    assert rows[1] == ["2024-25 Q1", "36.0", "'" + attack]  # spreadsheets read ' as "text"
    assert rows[2] == ["2024-25 Q2", "-3.5", harmless]  # numbers and plain text untouched
    excel = frames_to_excel({"Quarters": table})
    assert "<f>" not in sheet_xml(excel)
    sheet = load_workbook(io.BytesIO(excel))["Quarters"]
    assert [as_read_back(c.value) for c in sheet["C"]] == [
        "Note",
        as_read_back(attack),
        as_read_back(harmless),
    ]
    assert [c.value for c in sheet["B"]] == ["Figure", 36, -3.5]
    assert sheet["C2"].quotePrefix and not sheet["C3"].quotePrefix


def test_plain_tables_download_as_pandas_would_write_them(published_marts):
    """Containing formulas changes nothing for ordinary figures: the explorer's CSV of real
    marts is byte for byte what pandas writes (with the CRLF rows of RFC 4180)."""
    quarterly = pd.read_parquet(published_marts / "indicator_quarterly.parquet")
    assert frame_to_csv(quarterly) == quarterly.to_csv(index=False, lineterminator="\r\n").encode(
        "utf-8"
    )


@pytest.fixture
def published_marts(sample_refreshed) -> Path:
    return sample_refreshed / "marts"


# --- Markdown: HTML, links and images ----------------------------------------------------------


def rendered_cells(markdown: str) -> list[str]:
    """The yearly-report table as a Markdown viewer shows it: the HTML of each body cell."""
    page = mistune.create_markdown(escape=False, plugins=["table"])(markdown)
    return re.findall(r"<td>(.*?)</td>", page, flags=re.DOTALL)


def shown_text(cell_html: str) -> str:
    """What a reader sees in a cell: the text, line breaks as newlines."""
    return html.unescape(cell_html.replace("<br>", "\n"))


def test_html_links_and_images_in_a_response_are_shown_as_typed_never_run(refreshed, tmp_path):
    texts = [t for pair in MARKDOWN for t in pair]
    record(published_flag_ids(refreshed), texts)
    assert main(["flags", "export", "--out", str(tmp_path / "q")]) == 0
    cells = rendered_cells((tmp_path / "q.md").read_text(encoding="utf-8"))
    tags = {t for c in cells for t in re.findall(r"<\s*([a-zA-Z]+)", c)}
    assert tags <= {"br"}, tags  # no script, img, a or any emphasis: only our line breaks
    seen = {shown_text(c) for c in cells}
    for attack, harmless in MARKDOWN:
        assert attack in seen and harmless in seen, (attack, harmless)


# --- A review log someone else holds -----------------------------------------------------------


@pytest.fixture
def quick_busy(monkeypatch):
    """Give up on a held review log after a fraction of a second, not 30."""
    monkeypatch.setattr(review_log, "WAIT_SECONDS", 0.3)


def hold_the_review_log() -> sqlite3.Connection:
    """Another writer in the middle of a change (as a refresh recording flags would be)."""
    other = sqlite3.connect(review_log.log_path(), isolation_level=None)
    other.execute("begin immediate")
    return other


def test_recording_while_the_log_is_held_is_busy_and_changes_nothing(refreshed, quick_busy, capsys):
    flag_id = published_flag_ids(refreshed)[0]
    before = log_files(refreshed)
    other = hold_the_review_log()
    code = main(["flags", "update", flag_id, "--response", "Our answer", "--by", "chair"])
    other.execute("rollback")
    other.close()
    err = capsys.readouterr().err
    assert code == 3
    assert err.startswith("Busy, not saved: the review log") and "try again" in err
    assert "Traceback" not in err and str(refreshed) not in err
    assert log_files(refreshed) == before
    # the nearest harmless variant: nobody holds it, the same command records
    assert main(["flags", "update", flag_id, "--response", "Our answer", "--by", "chair"]) == 0
    assert review_log.history(flag_id)[-1]["response"] == "Our answer"


def test_exporting_while_the_log_is_held_still_works(refreshed, quick_busy, tmp_path):
    """Reading never waits for a writer: the report table can be made during a change."""
    other = hold_the_review_log()
    try:
        assert main(["flags", "export", "--out", str(tmp_path / "q")]) == 0
    finally:
        other.execute("rollback")
        other.close()
    assert (tmp_path / "q.xlsx").exists()


def test_export_to_a_folder_that_is_not_there_says_so(refreshed, tmp_path, capsys):
    assert main(["flags", "export", "--out", str(tmp_path / "nowhere" / "q")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("Cannot write the table to") and "nowhere" in err
    assert "Traceback" not in err
    assert main(["flags", "export", "--out", str(tmp_path / "q")]) == 0
