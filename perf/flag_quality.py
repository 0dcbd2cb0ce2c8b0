"""Recall and false alarms of the flag engine on the labelled test set (tests/flag_test_set.py),
counted the way a partnership meets them: every question published on an unchanged series over
the 12 quarters a refresh publishes, per 100 series; recall by kind of series, kind of change
and size. Run with `make perf-flags`; prints a Markdown table."""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.flag_test_set import (  # noqa: E402
    CHANGED_PER_CELL,
    CLEAN_PER_KIND,
    DATA_CHANGES,
    KINDS,
    MIX,
    PUBLISHED,
    Quality,
    labelled_cases,
    measure,
)


def table(quality: Quality) -> list[str]:
    columns = [f"{c} {s:g} sd" for c, s in MIX] + ["recall", "false alarms per 100"]
    lines = [
        "| series | " + " | ".join(columns) + " |",
        "|---" * (len(columns) + 1) + "|",
    ]
    for kind in KINDS:
        cells = [f"{100 * quality.recall_of(c, s, kind.name):.0f}%" for c, s in MIX]
        cells += [
            f"**{100 * quality.recall(kind.name):.0f}%**",
            f"{quality.false_alarms_per_100(kind.name):.1f}",
        ]
        lines.append(f"| {kind.name} | " + " | ".join(cells) + " |")
    cells = [f"{100 * quality.recall_of(c, s):.0f}%" for c, s in MIX]
    cells += [f"**{100 * quality.recall():.1f}%**", f"**{quality.false_alarms_per_100():.2f}**"]
    lines.append("| all | " + " | ".join(cells) + " |")
    return lines


def main() -> None:
    started = time.perf_counter()
    cases = labelled_cases()
    quality = measure(cases)
    print(
        f"{len(cases):,} series of 22 quarters ({CLEAN_PER_KIND} unchanged and "
        f"{CHANGED_PER_CELL} per change for each kind), every quarter judged, questions "
        f"counted over the {PUBLISHED} published quarters; "
        f"{time.perf_counter() - started:.1f} s\n"
    )
    print("\n".join(table(quality)))
    data = ", ".join(f"{c} {100 * quality.recall(change=c):.0f}%" for c, _ in DATA_CHANGES)
    rules = sorted({r for cases in quality.false_alarms.values() for rs in cases for r in rs})
    by_rule = ", ".join(f"{r} {quality.false_alarms_per_100(rule=r):.2f}" for r in rules)
    print(f"\nData questions found: {data}.\nFalse alarms per 100 by rule: {by_rule}.")


if __name__ == "__main__":
    main()
