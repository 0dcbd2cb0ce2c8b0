"""How long importing every published statistics file takes.

Imports all the CSV files of a folder (default: the files the project keeps in
data/reference/dfe and tests/fixtures/dfe) into a new warehouse each run: the tidy files with
`pqa benchmarks load`, the neighbour models with `pqa benchmarks neighbours`. Times, over
several runs: the import's own work (in this process, imports already paid for) and the whole
commands as a person runs them. Prints medians and rows per second.
Run with `make perf-import` (or `python perf/benchmarks_import.py FOLDER`).
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
RUNS = 7


def published_files(folders: list[Path]) -> tuple[list[Path], list[Path]]:
    """(tidy files, neighbour files), told apart by their header."""
    tidy, neighbours = [], []
    for path in sorted(p for folder in folders for p in folder.rglob("*.csv")):
        header = path.read_bytes()[:400].decode("utf-8-sig", errors="replace")
        (tidy if "time_period" in header.splitlines()[0] else neighbours).append(path)
    return tidy, neighbours


def own_work(tidy: list[Path], neighbours: list[Path]) -> tuple[float, int, int]:
    from pipeline.ingest.published.imports import import_figures, import_neighbours
    from pipeline.ingest.published.symbols import parse_cell

    parse_cell.cache_clear()  # each run reads every cell afresh
    with tempfile.TemporaryDirectory() as folder:
        os.environ["PQA_DATA_DIR"] = folder
        started = time.perf_counter()
        figures = import_figures(tidy)
        models = import_neighbours(neighbours)
        elapsed = time.perf_counter() - started
    assert figures.committed and models.committed, "an import was refused"
    rows = sum(f.read.rows_read for f in figures.files)
    stored = sum(f.read.figures.num_rows for f in figures.files)
    return elapsed, rows, stored


def whole_commands(tidy: list[Path], neighbours: list[Path]) -> float:
    with tempfile.TemporaryDirectory() as folder:
        env = {**os.environ, "PQA_DATA_DIR": folder}
        started = time.perf_counter()
        for action, files in (("load", tidy), ("neighbours", neighbours)):
            subprocess.run(
                [sys.executable, "-m", "pipeline.cli.main", "benchmarks", action, *map(str, files)],
                env=env,
                check=True,
                capture_output=True,
            )
        return time.perf_counter() - started


def main() -> None:
    if len(sys.argv) > 1:
        folders = [Path(a) for a in sys.argv[1:]]
    else:
        folders = [ROOT / "data" / "reference" / "dfe", ROOT / "tests" / "fixtures" / "dfe"]
    tidy, neighbours = published_files(folders)
    print(
        f"{len(tidy)} published statistics files and {len(neighbours)} neighbour models from "
        f"{', '.join(map(str, folders))}"
    )
    own_work(tidy, neighbours)  # warm the imports once
    runs = [own_work(tidy, neighbours) for _ in range(RUNS)]
    rows, stored = runs[0][1], runs[0][2]
    own = statistics.median(seconds for seconds, _, _ in runs)
    whole = statistics.median(whole_commands(tidy, neighbours) for _ in range(RUNS))
    print(f"rows read {rows:,}; figures stored {stored:,} (one per measure and row)")
    print(
        f"the import's own work: {own:.2f} s median, {rows / own:,.0f} rows/s, "
        f"{stored / own:,.0f} figures/s"
    )
    print(f"the two whole commands: {whole:.2f} s median, {rows / whole:,.0f} rows/s")
    print(f"({RUNS} runs each, every run into a new warehouse)")


if __name__ == "__main__":
    main()
