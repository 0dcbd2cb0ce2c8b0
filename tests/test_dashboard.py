"""The dashboard with Streamlit's AppTest, on the published sample marts: every page for every
role renders, shows the right figures, hides what a role may not see, uploads a good and a
bad return, and records a response that survives a refresh; a busy review log keeps what was
typed, local mode is refused beyond this machine, and error details stay off the page."""

from __future__ import annotations

import re
import tomllib
from datetime import date

import pytest
from streamlit import config as streamlit_config
from streamlit.testing.v1 import AppTest

from dashboard import charts
from pipeline.core.paths import PROJECT_ROOT
from pipeline.flags import review_log
from pipeline.publish.refresh import refresh
from tests.conftest import (
    DASHBOARD_PAGES,
    EIGHT_PROBLEMS,
    POSTCODE,
    SAMPLE_DIR,
    TODAY,
    published_flags,
    write_csv,
)

APP = str(PROJECT_ROOT / "dashboard" / "app.py")
PAGES = DASHBOARD_PAGES  # address on the dashboard -> its heading
SEES = {
    "analyst": {"overview", "explorer", "returns", "load", "definitions", "commentary"},
    "pqa": {
        "overview", "explorer", "questions", "matters", "report", "returns", "definitions",
        "commentary",
    },
    "executive": {
        "overview", "explorer", "questions", "matters", "report", "definitions", "commentary"
    },
    "lead": {"commentary"},  # an agency's lead, of the police (the roles file below)
}  # fmt: skip
AUTH = {
    "auth": {
        "redirect_uri": "http://localhost:8501/oauth2callback",
        "cookie_secret": "a test secret",
        "client_id": "pqa",
        "client_secret": "a test secret",
        "server_metadata_url": "https://id.example.org/.well-known/openid-configuration",
    }
}


@pytest.fixture(autouse=True)
def served_to_this_machine(monkeypatch):
    """Serve as `make run` does (127.0.0.1), whatever folder the tests start in; tests of
    other addresses change it. Local mode refuses anything but loopback without the override."""
    monkeypatch.delenv("PQA_ALLOW_LOCAL_MODE_ON_NETWORK", raising=False)
    before = streamlit_config.get_option("server.address")
    streamlit_config.set_option("server.address", "127.0.0.1")
    yield
    streamlit_config.set_option("server.address", before)


@pytest.fixture
def published(sample_refreshed, monkeypatch):
    """The dashboard reading the shared refreshed sample (tests that only look)."""
    monkeypatch.setenv("PQA_DATA_DIR", str(sample_refreshed))
    return sample_refreshed


def app(role: str | None = None, roles_file=None) -> AppTest:
    """The app in local mode, or signed in with `role` through a configured provider."""
    at = AppTest.from_file(APP, default_timeout=60)
    if role:
        at.secrets.update(AUTH)
        at.user = {"is_logged_in": True, "email": f"{role}@iow.example", "name": f"A {role}"}
    return at


@pytest.fixture
def roles_file(tmp_path, monkeypatch):
    path = tmp_path / "roles.toml"
    path.write_text(
        '[people]\n"analyst@iow.example" = "analyst"\n"pqa@iow.example" = "pqa"\n'
        '"executive@iow.example" = ["executive"]\n'
        '[agency_leads]\n"lead@iow.example" = "police"\n'
    )
    monkeypatch.setenv("PQA_ROLES_FILE", str(path))
    return path


def open_page(at: AppTest, page: str) -> AppTest:
    at.run()
    if page != "overview":
        at.switch_page(f"views/{page}.py").run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def widget(widgets, label: str):
    return next(w for w in widgets if w.label == label)


def texts(at: AppTest) -> str:
    parts = [m.value for m in at.markdown] + [c.value for c in at.caption]
    parts += [e.value for kind in (at.success, at.info, at.warning, at.error) for e in kind]
    return "\n".join(str(p) for p in parts)


@pytest.mark.parametrize("page", sorted(PAGES))
def test_every_page_renders_in_local_mode(published, page):
    at = open_page(app(), page)
    assert at.title[0].value == PAGES[page]


def test_local_mode_is_clearly_labelled(published):
    at = app()
    at.run()
    assert "Local mode: no sign-in is set up, so you have every role" in at.sidebar.info[0].value


@pytest.mark.parametrize("role", sorted(SEES))
def test_each_role_sees_only_its_pages(published, roles_file, role):
    at = app(role)
    at.run()
    assert f"Signed in as A {role}" in at.sidebar.caption[0].value
    for page in sorted(SEES[role]):
        at = open_page(app(role), page)
        assert at.title[0].value == PAGES[page], (role, page)
    for page in sorted(set(PAGES) - SEES[role]):  # not even registered in the navigation
        at = app(role)
        at.run()
        with pytest.raises(ValueError, match="Could not find a navigation page"):
            at.switch_page(f"views/{page}.py")


def test_sign_in_is_required_when_a_provider_is_configured(published):
    at = app()
    at.secrets.update(AUTH)
    at.user = {"is_logged_in": False}
    at.run()
    assert at.button[0].label == "Sign in"
    assert not at.metric and not at.dataframe


def test_a_person_without_a_role_sees_no_figures(published, roles_file):
    at = AppTest.from_file(APP, default_timeout=60)
    at.secrets.update(AUTH)
    at.user = {"is_logged_in": True, "email": "stranger@example.org", "name": "A stranger"}
    at.run()
    assert "no role has been given to you" in at.warning[0].value
    assert not at.metric and not at.dataframe


def test_the_first_screen_says_what_a_chair_needs(published):
    at = open_page(app(), "overview")
    headers = [h.value for h in at.header]
    # one question per story, historic ones apart: 5 from the latest four quarters and the
    # mental-health waits of 2024-25 Q2 and Q3, kept current by a newer question on that figure
    assert headers[:2] == ["This quarter", "Questions waiting for an answer (7 about this year)"]
    paragraph = at.markdown[0].value if "In 2026-27 Q2" in at.markdown[0].value else texts(at)
    # severe absence, the latest quarter's only concern the engine flags
    assert (
        "In 2026-27 Q2, the latest quarter with figures, 1 figure moved the wrong way by more "
        "than usual variation explains (pupils missing 50% or more of sessions)"
    ) in paragraph
    assert "7 questions about this year are waiting for an answer" in paragraph
    assert "7 of 7 returns for 2026-27 Q2 are in, none late." in paragraph
    assert "Data up to 2026-27 Q2" in texts(at) and "The last refresh succeeded" in texts(at)
    waiting = at.dataframe[0].value
    assert len(waiting) == 5 and set(waiting["Kind"]) <= {
        "Concerns", "Improvements", "Changes where neither direction is better",
        "Questions about the data",
    }  # fmt: skip
    # the first 5 in the published order; 2024-25 only for the mental-health waits
    assert set(waiting["Quarter"]) == {"2026-27 Q2", "2025-26 Q3", "2024-25 Q3", "2024-25 Q2"}
    assert all("mental health" in q.lower() for q in
               waiting.loc[waiting["Quarter"].str.startswith("2024-25"), "Question"])  # fmt: skip
    by_age = at.dataframe[1].value
    open_questions = [
        f for f in published_flags(published)
        if f["indicated"] and f["status"] in ("open", "response requested")
        and f["story_lead"] and not f["historic"]
    ]  # fmt: skip
    # answered, historic and a story's other members are not counted
    assert by_age["All"].sum() == len(open_questions) == 7
    # every tile has its full name above it, grouped by the partnership's priorities
    names = {m.value.strip("*") for m in at.markdown}
    assert "Referrals within 12 months of a previous referral" in names
    families = next(m for m in at.metric if m.label.startswith("Families with children"))
    assert families.value == "27"
    assert "worse" not in families.delta and "better" in families.delta  # 27 against 35
    # Making Data Count's variation, as a coloured mark with its words, on tiles and in lists
    assert any(":orange-badge[🟠 Special cause: concern]" in m.value for m in at.markdown)
    assert all(v.split(" ")[0] in "🟠🔵🟣⚪" for v in waiting["Latest variation"].dropna())
    summary_table = next(d.value for d in at.dataframe if "Variation" in d.value.columns)
    assert set(summary_table["Variation"]) <= {f"{charts.VARIATION_MARKS[k]} {k}" for k in
                                               charts.VARIATION_MARKS}  # fmt: skip
    assert "Front door" in [s.value for s in at.subheader]


def test_the_explorer_shows_a_chart_a_table_and_downloads(published):
    at = open_page(app(), "explorer")
    at.radio[0].set_value("Search").run()
    at.text_input[0].set_value("bed and breakfast").run()
    indicator = next(s for s in at.selectbox if s.label == "Indicator")
    # the engine asks about the children's count in bed and breakfast, not the families'
    indicator.set_value("children_in_bed_and_breakfast").run()
    assert not at.exception
    table = at.dataframe[0].value
    assert table.loc[table["Quarter"] == "2024-25 Q3", "Figure"].item() == 77
    words = texts(at)
    assert "Quarters with a flagged question (triangles): 2024-25 Q3" in words
    assert "shaded usual range" in words
    assert {b.label for b in at.get("download_button")} >= {"Download as CSV", "Download as Excel"}


def test_an_executive_records_a_response_that_survives_a_refresh(refreshed, roles_file):
    at = open_page(app("executive"), "questions")
    flag_id = widget(at.selectbox, "Look at one question").value
    widget(at.selectbox, "Status").set_value("response requested")
    at.text_input[0].set_value("Head of housing")
    at.text_area[0].set_value("More evictions this winter.")
    at.button[0].click().run()
    assert not at.exception and "Recorded." in texts(at)
    assert refresh(today=TODAY).outcome == "succeeded"
    published = {f["flag_id"]: f for f in published_flags(refreshed)}
    assert published[flag_id]["response"] == "More evictions this winter."
    assert published[flag_id]["status"] == "response requested"
    assert review_log.history(flag_id)[-1]["changed_by"] == "A executive"


def test_a_pqa_member_sees_questions_but_cannot_record(published, roles_file):
    at = open_page(app("pqa"), "questions")
    assert not at.text_area and not any(b.label == "Record" for b in at.button)


def test_a_good_return_loads_only_on_confirmation(refreshed):
    at = open_page(app(), "load")
    # the same figures from a neighbouring area, Portsmouth, which has sent nothing yet
    good = (
        (SAMPLE_DIR / "housing_E06000046_2024-25_Q3.csv")
        .read_bytes()
        .replace(b"E06000046", b"E06000044")
    )
    at.file_uploader[0].set_value(("housing_portsmouth.csv", good, "text/csv")).run()
    assert not at.exception
    assert "are ready to load" in texts(at)
    assert _submissions(refreshed) == 154
    next(b for b in at.button if b.label == "Load this return").click().run()
    assert "Loaded 2 figure(s) as submission" in texts(at)
    assert _submissions(refreshed) == 155


def test_a_bad_return_is_refused_with_its_errors_and_changes_nothing(refreshed, tmp_path):
    at = open_page(app(), "load")
    bad = write_csv(
        tmp_path / "bad.csv",
        [["E06000046", "2026-27 Q2", "families_in_bed_and_breakfast", -3, "", ""]],
    )
    at.file_uploader[0].set_value(("bad.csv", bad.read_bytes(), "text/csv")).run()
    assert not at.exception
    assert any("is refused: nothing was loaded" in e.value for e in at.error)
    listed = next(d.value for d in at.dataframe if "Where" in d.value.columns)
    assert any("row 2" in where for where in listed["Where"])
    assert not any(b.label == "Load this return" for b in at.button)
    assert _submissions(refreshed) == 154


def test_the_load_preview_shows_the_figures_against_the_quarter_before(refreshed):
    at = open_page(app(), "load")
    # a correction of the Isle of Wight's housing return for 2024-25 Q3
    corrected = (
        (SAMPLE_DIR / "housing_E06000046_2024-25_Q3.csv")
        .read_bytes()
        .replace(b"families_in_bed_and_breakfast,41", b"families_in_bed_and_breakfast,410")
    )
    at.file_uploader[0].set_value(("housing_correction.csv", corrected, "text/csv")).run()
    assert not at.exception
    preview = next(d.value for d in at.dataframe if "This return" in d.value.columns)
    families = preview.set_index("Indicator").loc[
        "Families with children living in bed and breakfast"
    ]
    assert families["This return"] == "410"  # ten times the quarter before stands out
    assert families["Published for the quarter before"] == "36"
    assert families["Change"] == "+374.0"
    assert "appear on the other pages after the next refresh" in texts(at)
    assert any(b.label == "Start a refresh now" for b in at.button)
    assert _submissions(refreshed) == 154  # nothing loaded until confirmed


def test_every_problem_in_a_return_is_counted_and_listed(refreshed, tmp_path):
    at = open_page(app(), "load")
    bad = write_csv(
        tmp_path / "bad.csv",
        [
            ["E06000046", "2026-27 Q2", "families_in_bed_and_breakfast", -3, "", ""],
            ["E06000046", "2026-27 Q2", "children_in_bed_and_breakfast", -5, "", ""],
        ],
    )
    at.file_uploader[0].set_value(("bad.csv", bad.read_bytes(), "text/csv")).run()
    assert not at.exception
    summary = next(m.value for m in at.markdown if " error" in m.value and "quer" in m.value)
    listed = next(d.value for d in at.dataframe if "Where" in d.value.columns)
    errors = (listed["Kind"] == "Error").sum()
    assert errors >= 2 and summary.startswith(f"**{errors} errors, ")
    for row in ("row 2,", "row 3,"):  # both rows' problems, in one pass
        assert any(row in where for where in listed["Where"]), row
    assert any(b.label == "Download the validation report (CSV)" for b in at.get("download_button"))


def test_a_return_with_child_level_data_still_gets_every_problem(refreshed):
    """One pass on the Load page: a postcode in a note no longer hides the other problems, and
    the page never shows the postcode."""
    at = open_page(app(), "load")
    content = EIGHT_PROBLEMS.encode()
    at.file_uploader[0].set_value(("housing.csv", content, "text/csv")).run()
    assert not at.exception
    assert any(m.value.startswith("**8 errors, 0 queries.**") for m in at.markdown)
    listed = next(d.value for d in at.dataframe if "Where" in d.value.columns)
    assert list(listed["Rule"]) == ["E05", "E06", "E16", "E09", "E10", "E12", "E17", "E13"]
    assert POSTCODE not in texts(at) and POSTCODE not in listed.to_string()


def _submissions(folder) -> int:
    """Returns that count (the housing correction replaced one of the 155 sample files)."""
    import duckdb

    with duckdb.connect(str(folder / "warehouse.duckdb"), read_only=True) as con:
        return con.sql(
            "select count(*) from raw.submissions where submission_id not in "
            "(select supersedes from raw.submissions where supersedes is not null)"
        ).fetchall()[0][0]


def test_returns_page_shows_the_grid_queries_and_checks(published):
    at = open_page(app(), "returns")
    words = texts(at)
    assert "Every return due has come in on time." in words
    assert "154 received" in words
    frames = [d.value for d in at.dataframe]
    assert any("Q02" in set(f.get("Rule", [])) for f in frames)
    assert any("What is checked" in f.columns for f in frames)


def test_definitions_write_out_the_acronyms(published):
    at = open_page(app(), "definitions")
    glossary = at.dataframe[1].value
    meanings = dict(zip(glossary["Acronym"], glossary["In full"]))
    assert meanings["CAMHS"] == "Child and Adolescent Mental Health Service"
    assert meanings["LAC"].endswith("children in care")


def test_a_response_saved_meanwhile_by_someone_else_is_not_overwritten(refreshed, roles_file):
    at = open_page(app("executive"), "questions")
    flag_id = widget(at.selectbox, "Look at one question").value
    review_log.update(flag_id, "another member", response="Their answer, saved first.")
    widget(at.text_area, "Response").set_value("My answer, typed meanwhile.")
    at.button[0].click().run()
    clash = next(e.value for e in at.error if e.value.startswith("Not saved"))
    assert "another member changed this question at" in clash and "(UTC)" in clash
    assert "changed by you" not in clash and flag_id not in clash  # a name, not a hash
    theirs, yours = (t.value for t in at.table[:2])
    assert theirs.loc["Response", "Their version"] == "Their answer, saved first."
    assert yours.loc["Response", "Yours"] == "My answer, typed meanwhile."
    assert widget(at.text_area, "Response").value == "My answer, typed meanwhile."  # kept
    row = next(f for f in review_log.flags() if f["flag_id"] == flag_id)
    assert row["response"] == "Their answer, saved first." and row["version"] == 2
    at.button[0].click().run()  # having seen theirs, saving again records yours
    assert "Recorded." in texts(at)
    row = next(f for f in review_log.flags() if f["flag_id"] == flag_id)
    assert row["response"] == "My answer, typed meanwhile." and row["version"] == 3


def test_the_questions_are_sorted_for_a_chair(published):
    at = open_page(app(), "questions")
    headers = [h.value for h in at.header]
    assert headers[0].startswith("Concerns (") and headers[1].startswith("Improvements (")
    concerns = at.dataframe[0].value
    assert list(concerns.columns) == [
        "Question", "Quarter", "Open for", "Agency asked", "Status", "Owner"
    ]  # fmt: skip
    # current questions are about the last four quarters; older ones are kept apart
    earlier = next(e for e in at.expander if e.label.startswith("Earlier quarters ("))
    old = earlier.dataframe[0].value
    # the historic story leads (the mental-health open cases of 2024-25 Q2 are not a question
    # of their own: they are in the waiting times' story)
    assert len(old) == 19 and all(q < "2025-26 Q3" for q in old["Quarter"])
    assert earlier.label == "Earlier quarters (19)"
    current = [d.value for d in at.dataframe if "Open for" in d.value.columns]
    current = [frame for frame in current if not frame.equals(old)]
    quarters = sorted(q for frame in current for q in frame["Quarter"])
    # the latest four quarters, and older questions with a newer one about the same figure
    # (mental-health waits, 2024-25 Q2 and Q3), which the engine keeps out of the historic
    assert len(quarters) == 7 and [q for q in quarters if q < "2025-26 Q3"] == [
        "2024-25 Q2", "2024-25 Q3"
    ]  # fmt: skip
    words = texts(at)
    assert "about 1 in" in words or "Raised because of" in words
    for raw in ("xmr", "p_value", "limits", '"baseline"', "nan", "None"):
        assert raw not in words, raw


def test_the_form_never_shows_or_saves_nan(refreshed, roles_file):
    at = open_page(app("executive"), "questions")
    flag_id = widget(at.selectbox, "Look at one question").value
    assert widget(at.text_input, "Owner").value == ""
    assert widget(at.text_area, "Response").value == ""
    assert widget(at.text_area, "Impact").value == ""
    at.button[0].click().run()
    row = next(f for f in review_log.flags() if f["flag_id"] == flag_id)
    assert row["owner"] in ("", None) and row["impact"] in ("", None)


def test_an_owner_or_response_can_be_cleared(refreshed, roles_file):
    at = open_page(app("executive"), "questions")
    flag_id = widget(at.selectbox, "Look at one question").value
    widget(at.text_input, "Owner").set_value("Someone")
    at.button[0].click().run()
    widget(at.text_input, "Owner").set_value("")
    at.button[0].click().run()
    assert "Recorded." in texts(at)
    row = next(f for f in review_log.flags() if f["flag_id"] == flag_id)
    assert not row["owner"] and row["version"] == 3


# --- Hardening: busy review log, local mode beyond this machine, sign-in, error details -------


def test_a_busy_review_log_keeps_the_typed_text_and_changes_nothing(
    refreshed, roles_file, monkeypatch
):
    import sqlite3

    monkeypatch.setattr(review_log, "WAIT_SECONDS", 0.3)  # give up in a moment, not 30 s
    at = open_page(app("executive"), "questions")
    flag_id = widget(at.selectbox, "Look at one question").value
    before = {p.name: p.read_bytes() for p in refreshed.glob("review_log.sqlite*")}
    other = sqlite3.connect(review_log.log_path(), isolation_level=None)
    other.execute("begin immediate")  # someone else in the middle of a change
    widget(at.text_area, "Response").set_value("Typed while the log was busy.")
    at.button[0].click().run()
    other.execute("rollback")
    other.close()
    assert not at.exception
    assert any(w.value.startswith("Busy, not saved") and "try again" in w.value for w in at.warning)
    assert widget(at.text_area, "Response").value == "Typed while the log was busy."
    assert {p.name: p.read_bytes() for p in refreshed.glob("review_log.sqlite*")} == before
    # the nearest harmless variant: the log is free again, the same press records the text
    at.button[0].click().run()
    assert "Recorded." in texts(at)
    row = next(f for f in review_log.flags() if f["flag_id"] == flag_id)
    assert row["response"] == "Typed while the log was busy." and row["version"] == 2


@pytest.mark.parametrize(
    "address,served",
    [
        ("0.0.0.0", False),
        (None, False),
        ("192.168.1.20", False),
        ("::", False),
        ("dashboard.example.org", False),
        ("127.0.0.1", True),
        ("127.0.1.1", True),
        ("::1", True),
        ("localhost", True),
    ],
)
def test_local_mode_is_served_to_this_machine_only(published, address, served):
    streamlit_config.set_option("server.address", address)
    at = app()
    at.run()
    assert not at.exception
    if served:
        assert "Local mode" in at.sidebar.info[0].value
        assert at.metric  # the overview's figures
    else:
        refusal = at.error[0].value
        assert refusal.startswith("The dashboard is not shown")
        assert "PQA_ALLOW_LOCAL_MODE_ON_NETWORK=1" in refusal and "127.0.0.1" in refusal
        assert not at.metric and not at.dataframe and not at.sidebar.info


def test_local_mode_on_the_network_needs_the_explicit_override(published, monkeypatch):
    streamlit_config.set_option("server.address", "0.0.0.0")
    monkeypatch.setenv("PQA_ALLOW_LOCAL_MODE_ON_NETWORK", "yes")  # not the documented "1"
    at = app()
    at.run()
    assert at.error and not at.metric
    monkeypatch.setenv("PQA_ALLOW_LOCAL_MODE_ON_NETWORK", "1")
    at = app()
    at.run()
    assert "Local mode" in at.sidebar.info[0].value and at.metric


def test_sign_in_on_the_network_is_not_refused(published, roles_file):
    """With sign-in set up, serving beyond this machine is the point: nothing is refused."""
    streamlit_config.set_option("server.address", "0.0.0.0")
    at = app()
    at.secrets.update(AUTH)
    at.user = {"is_logged_in": False}
    at.run()
    assert not at.error and at.button[0].label == "Sign in"
    at = app("pqa")
    at.run()
    assert not at.error and at.metric


def test_the_shipped_settings_keep_error_details_off_the_page():
    """Streamlit reads .streamlit/config.toml from the folder `make run` starts in."""
    import subprocess
    import sys

    shown = subprocess.run(
        [sys.executable, "-m", "streamlit", "config", "show"],
        check=True,
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    ).stdout
    settings = dict(re.findall(r"^(\w+) = (.+)$", shown, flags=re.MULTILINE))
    assert settings["showErrorDetails"] == '"none"'
    assert settings["toolbarMode"] == '"viewer"'
    assert settings["maxUploadSize"] == "10"
    assert settings["gatherUsageStats"] == "false"
    assert settings["address"] == '"127.0.0.1"'


@pytest.mark.parametrize("setting,details_shown", [("none", False), ("full", True)])
def test_an_unexpected_error_shows_no_traceback_or_server_path(setting, details_shown):
    """With the shipped setting ("none") the page says only that something went wrong; the
    nearest variant, Streamlit's default ("full"), shows the server's path and traceback."""
    shipped = tomllib.loads((PROJECT_ROOT / ".streamlit" / "config.toml").read_text())
    assert shipped["client"]["showErrorDetails"] == "none"
    before = streamlit_config.get_option("client.showErrorDetails")
    streamlit_config.set_option("client.showErrorDetails", setting)
    try:
        at = AppTest.from_string("raise OSError('cannot read /srv/pqa/data/secret.parquet')")
        at.run()
    finally:
        streamlit_config.set_option("client.showErrorDetails", before)
    shown = " ".join([at.exception[0].message, *at.exception[0].stack_trace])
    assert ("/srv/pqa/data" in shown) is details_shown
    assert ("Traceback" in shown or "line 1" in shown) is details_shown


def test_the_paragraph_names_the_worst_published_rankings():
    """The most telling published fact (the area last of every authority) is in the words."""
    import pandas as pd

    from dashboard import summary

    figures = pd.DataFrame(
        {
            "label": ["Re-referral rate", "Referrals", "Care leavers in work"],
            "period": ["2026-27 Q2"] * 3,
            "variation": [charts.COMMON] * 3,
            "benchmark": [
                "Ranked 153 of 153 local authorities; 1 is the lowest figure (2024-25)",
                "Ranked 150 of 153 local authorities; neither is better (2024-25)",
                "Ranked 71 of 152 local authorities (2024-25)",
            ],
            "benchmark_worse_than": [1.0, None, 71 / 152],
        }
    )
    questions = pd.DataFrame(columns=["group", "agency_name"])
    words = summary.this_quarter(figures, questions, pd.DataFrame())
    assert "worst quarter of local authorities for re-referral rate (ranked 153 of 153" in words
    assert "referrals (" not in words and "care leavers" not in words  # neutral, or mid-table
    assert "no figure moved by more than usual variation explains" in words


def test_an_analyst_starts_a_refresh_and_sees_it_finish(refreshed):
    """The button runs the real `pqa refresh` in its own process; the page shows it running,
    then that it published."""
    import json
    import time

    from pipeline.core import paths

    before = json.loads(paths.last_refresh_path().read_text(encoding="utf-8"))["run_id"]
    at = open_page(app(), "load")
    next(b for b in at.button if b.label == "Start a refresh now").click().run()
    assert not at.exception
    deadline = time.monotonic() + 300  # a limit on waiting, not a measure of speed
    while not any("The refresh finished" in s.value for s in at.success):
        assert time.monotonic() < deadline, texts(at)
        time.sleep(2)
        at.run()
        assert not at.exception and not at.error, [e.value for e in at.error]
    after = json.loads(paths.last_refresh_path().read_text(encoding="utf-8"))
    assert after["run_id"] != before and after["outcome"] == "succeeded"


# --- The six-monthly report, agency commentary and the questions and matters log ------------


def no_nan_or_none(at: AppTest) -> None:
    words = texts(at)
    frames = [d.value for d in at.dataframe] + [t.value for t in at.table]
    for frame in frames:
        frame = getattr(frame, "data", frame)  # a Styler's frame
        words += "\n" + frame.astype(str).to_string()
    assert not re.search(r"\b(nan|None|NaT)\b", words), words


def test_the_report_is_built_only_on_the_button_in_either_version(published, downloads):
    import io

    from docx import Document

    at = open_page(app(), "report")
    period = widget(at.selectbox, "Last quarter of the six months")
    assert period.value == "2026-27 Q2"  # the latest ended quarter
    # nothing is built on the first render (the overview, opened first, offers its own table)
    assert not at.get("download_button") and not any(n.startswith("pqa-report") for n in downloads)
    widget(at.button, "Build the report").click().run()
    assert not at.exception
    built = next(s.value for s in at.success)
    assert re.match(r"Built the partnership version .* 2026-27 Q2 in \d+\.\d seconds\.", built)
    labels = {b.proto.label for b in at.get("download_button")}
    assert labels == {
        "Download the partnership version (Word)",
        "Download the partnership version (web page)",
    }
    word = downloads["pqa-report-2026-27-Q2-partnership.docx"]
    document = Document(io.BytesIO(word))  # Word reads it back
    assert any("Six-monthly data report" in p.text for p in document.paragraphs)
    assert b"Partnership version" in downloads["pqa-report-2026-27-Q2-partnership.html"]
    assert "withheld" not in texts(at)
    no_nan_or_none(at)

    widget(at.radio, "Version").set_value("Public version").run()
    widget(at.button, "Build the report").click().run()
    words = texts(at)
    assert "What the public version withheld" in words
    assert re.search(r'\d+ count\(s\) from 1 to 4 shown as "fewer than 5"', words)
    assert re.search(r"\d+ figure\(s\) hidden so that a total cannot reveal", words)
    assert {b.proto.label for b in at.get("download_button")} == {
        "Download the public version (Word)",
        "Download the public version (web page)",
    }
    assert "pqa-report-2026-27-Q2-public.docx" in downloads
    assert b"Public version" in downloads["pqa-report-2026-27-Q2-public.html"]
    no_nan_or_none(at)


def test_a_quarter_that_has_not_ended_cannot_be_chosen(published):
    at = open_page(app(), "report")
    choices = widget(at.selectbox, "Last quarter of the six months").options
    assert "2026-27 Q2" in choices and "2026-27 Q3" not in choices


def test_an_agency_lead_records_their_own_agencys_commentary(refreshed, roles_file):
    from pipeline.report import commentary

    at = open_page(app("lead"), "commentary")
    assert widget(at.selectbox, "Agency").value == "police"  # opens on their own agency
    assert "Police gave no commentary for 2026-27 Q2." in texts(at)
    widget(at.text_area, "Commentary").set_value('=HYPERLINK("x") More missing children.')
    widget(at.button, "Record").click().run()
    assert not at.exception
    assert "Recorded (version 1)" in texts(at)
    shown = at.dataframe[0].value
    assert shown.iloc[0]["About"] == "The whole return"
    assert shown.iloc[0]["Commentary"] == '=HYPERLINK("x") More missing children.'  # as typed
    assert shown.iloc[0]["From"].startswith("A lead, ") and "(version 1)" in shown.iloc[0]["From"]
    (entry,) = commentary.entries().to_dict("records")
    assert (entry["agency"], entry["period"], entry["updated_by"]) == (
        "police", "2026-27 Q2", "A lead"
    )  # fmt: skip
    no_nan_or_none(at)
    # another agency's commentary can be read, never written
    widget(at.selectbox, "Agency").set_value("health").run()
    assert not any(b.label == "Record" for b in at.button) and not at.text_area
    assert "You may add or correct the commentary of Police only" in texts(at)


def test_viewers_read_commentary_but_only_a_lead_writes(refreshed, roles_file):
    from pipeline.report import commentary

    commentary.record("police", "E06000046", "2026-27 Q2", "Fewer arrests.", "A lead", "police")
    at = open_page(app("pqa"), "commentary")
    widget(at.selectbox, "Agency").set_value("police").run()
    assert at.dataframe[0].value.iloc[0]["Commentary"] == "Fewer arrests."
    assert not at.text_area and not any(b.label == "Record" for b in at.button)


def test_a_stale_commentary_change_is_refused_and_keeps_what_was_typed(refreshed, roles_file):
    from pipeline.report import commentary

    at = open_page(app("lead"), "commentary")
    commentary.record(
        "police", "E06000046", "2026-27 Q2", "Their words, saved first.", "another lead", "police"
    )
    widget(at.text_area, "Commentary").set_value("My words, typed meanwhile.")
    widget(at.button, "Record").click().run()
    clash = next(e.value for e in at.error if e.value.startswith("Not saved"))
    assert "another lead changed this commentary at" in clash and "(UTC)" in clash
    theirs, yours = (t.value for t in at.table[:2])
    assert theirs.iloc[0, 0] == "Their words, saved first." and "version 1" in theirs.columns[0]
    assert yours.iloc[0, 0] == "My words, typed meanwhile."
    assert widget(at.text_area, "Commentary").value == "My words, typed meanwhile."  # kept
    assert commentary.entries()["commentary"].tolist() == ["Their words, saved first."]
    widget(at.button, "Record").click().run()  # having seen theirs, saving again records mine
    assert "Recorded (version 2)" in texts(at)
    assert commentary.entries()["commentary"].tolist() == ["My words, typed meanwhile."]


def raise_at_a_meeting(at: AppTest, typed: str = "", flags: int = 0) -> AppTest:
    chooser = widget(
        at.multiselect, "Flagged questions (choose several to group them into one matter)"
    )
    if flags:
        chooser.set_value(chooser.options[:flags])
    next(t for t in at.text_area if t.label.startswith("The matter in your words")).set_value(typed)
    widget(at.button, "Raise the matter").click().run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_the_log_records_meetings_matters_actions_and_exports_a_date_range(
    refreshed, roles_file, downloads
):
    import io

    from openpyxl import load_workbook

    from pipeline.report import meetings

    at = open_page(app("executive"), "matters")
    assert "No meeting is recorded yet" in texts(at)
    widget(at.date_input, "Held on").set_value(date(2026, 10, 14))
    widget(at.selectbox, "Group").set_value("executive group")
    widget(at.text_input, "Title (optional)").set_value("Autumn meeting")
    widget(at.button, "Add the meeting").click().run()
    assert "Added the executive group meeting of 14 October 2026." in texts(at)
    # a matter that is not data, typed by hand; then two flagged questions grouped into one
    raise_at_a_meeting(at, "=1+1 Inspection of children's services: attendance at the panel")
    assert "Raised as matter 1." in texts(at)
    raise_at_a_meeting(at, flags=2)
    assert "Raised as matter 2." in texts(at)
    first, grouped = meetings.matters()
    assert first["flag_ids"] == [] and len(grouped["flag_ids"]) == 2

    widget(at.selectbox, "Look at one matter").set_value(1).run()
    widget(at.selectbox, "Status").set_value("action agreed")
    widget(at.text_input, "Action agreed").set_value("Ask the panel for attendance figures")
    widget(at.text_input, "Action owner").set_value("Head of service")
    widget(at.date_input, "Action due").set_value(date(2026, 12, 1))
    widget(at.text_area, "Impact").set_value("Attendance rose.")
    widget(at.checkbox, "Escalated to the partnership's risk register").check()
    widget(at.button, "Record").click().run()
    assert "Recorded (version 2)" in texts(at)
    matter = next(m for m in meetings.matters() if m["matter_id"] == 1)
    assert (matter["status"], matter["action_owner"], matter["action_due"]) == (
        "action agreed", "Head of service", "2026-12-01"
    )  # fmt: skip
    assert matter["escalated_to_risk_register"] == 1 and matter["updated_by"] == "A executive"
    log = next(d.value for d in at.dataframe if "Response and action" in d.value.columns)
    row = log[log["Matter"] == 1].iloc[0]
    assert row["Response and action"] == (
        "Action: Ask the panel for attendance figures (Head of service, due 2026-12-01)"
    )
    assert "Escalated to the partnership's risk register." in row["Impact"]
    no_nan_or_none(at)

    widget(at.date_input, "Meetings held from").set_value(date(2026, 10, 1))
    widget(at.date_input, "Meetings held up to").set_value(date(2026, 10, 31)).run()
    assert "2 matter(s) raised at meetings held from 1 October 2026 to 31 October 2026." in texts(
        at
    )
    stem = "questions-and-matters-2026-10-01-to-2026-10-31"
    markdown = downloads[f"{stem}.md"].decode()
    assert markdown.startswith("| Questions / matters raised | Response | Impact |")
    assert "=1+1 Inspection of children's services" in markdown and "due 2026-12-01" in markdown
    sheet = load_workbook(io.BytesIO(downloads[f"{stem}.xlsx"])).active
    cell = sheet["A2"]
    assert cell.data_type == "s" and cell.value.startswith("=1+1 Inspection")  # text, not a formula
    # a range with no meeting in it: an empty table, still offered
    widget(at.date_input, "Meetings held from").set_value(date(2025, 1, 1))
    widget(at.date_input, "Meetings held up to").set_value(date(2025, 12, 31)).run()
    assert "0 matter(s) raised" in texts(at)
    assert "questions-and-matters-2025-01-01-to-2025-12-31.md" in downloads


def test_a_stale_matter_change_is_refused_and_keeps_what_was_typed(refreshed, roles_file):
    from pipeline.report import meetings

    meeting = meetings.add_meeting(date(2026, 10, 14), "PQA subgroup", "the chair")
    matter = meetings.raise_matter(meeting, "the chair", question="Attendance at the panel")
    at = open_page(app("pqa"), "matters")
    meetings.update_matter(matter, "another member", 1, response="Their answer, saved first.")
    widget(at.text_area, "Response").set_value("My answer, typed meanwhile.")
    widget(at.button, "Record").click().run()
    clash = next(e.value for e in at.error if e.value.startswith("Not saved"))
    assert "another member changed this matter at" in clash and "(UTC)" in clash
    theirs, yours = (t.value for t in at.table[:2])
    assert theirs.loc["Response"].item() == "Their answer, saved first."
    assert yours.loc["Response"].item() == "My answer, typed meanwhile."
    assert widget(at.text_area, "Response").value == "My answer, typed meanwhile."
    assert meetings.matters()[0]["response"] == "Their answer, saved first."
    widget(at.button, "Record").click().run()
    assert "Recorded (version 3)" in texts(at)
    assert meetings.matters()[0]["response"] == "My answer, typed meanwhile."


def test_the_log_survives_a_refresh(refreshed, roles_file):
    from pipeline.report import meetings

    at = open_page(app("executive"), "matters")
    widget(at.button, "Add the meeting").click().run()
    raise_at_a_meeting(at, "A matter kept across refreshes")
    assert refresh(today=TODAY).outcome == "succeeded"
    at = open_page(app("executive"), "matters")
    log = next(d.value for d in at.dataframe if "Response and action" in d.value.columns)
    assert log["Question or matter"].tolist() == ["A matter kept across refreshes"]
    assert [m["question"] for m in meetings.matters()] == ["A matter kept across refreshes"]


def test_a_returns_notes_show_as_published_and_a_correction_replaces_them(refreshed, tmp_path):
    from pipeline.ingest.load import load_returns

    QUARTER = ["E06000046", "2026-27 Q2"]
    notes = write_csv(
        tmp_path / "youth_justice_E06000046_2026-27_Q2.csv",
        [
            [*QUARTER, "youth_justice_children", 163, "", "", "Caseload <b>steady</b>."],
            [*QUARTER, "first_time_entrants", 9, "", "", "Diversion began in July."],
        ],
        header=["area_code", "period", "indicator_code", "value", "numerator", "denominator",
                "notes"],
    )  # fmt: skip
    assert load_returns([notes], today=TODAY).committed
    assert refresh(today=TODAY).outcome == "succeeded"
    at = open_page(app(), "commentary")  # local mode: every role, any agency
    widget(at.selectbox, "Agency").set_value("youth_justice").run()
    shown = at.dataframe[0].value.set_index("About")
    assert shown.loc["The whole return", "From"] == "the return's notes"
    assert "Caseload <b>steady</b>." in shown.loc["The whole return", "Commentary"]  # as typed
    note = next(label for label in shown.index if label != "The whole return"
                and shown.loc[label, "Commentary"] == "Diversion began in July.")  # fmt: skip
    about = widget(at.selectbox, "About")
    about.set_value(next(c for c in about.options if about.format_func(c) == note)).run()
    assert widget(at.text_area, "Commentary").value == "Diversion began in July."
    widget(at.text_area, "Commentary").set_value("Diversion began in June.")
    widget(at.button, "Record").click().run()
    shown = at.dataframe[0].value.set_index("About")
    assert shown.loc[note, "Commentary"] == "Diversion began in June."
    assert shown.loc[note, "From"].startswith("you, ")
    narrative = shown.loc["The whole return"]
    assert "Diversion began in June." in narrative["Commentary"]
    assert "July" not in narrative["Commentary"]
    assert narrative["From"] == "gathered from the notes below, as corrected"
    no_nan_or_none(at)
