"""One question per story: flags in the same area and quarter about related figures are one
story. Figures are related when the catalogue declares them so (a percentage and its
numerator or denominator, a declared pair, parts of one total) or an event in the register
names them together (a family such as the front door's contacts, referrals and assessments).

A story's id depends only on the area, the quarter and the family of figures, never on which
of them fired or how the question is worded, so it is the same through any regrouping or
re-wording. Every flag keeps its own row and review (the review log is never rewritten); the
story's lead is the member already answered (so a recorded response stays on the question
shown), else the most important one. The other members are its evidence."""

from __future__ import annotations

import hashlib
from collections import defaultdict

from pipeline.core.catalogue import Catalogue
from pipeline.flags.events import Event

# A status further along the review carries the story: its response stays on show.
_PROGRESS = {"closed": 3, "answered": 2, "response requested": 1, "open": 0}


def families(catalogue: Catalogue, events: list[Event]) -> dict[str, str]:
    """Each indicator's family: the first code (alphabetically) of the figures connected to it
    by the catalogue's declarations or a shared event."""
    parent: dict[str, str] = {code: code for code in catalogue.indicators}

    def root(code: str) -> str:
        while parent[code] != code:
            parent[code] = parent[parent[code]]
            code = parent[code]
        return code

    def join(a: str, b: str) -> None:
        if a in parent and b in parent:
            ra, rb = root(a), root(b)
            parent[max(ra, rb)] = min(ra, rb)

    for indicator in catalogue.indicators.values():
        for other in (
            indicator.numerator_code,
            indicator.denominator_code,
            indicator.part_of,
            indicator.pair_code,
        ):
            if other:
                join(indicator.code, other)
    for event in events:
        for code in event.indicators[1:]:
            join(event.indicators[0], code)
    return {code: root(code) for code in parent}


def story_id(area: str, period: str, family: str) -> str:
    return hashlib.sha256(f"story|{area}|{family}|{period}".encode()).hexdigest()[:16]


def with_stories(rows: list[dict], family_of: dict[str, str], rank) -> list[dict]:
    """Add `story_id` and `story_lead` to every row. `rank(row)` orders rows most important
    first (the published order)."""
    stories: dict[str, list[dict]] = defaultdict(list)
    for row in rows:
        subject = row["indicator_code"] or row["agency"]
        family = family_of.get(row["indicator_code"] or "", subject)
        stories[story_id(row["area_code"], row["period"], family)].append(row)
    published = []
    for sid, members in stories.items():
        shown = [m for m in members if m["indicated"]] or members
        lead = min(shown, key=lambda m: (-_PROGRESS.get(m["status"], 0), rank(m)))
        published += [{**m, "story_id": sid, "story_lead": m is lead} for m in members]
    return published
