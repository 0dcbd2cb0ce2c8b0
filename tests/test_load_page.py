"""The Load page's validation report as an analyst meets it: every problem of a file in one
pass, counted ("7 errors, 2 queries"), listed, and downloadable in full as a CSV file whose typed
text is never a formula and which repeats no child's details."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pytest
from streamlit import config as streamlit_config
from streamlit.testing.v1 import AppTest

from pipeline.core.paths import PROJECT_ROOT
from tests.conftest import write_csv

APP = str(PROJECT_ROOT / "dashboard" / "app.py")
SEVEN_PROBLEMS = PROJECT_ROOT / "tests" / "fixtures" / "returns" / "seven_problems.csv"
CHILD = ("Jaden", "Smith", "14/02/2016")
REPORT = "Download the validation report (CSV)"


@pytest.fixture(autouse=True)
def served_to_this_machine():
    """Local mode (no sign-in) serves only this machine, as `make run` does."""
    before = streamlit_config.get_option("server.address")
    streamlit_config.set_option("server.address", "127.0.0.1")
    yield
    streamlit_config.set_option("server.address", before)


def uploaded(name: str, content: bytes) -> AppTest:
    """The Load page after an analyst uploads `content` as `name` (nothing published yet)."""
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    at.switch_page("views/load.py").run()
    at.file_uploader[0].set_value((name, content, "text/csv")).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def shown_text(at: AppTest) -> str:
    parts = [m.value for m in at.markdown] + [c.value for c in at.caption]
    parts += [e.value for kind in (at.success, at.info, at.warning, at.error) for e in kind]
    parts += [d.value.to_string() for d in at.dataframe]
    return "\n".join(str(p) for p in parts)


def report_rows(content: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(content.decode("utf-8-sig"))))


def test_seven_problems_are_counted_listed_and_downloadable(downloads) -> None:
    at = uploaded("seven_problems.csv", SEVEN_PROBLEMS.read_bytes())
    assert any(m.value.startswith("**7 errors, 2 queries.**") for m in at.markdown)
    listed = next(d.value for d in at.dataframe if "Where" in d.value.columns)
    assert list(listed["Rule"]) == [
        "E05", "E06", "E09", "E10", "E15", "E16", "E22", "Q01", "Q01"
    ]  # fmt: skip
    assert list(listed["Kind"]) == ["Error"] * 7 + ["Query"] * 2
    assert any("is refused: nothing was loaded" in e.value for e in at.error)
    assert not any(b.label == "Load this return" for b in at.button)
    rows = report_rows(downloads["seven_problems-validation.csv"])
    assert [r["Rule"] for r in rows] == list(listed["Rule"])
    words = shown_text(at) + downloads["seven_problems-validation.csv"].decode()
    for secret in CHILD:
        assert secret not in words, secret
    assert not re.search(r"\b(nan|None|NaT)\b", words)


def test_the_download_lists_every_finding_when_the_screen_lists_a_hundred(
    tmp_path: Path, downloads
) -> None:
    rows = [["E06000046", "2024-25 Q3", f"no_such_indicator_{n}", n, "", ""] for n in range(150)]
    content = write_csv(tmp_path / "many.csv", rows).read_bytes()
    at = uploaded("many.csv", content)
    assert any(m.value.startswith("**150 errors, 0 queries.**") for m in at.markdown)
    listed = next(d.value for d in at.dataframe if "Where" in d.value.columns)
    assert len(listed) == 101  # a hundred, then one line counting the rest
    assert any("the download has all of them" in c.value for c in at.caption)
    assert len(report_rows(downloads["many-validation.csv"])) == 150


def test_typed_text_in_the_report_is_never_a_formula(tmp_path: Path, downloads) -> None:
    """A file's name is typed by its sender and starts each 'Where' cell: in the CSV it is
    marked as text, so a spreadsheet never runs it."""
    rows = [["E06000046", "2024-25 Q3", "families_in_bed_and_breakfast", "forty", "", ""]]
    content = write_csv(tmp_path / "bad.csv", rows).read_bytes()
    name = "=HYPERLINK(1).csv"
    uploaded(name, content)
    (row,) = report_rows(downloads["=HYPERLINK(1)-validation.csv"])
    assert row["Where"].startswith("'=HYPERLINK(1).csv, row 2")
    assert row["Rule"] == "E15"
