"""Commentary an agency's lead adds or corrects after the return: own agency only, versioned,
nothing deleted, and replacing the return's notes for the same quarter and indicator."""

from __future__ import annotations

import pandas as pd
import pytest

from pipeline.report import commentary

PERIOD = "2026-27 Q2"


def test_a_lead_adds_then_corrects_their_own_agencys_commentary(data_dir):
    assert commentary.record("police", "E06000046", PERIOD, "First words", "lead", "police") == 1
    version = commentary.record(
        "police", "E06000046", PERIOD, "Corrected words", "lead", "police", expected_version=1
    )
    assert version == 2
    [entry] = commentary.entries().to_dict("records")
    assert entry["commentary"] == "Corrected words" and entry["commentary_about"] == "return"
    assert [h["commentary"] for h in commentary.history()] == ["First words", "Corrected words"]


def test_another_agency_a_stale_version_and_an_empty_text_are_refused(data_dir):
    with pytest.raises(commentary.CommentaryError, match="writes for health, not for police"):
        commentary.record("police", "E06000046", PERIOD, "Words", "lead", "health")
    commentary.record("police", "E06000046", PERIOD, "Words", "first", "police")
    with pytest.raises(commentary.CommentaryError, match="was changed by first"):
        commentary.record("police", "E06000046", PERIOD, "Mine", "second", "police")
    with pytest.raises(commentary.CommentaryError, match="empty"):
        commentary.record(
            "police", "E06000046", PERIOD, "  ", "first", "police", expected_version=1
        )
    assert commentary.entries()["commentary"].tolist() == ["Words"]


def test_recorded_commentary_replaces_the_returns_notes_for_the_same_key(data_dir):
    published = pd.DataFrame(
        [
            ["police", "E06000046", PERIOD, "indicator", "missing_child_episodes", "From return"],
            ["police", "E06000046", PERIOD, "return", None, "Narrative from return"],
        ],
        columns=[
            "agency",
            "area_code",
            "period",
            "commentary_about",
            "indicator_code",
            "commentary",
        ],
    )
    commentary.record(
        "police",
        "E06000046",
        PERIOD,
        "Corrected",
        "lead",
        "police",
        indicator_code="missing_child_episodes",
    )
    merged = commentary.merged(
        published, commentary.entries(), {"missing_child_episodes": "Children going missing"}
    )
    # the narrative gathered from the return's notes is gathered again from the corrected one
    assert sorted(merged["commentary"]) == ["Children going missing: Corrected", "Corrected"]
    commentary.record("police", "E06000046", PERIOD, "The lead's narrative", "lead", "police")
    merged = commentary.merged(published, commentary.entries(), {})
    assert sorted(merged["commentary"]) == ["Corrected", "The lead's narrative"]
