"""How long `pqa report` takes on the sample, as an analyst meets it.

Loads the sample returns and the published statistics into a fresh data folder and refreshes,
as `make run` does, then times `pqa report --period "2026-27 Q2"` as a command, RUNS times with
nothing drawn before (the chart cache emptied: a first build) and RUNS times with the charts
already drawn. Prints medians and the slowest, and the number of charts. Run with
`make perf-report`; not part of `make test`.
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
RUNS = int(os.environ.get("RUNS", "5"))
PERIOD = "2026-27 Q2"
AS_OF = "2026-11-22"


def pqa(arguments: list[str], env: dict) -> float:
    started = time.perf_counter()
    subprocess.run([BIN / "pqa", *arguments], env=env, check=True, capture_output=True)
    return time.perf_counter() - started


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        data = Path(folder) / "data"
        env = {**os.environ, "PQA_DATA_DIR": str(data)}
        samples = sorted(str(p) for p in (ROOT / "data" / "raw" / "sample").iterdir())
        published = sorted(str(p) for p in (ROOT / "data" / "reference" / "dfe").glob("*.csv"))
        pqa(["load", *samples], env)
        pqa(["benchmarks", "load", *published], env)
        pqa(["benchmarks", "neighbours"], env)
        pqa(["refresh", "--as-of", AS_OF], env)
        charts = data / "build" / "report-charts"
        report = ["report", "--period", PERIOD, "--out", str(Path(folder) / "reports")]
        first, again = [], []
        for _ in range(RUNS):
            shutil.rmtree(charts, ignore_errors=True)
            first.append(pqa(report, env))
            again.append(pqa(report, env))
        drawn = len(list(charts.glob("*.png")))
    print(f"pqa report --period '{PERIOD}' on the sample, {RUNS} runs each, {drawn} charts:")
    print(f"  first build (every chart drawn)  median {statistics.median(first):.1f} s, "
          f"slowest {max(first):.1f} s")  # fmt: skip
    print(f"  charts already drawn             median {statistics.median(again):.1f} s, "
          f"slowest {max(again):.1f} s")  # fmt: skip
    load = os.getloadavg()[0]
    print(f"  on {os.cpu_count()} cores; load average at the end {load:.1f}")


if __name__ == "__main__":
    main()
