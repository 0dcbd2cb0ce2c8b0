"""Disclosure control for public reports: small counts, ratios built on them, and the figures
that would give a small count away through a sum (secondary suppression)."""

from __future__ import annotations

import pytest

from pipeline.report.disclosure import (
    SECONDARY,
    SHOWN,
    SMALL,
    WITHHELD,
    Grid,
    Ratio,
    leaks,
    minimum,
    protect,
    public_text,
)


def plans_grid(parts: dict[str, float]) -> Grid:
    """Child protection plans by category, with the total the report also shows."""
    grid = Grid(counts={"total": sum(parts.values()), **parts})
    grid.add_sum("total", list(parts))
    return grid


def test_small_counts_are_hidden_and_zero_is_shown():
    grid = Grid(counts={"a": 0, "b": 1, "c": 4, "d": 5, "e": None})
    state = protect(grid, 5)
    assert state == {"a": SHOWN, "b": SMALL, "c": SMALL, "d": SHOWN, "e": SHOWN}


def test_one_small_category_would_leak_through_the_total_without_secondary_suppression():
    grid = plans_grid({"neglect": 129, "emotional": 46, "sexual": 10, "physical": 3})
    primary_only = {k: SMALL if 0 < (v or 0) < 5 else SHOWN for k, v in grid.counts.items()}
    # the leak a reader could work out: 188 - 129 - 46 - 10 = 3
    assert leaks(grid, primary_only, 5) == [
        "physical can be worked out from total and neglect, emotional, sexual, physical"
    ]
    state = protect(grid, 5)
    assert state["physical"] == SMALL
    assert state["sexual"] == SECONDARY  # the smallest other part
    assert state["total"] == SHOWN
    assert leaks(grid, state, 5) == []


def test_a_small_quarter_would_leak_through_the_year_and_secondary_suppression_follows_on():
    # the year is the sum of its quarters; the second quarter is also part of a total whose
    # other part is small, so hiding one cell makes another sum need a second hidden cell
    grid = Grid(
        counts={
            "year": 26,
            "q1": 9,
            "q2": 6,
            "q3": 8,
            "q4": 3,
            "q2 total": 20,
            "q2 other": 14,
        }
    )
    grid.add_sum("year", ["q1", "q2", "q3", "q4"])
    grid.add_sum("q2 total", ["q2", "q2 other"])
    state = protect(grid, 5)
    assert state["q4"] == SMALL
    assert state["q2"] == SECONDARY  # the smallest visible quarter
    assert state["q2 other"] == SECONDARY  # else 20 - 14 would give q2, then 26 - 17 - 6 q4
    assert leaks(grid, state, 5) == []


def test_a_sum_whose_only_visible_member_is_the_total_hides_the_total():
    grid = Grid(counts={"total": 7, "boys": 3, "girls": 4})
    grid.add_sum("total", ["boys", "girls"])
    state = protect(grid, 5)
    # both parts are small: two hidden members, the total does not reveal either
    assert state == {"total": SHOWN, "boys": SMALL, "girls": SMALL}
    grid = Grid(counts={"total": 3, "boys": 0, "girls": 3})
    grid.add_sum("total", ["boys", "girls"])
    state = protect(grid, 5)
    assert state["total"] == SMALL and state["girls"] == SMALL
    assert leaks(grid, state, 5) == []


def test_ratios_built_on_small_or_hidden_counts_are_withheld():
    grid = plans_grid({"neglect": 129, "emotional": 46, "sexual": 10, "physical": 3})
    grid.ratios = {
        "physical %": Ratio(3, 188, ("physical", "total")),
        "sexual %": Ratio(10, 188, ("sexual", "total")),  # its count is hidden to protect 3
        "neglect %": Ratio(129, 188, ("neglect", "total")),
        "attended %": Ratio(56, 58, ()),  # 2 did not attend: the gap is small
        "tiny %": Ratio(2, 2, ()),
    }
    state = protect(grid, 5)
    assert state["physical %"] == WITHHELD
    assert state["sexual %"] == WITHHELD
    assert state["attended %"] == WITHHELD
    assert state["tiny %"] == WITHHELD
    assert state["neglect %"] == SHOWN


def test_the_rule_is_one_setting(monkeypatch):
    assert minimum() == 5
    monkeypatch.setenv("PQA_PUBLIC_MINIMUM", "10")
    assert minimum() == 10
    assert protect(Grid(counts={"a": 7}))["a"] == SMALL
    monkeypatch.setenv("PQA_PUBLIC_MINIMUM", "ten")
    with pytest.raises(ValueError, match="PQA_PUBLIC_MINIMUM must be a whole number"):
        minimum()


@pytest.mark.parametrize(
    ("text", "withheld"),
    [
        ("Fell to 3 in 2026-27 Q2", True),
        ("Only 1 child", True),
        ("Raised at the PQA subgroup, 2026-04-01", False),  # a date is not a count
        ("Fell to 12 in 2024-25, Q1 to Q4", False),
        ("A rate of 2.5% and 3,400 contacts", False),
    ],
)
def test_text_that_mentions_a_small_number_is_withheld(text, withheld):
    shown = public_text(text, 5)
    assert (shown != text) is withheld
    if withheld:
        assert shown == "withheld* (the text mentions a number fewer than 5)"
