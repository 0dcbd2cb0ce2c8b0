"""How long an analyst waits for `pqa load` of one quarterly return.

Times, over several runs each into a fresh warehouse: the command's own work (read, validate,
archive, one transaction; measured in-process, so without Python's start-up), and the whole
`pqa load` command as a person runs it. Prints medians. Run with `make perf-load`.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "data" / "raw" / "sample"
RETURNS = {
    "children's social care, Excel, 35 rows": SAMPLE
    / "childrens_social_care_E06000046_2024-25_Q3.xlsx",
    "education, CSV, 8 rows": SAMPLE / "education_E06000046_2024-25_Q3.csv",
}
RUNS = 9


def own_work(path: Path) -> float:
    """One load in this process into a new warehouse, imports already paid for."""
    from pipeline.ingest.load import load_returns

    with tempfile.TemporaryDirectory() as folder:
        os.environ["PQA_DATA_DIR"] = folder
        started = time.perf_counter()
        report = load_returns([path])
        elapsed = time.perf_counter() - started
        assert report.committed and not report.refused
    return elapsed


def whole_command(path: Path) -> float:
    with tempfile.TemporaryDirectory() as folder:
        env = {**os.environ, "PQA_DATA_DIR": folder}
        started = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "pipeline.cli.main", "load", str(path)],
            env=env,
            check=True,
            capture_output=True,
        )
        return time.perf_counter() - started


def main() -> None:
    own_work(next(iter(RETURNS.values())))  # warm the imports once
    print(f"{'return':42} {'own work (median)':>18} {'whole command (median)':>24}")
    for name, path in RETURNS.items():
        own = statistics.median(own_work(path) for _ in range(RUNS))
        whole = statistics.median(whole_command(path) for _ in range(RUNS))
        print(f"{name:42} {own * 1000:>15.0f} ms {whole * 1000:>21.0f} ms")
    print(f"({RUNS} runs each, every run into a new warehouse)")


if __name__ == "__main__":
    main()
