"""Disclosure control: what a public version of a report may show.

The Isle of Wight has about 23,000 children and many series are tiny, so a published count of
1 to 4 could point at a child. The partnership's rule is one setting, `PQA_PUBLIC_MINIMUM`
(default 5), the smallest count a public report shows:

* **primary suppression**: a count from 1 to MINIMUM - 1 is shown as "fewer than 5"
  (0 is shown: it identifies nobody);
* **rates and percentages built on them are withheld**: a ratio whose numerator, denominator
  or the difference between them is from 1 to MINIMUM - 1, or whose numerator or denominator
  is a figure suppressed here;
* **secondary suppression**: where figures add up (the quarters of a year, the categories of
  a total), a total minus its visible parts must not reveal a suppressed cell, so while any
  such sum has exactly one hidden member, its smallest visible member is hidden too.

The partnership version of a report never comes through here.
"""

from __future__ import annotations

import os
import re
from collections.abc import Hashable, Iterable
from dataclasses import dataclass, field

SETTING = "PQA_PUBLIC_MINIMUM"
DEFAULT_MINIMUM = 5

SHOWN, SMALL, SECONDARY, WITHHELD = "shown", "small", "secondary", "withheld"


def minimum() -> int:
    """The smallest count a public report shows (`PQA_PUBLIC_MINIMUM`, default 5)."""
    text = os.environ.get(SETTING, "").strip()
    if not text:
        return DEFAULT_MINIMUM
    if not text.isdigit() or int(text) < 1:
        raise ValueError(f"{SETTING} must be a whole number of 1 or more, not '{text}'")
    return int(text)


def is_small(value: float | None, least: int) -> bool:
    return value is not None and 0 < value < least


@dataclass(frozen=True)
class Ratio:
    """A rate or percentage and what it is built on (its own numerator and denominator, and
    the cells of the counts it is made from, where the report shows those too)."""

    numerator: float | None
    denominator: float | None
    built_on: tuple[Hashable, ...] = ()


@dataclass
class Grid:
    """The figures of one report: counts by key, ratios by key, and the sums among counts."""

    counts: dict[Hashable, float | None] = field(default_factory=dict)
    ratios: dict[Hashable, Ratio] = field(default_factory=dict)
    sums: list[tuple[Hashable, tuple[Hashable, ...]]] = field(default_factory=list)

    def add_sum(self, total: Hashable, parts: Iterable[Hashable]) -> None:
        """Declare total = sum(parts), for counts the report shows."""
        parts = tuple(parts)
        if total in self.counts and parts and all(p in self.counts for p in parts):
            self.sums.append((total, parts))


def protect(grid: Grid, least: int | None = None) -> dict[Hashable, str]:
    """What becomes of each cell in a public version: SHOWN, SMALL (fewer than the minimum),
    SECONDARY (hidden so a sum cannot reveal a small one) or WITHHELD (a ratio)."""
    least = minimum() if least is None else least
    state = {key: SMALL if is_small(value, least) else SHOWN for key, value in grid.counts.items()}
    changed = True
    while changed:  # hiding one cell can leave another sum with a single hidden member
        changed = False
        for total, parts in grid.sums:
            members = (total, *parts)
            hidden = [m for m in members if state[m] != SHOWN]
            if len(hidden) != 1:
                continue
            visible = [m for m in parts if state[m] == SHOWN] or [total]
            # the smallest part gives away least; a known zero still closes the sum
            chosen = min(
                visible, key=lambda m: ((grid.counts[m] or 0) == 0, grid.counts[m] or 0, str(m))
            )
            state[chosen] = SECONDARY
            changed = True
    for key, ratio in grid.ratios.items():
        state[key] = SHOWN
        num, den = ratio.numerator, ratio.denominator
        gap = None if num is None or den is None else den - num
        if (
            is_small(num, least)
            or is_small(den, least)
            or is_small(gap, least)
            or any(state.get(b, SHOWN) != SHOWN for b in ratio.built_on)
        ):
            state[key] = WITHHELD
    return state


def leaks(grid: Grid, state: dict[Hashable, str], least: int | None = None) -> list[str]:
    """Every way the public cells would give a hidden or small figure away (empty when safe):
    a small count shown, or a sum with exactly one hidden member (total minus visible parts)."""
    least = minimum() if least is None else least
    found = [
        f"{key} shows {value:g}"
        for key, value in grid.counts.items()
        if state[key] == SHOWN and is_small(value, least)
    ]
    for total, parts in grid.sums:
        hidden = [m for m in (total, *parts) if state[m] != SHOWN]
        if len(hidden) == 1:
            found.append(
                f"{hidden[0]} can be worked out from {total} and {', '.join(map(str, parts))}"
            )
    return found


def public_text(text: str, least: int) -> str:
    """Typed or generated text cannot be checked figure by figure: text that mentions a
    small whole number is withheld in a public version."""
    without_periods = re.sub(
        r"\b\d{4}-\d{2}-\d{2}\b|\b\d{4}-\d{2}( Q[1-4])?\b|\bQ[1-4]\b", "", text
    )
    for number in re.findall(r"(?<![\d.,])\d[\d,]*(?![\d,]*\.\d)", without_periods):
        if is_small(float(number.replace(",", "")), least):
            return f"withheld* (the text mentions a number fewer than {least})"
    return text
