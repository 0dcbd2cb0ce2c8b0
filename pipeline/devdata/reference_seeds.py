"""Derive the area list and child population seeds from the ONS mid-year estimates file that
the Department for Education publishes (EES tidy layout). Run once when a new estimate is
published:

    python -m pipeline.devdata.reference_seeds \
        path/to/ons_mid-year_population_estimates_2012_to_2024.csv

It rewrites dbt_project/seeds/areas.csv and dbt_project/seeds/population_0_17.csv.
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path

from pipeline.core.paths import SEEDS_DIR


def read_local_authorities(ons_file: Path) -> list[dict[str, str]]:
    with open(ons_file, encoding="utf-8-sig", newline="") as f:
        return [r for r in csv.DictReader(f) if r["geographic_level"] == "Local authority"]


def write_seeds(ons_file: Path, seeds_dir: Path = SEEDS_DIR) -> None:
    rows = read_local_authorities(ons_file)
    latest_year = max(r["time_period"] for r in rows)
    areas = sorted(
        (
            {
                "area_code": r["new_la_code"],
                "area_name": r["la_name"],
                "old_la_code": r["old_la_code"],
                "region_code": r["region_code"],
                "region_name": r["region_name"],
            }
            for r in rows
            if r["time_period"] == latest_year
        ),
        key=lambda a: a["area_code"],
    )
    population = sorted(
        (
            {
                "area_code": r["new_la_code"],
                "mid_year": r["time_period"],
                "children_0_17": r["population_estimate"],
            }
            for r in rows
        ),
        key=lambda p: (p["area_code"], p["mid_year"]),
    )
    _write(seeds_dir / "areas.csv", areas)
    _write(seeds_dir / "population_0_17.csv", population)


def _write(path: Path, rows: list[dict[str, str]]) -> None:
    with open(path, "w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


if __name__ == "__main__":
    write_seeds(Path(sys.argv[1]))
