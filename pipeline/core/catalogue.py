"""The indicator catalogue, agencies and areas: the single source of truth read by the loader,
dbt (as seeds), the flag engine and the dashboard. The files live in dbt_project/seeds/."""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from pipeline.core.paths import SEEDS_DIR

RATIO_KINDS = {"proportion", "rate_per_10k", "duration"}
# What a numerator / denominator is multiplied by to give the value.
SCALE = {"proportion": 100, "rate_per_10k": 10_000, "duration": 1}


@dataclass(frozen=True)
class Indicator:
    code: str
    label: str
    definition: str
    agency: str
    kind: str  # count, proportion, rate_per_10k, duration
    measured: str  # flow, snapshot, ytd
    annual: str  # sum, year_end, ytd_q4, ratio_of_sums, rate_of_sum
    better: str  # up, down, neutral
    numerator_code: str
    denominator_code: str
    part_of: str
    priority: str
    seasonal: bool
    pair_code: str
    # For a year-to-date count, a count on the quarter's last day it can never be below: every
    # child counted on that day was counted at some time since 1 April too.
    snapshot_code: str = ""
    # Where the indicator can be compared with other areas (a national source), if anywhere.
    benchmark: str = ""

    @property
    def is_ratio(self) -> bool:
        """Proportions, rates and durations carry a numerator and a denominator."""
        return self.kind in RATIO_KINDS


@dataclass(frozen=True)
class Catalogue:
    indicators: dict[str, Indicator]
    agencies: dict[str, str]  # code -> plain name
    areas: dict[str, str]  # ONS code -> name
    # ONS code -> children aged 0 to 17 at the latest mid-year estimate: no count can exceed it.
    children: dict[str, int] = field(default_factory=dict)

    def for_agency(self, agency: str) -> list[Indicator]:
        return [i for i in self.indicators.values() if i.agency == agency]

    def parts_of(self, total_code: str) -> list[Indicator]:
        return [i for i in self.indicators.values() if i.part_of == total_code]


def _rows(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


@cache
def load_catalogue(seeds_dir: Path = SEEDS_DIR) -> Catalogue:
    indicators = {}
    for row in _rows(seeds_dir / "indicators.csv"):
        row["seasonal"] = row["seasonal"] == "yes"
        indicators[row["code"]] = Indicator(**row)
    agencies = {r["code"]: r["name"] for r in _rows(seeds_dir / "agencies.csv")}
    areas = {r["area_code"]: r["area_name"] for r in _rows(seeds_dir / "areas.csv")}
    latest: dict[str, tuple[int, int]] = {}
    for r in _rows(seeds_dir / "population_0_17.csv"):
        if not r["children_0_17"].isdigit():
            continue  # 'x': no estimate for a former area in that year
        year, count = int(r["mid_year"]), int(r["children_0_17"])
        if r["area_code"] not in latest or year > latest[r["area_code"]][0]:
            latest[r["area_code"]] = (year, count)
    children = {area: count for area, (_, count) in latest.items()}
    return Catalogue(indicators, agencies, areas, children)


# The partnership this installation serves first: the Isle of Wight (its ONS area code). The
# template, the command line and the dashboard fall back to it when no area is chosen.
DEFAULT_AREA = "E06000046"
