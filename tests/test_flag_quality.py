"""The flag engine on the labelled test set (tests/flag_test_set.py): recall on injected
changes of practical size and false alarms on clean series. `make perf-flags` prints the
figures by kind and change; this test keeps them from getting worse."""

from __future__ import annotations

import pytest

from tests.flag_test_set import CHANGES, labelled_cases, measure


@pytest.fixture(scope="module")
def quality():
    return measure(labelled_cases())


def test_recall_on_changes_of_practical_size(quality):
    assert quality.recall() >= 0.77
    assert quality.recall("drop to zero") >= 0.99 and quality.recall("missing quarter") == 1.0
    for change in CHANGES:
        assert quality.recall(change) >= 0.5, change


def test_false_alarms_on_clean_series(quality):
    assert quality.false_alarms_per_100() <= 2.5
    assert quality.false_alarms_per_100("watch") <= 1.0
