"""Set the cumulative rule's limit and the single-point limit by simulation: false alarms per
100 unchanged series over the published window, and recall on the mix, for a grid of limits
(on a labelled set drawn with another seed than the one the tests measure).
Run: PYTHONPATH=. python perf/calibrate_flags.py"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from pipeline.flags import engine, limits, rules  # noqa: E402
from tests.flag_test_set import labelled_cases, measure  # noqa: E402


def main() -> None:
    cases = labelled_cases(seed=7, scale=0.5)
    print("cusum limit | point limit | false alarms per 100 | recall")
    for cusum in (float(a) for a in sys.argv[1].split(",")) if len(sys.argv) > 1 else (6.0, 7.0):
        for point in (float(a) for a in sys.argv[2].split(",")) if len(sys.argv) > 2 else (3.75,):
            rules.CUSUM_LIMIT, limits.SIGNAL_Z, engine.SIGNAL_Z = cusum, point, point
            quality = measure(cases)
            print(
                f"{cusum:11g} | {point:11g} | {quality.false_alarms_per_100():20.2f} | "
                f"{100 * quality.recall():.1f}%"
            )


if __name__ == "__main__":
    main()
