"""Recall and false alarms of the flag engine on the labelled synthetic test set, by kind of
series and kind of change. Run with `make perf-flags` (about 15 seconds)."""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.flag_test_set import CHANGES, KINDS, LENGTHS, SERIES_PER_CELL, labelled_cases, measure  # noqa: E402


def main() -> None:
    started = time.perf_counter()
    cases = labelled_cases()
    quality = measure(cases)
    print(
        f"{len(cases):,} series ({SERIES_PER_CELL} per kind, length and change; lengths "
        f"{', '.join(map(str, LENGTHS))} quarters), judged in "
        f"{time.perf_counter() - started:.1f} s\n"
    )
    print(f"{'recall (flagged from the change on)':<38}" + "".join(f"{k.name:>20}" for k in KINDS))
    for change in CHANGES:
        cells = []
        for kind in KINDS:
            found = quality.detected.get((change, kind.name))
            cells.append(f"{100 * sum(found) / len(found):19.1f}%" if found else f"{'-':>20}")
        print(f"{change:<38}" + "".join(cells))
    alarms = [quality.false_alarms[k.name] for k in KINDS]
    rates = [100 * sum(1 for f in flags if f) / len(flags) for flags in alarms]
    print(f"{'false alarms per 100 clean series':<38}" + "".join(f"{r:20.1f}" for r in rates))
    signal, watch = quality.false_alarms_per_100("signal"), quality.false_alarms_per_100("watch")
    print(
        f"\nOverall: recall {100 * quality.recall():.1f}%; false alarms per 100 clean series "
        f"{quality.false_alarms_per_100():.2f} (signals {signal:.2f}, watch {watch:.2f})"
    )


if __name__ == "__main__":
    main()
