"""What `pqa refresh` costs beyond dbt itself, on the sample data.

Loads the sample returns into a fresh warehouse, then alternates, several times each:
- `pqa refresh` as the nightly job runs it (a new process: imports, dbt, Great Expectations,
  publishing), with the time of each step from the run's record;
- `dbt build` alone, as a command, with the same arguments on the same warehouse.
Prints medians and the ratio refresh / dbt build. Run with `make perf-refresh`.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
RUNS = 5


def timed(command: list[str], env: dict, cwd: str | None = None) -> float:
    started = time.perf_counter()
    subprocess.run(command, env=env, check=True, capture_output=True, cwd=cwd)
    return time.perf_counter() - started


def main() -> None:
    from pipeline.core import paths
    from pipeline.transform.dbt import REFRESH_SKIPS, dbt_arguments

    with tempfile.TemporaryDirectory() as folder:
        os.environ["PQA_DATA_DIR"] = folder
        env = {
            **os.environ,
            "PQA_WAREHOUSE": str(paths.warehouse_path()),
            "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        }
        samples = sorted(str(p) for p in (ROOT / "data" / "raw" / "sample").iterdir())
        subprocess.run([BIN / "pqa", "load", *samples], env=env, check=True, capture_output=True)
        refresh_command = [BIN / "pqa", "refresh"]
        dbt_command = [
            BIN / "dbt",
            *dbt_arguments("build", date.today()),
            *REFRESH_SKIPS,
        ]
        timed(refresh_command, env)  # the first run parses the project; later runs reuse it
        refreshes, dbt_builds, steps = [], [], []
        for _ in range(RUNS):
            refreshes.append(timed(refresh_command, env))
            record = json.loads((paths.logs_dir() / "last-refresh.json").read_text())
            assert record["outcome"] == "succeeded", record["problems"]
            steps.append(record["step_seconds"])
            # dbt alone connects as the refresh does (from the warehouse's folder, by file
            # name), so both reuse the same parse of the project
            dbt_builds.append(
                timed(dbt_command, {**env, "PQA_WAREHOUSE": "warehouse.duckdb"}, cwd=folder)
            )

    refresh_median = statistics.median(refreshes)
    dbt_median = statistics.median(dbt_builds)
    print(f"Sample data, {RUNS} runs each, medians:")
    print(f"  pqa refresh (whole command)   {refresh_median:6.2f} s")
    for step in steps[0]:
        print(f"    {step:<26}{statistics.median(s[step] for s in steps):6.2f} s")
    print(f"  dbt build alone (command)     {dbt_median:6.2f} s")
    print(f"  ratio refresh / dbt build     {refresh_median / dbt_median:6.2f}")


if __name__ == "__main__":
    main()
