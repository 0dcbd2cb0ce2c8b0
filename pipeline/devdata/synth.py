"""Synthetic returns at any scale, for measuring how the product's cost grows: `pqa synth
--areas N --quarters Q --out DIR`.

Each area's returns follow the contract and the indicator kinds of the sample returns: the
Isle of Wight sample series (pipeline/devdata/sample_returns.py) scaled by the area's population of
children aged 0 to 17, with the area's own level for each indicator (within a quarter either
side) and its own quarter-to-quarter noise. Percentages keep their own level and are
recomputed from whole numerators and denominators, rates from the area's population, so every
file passes validation. Quarters run back from 2026-27 Q2; before the sample's first quarter
(2021-22 Q1) the sample's first year is repeated. Everything is deterministic: the same
arguments give the same files. All returns are CSV (the tidy layout), one file per agency,
area and quarter.
"""

from __future__ import annotations

import csv
import random
from pathlib import Path

from pipeline.core.catalogue import SCALE, Catalogue, Indicator, load_catalogue
from pipeline.core.periods import Quarter
from pipeline.devdata.sample_returns import AREA, LAST, QUARTERS, SampleFigure, build_series, split

HEADER = ["area_code", "period", "indicator_code", "value", "numerator", "denominator"]


def areas_in_order(catalogue: Catalogue, population: dict[str, int]) -> list[str]:
    """The Isle of Wight first, then every other area with a population estimate, in code
    order: `--areas 4` is the Island and three others."""
    others = sorted(code for code in catalogue.areas if code != AREA and code in population)
    return [AREA, *others]


def latest_population() -> dict[str, int]:
    from pipeline.core.paths import SEEDS_DIR

    latest: dict[str, tuple[int, int]] = {}
    with open(SEEDS_DIR / "population_0_17.csv", encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            if row["children_0_17"].isdigit():
                year = int(row["mid_year"])
                if year >= latest.get(row["area_code"], (0, 0))[0]:
                    latest[row["area_code"]] = (year, int(row["children_0_17"]))
    return {area: count for area, (_, count) in latest.items()}


def quarters(count: int) -> list[Quarter]:
    """`count` quarters ending with the sample's last one."""
    found, q = [], LAST
    for _ in range(count):
        found.append(q)
        q = q.previous()
    return found[::-1]


def source_quarter(q: Quarter) -> Quarter:
    """The sample quarter a synthetic quarter copies (the first sample year for older ones)."""
    return q if q >= QUARTERS[0] else QUARTERS[q.number - 1]


class AreaFigures:
    """One area's figures: the sample scaled by population, with the area's own levels."""

    def __init__(
        self,
        area: str,
        ratio: float,
        population: int,
        catalogue: Catalogue,
        sample: dict[str, dict[Quarter, SampleFigure]],
    ):
        self.rng = random.Random(f"synth {area}")
        self.ratio, self.population = ratio, population
        self.catalogue, self.sample = catalogue, sample
        self.level = {code: self.rng.uniform(0.75, 1.25) for code in sorted(catalogue.indicators)}
        self.offset = {code: self.rng.uniform(-5, 5) for code in sorted(catalogue.indicators)}

    def counts(self, q: Quarter) -> dict[str, int]:
        """Every count for the quarter; counts that are parts of a total (plans by category)
        divide the total in the sample's proportions, so they add up to it."""
        source = source_quarter(q)
        counts = {
            code: max(
                0,
                round(
                    self.sample[code][source].value
                    * self.ratio
                    * self.level[code]
                    * self.rng.uniform(0.95, 1.05)
                ),
            )
            for code, i in sorted(self.catalogue.indicators.items())
            if i.kind == "count" and not i.part_of
        }
        for total in sorted({i.part_of for i in self.catalogue.indicators.values() if i.part_of}):
            parts = self.catalogue.parts_of(total)
            weights = [self.sample[p.code][source].value for p in parts]
            shares = split(counts[total], weights) if sum(weights) else [0] * len(parts)
            counts.update({p.code: n for p, n in zip(parts, shares)})
        return counts

    def figure(
        self, indicator: Indicator, q: Quarter, counts: dict[str, int]
    ) -> tuple[float, int | None, int | None]:
        if indicator.kind == "count":
            return counts[indicator.code], None, None
        base = self.sample[indicator.code][source_quarter(q)]
        if indicator.kind == "rate_per_10k":
            numerator = counts.get(indicator.numerator_code) or round(base.numerator * self.ratio)
            return (
                round(SCALE["rate_per_10k"] * numerator / self.population, 1),
                numerator,
                self.population,
            )
        denominator = counts.get(indicator.denominator_code) or max(
            1, round((base.denominator or 1) * self.ratio * self.level[indicator.code])
        )
        if indicator.kind == "duration":
            numerator = round(base.value * self.level[indicator.code] * denominator)
            return round(numerator / denominator, 1), numerator, denominator
        numerator = counts.get(indicator.numerator_code)
        if numerator is None or numerator > denominator:
            share = min(100.0, max(0.0, base.value + self.offset[indicator.code]))
            numerator = round(share * denominator / 100)
        return round(100 * numerator / denominator, 1), numerator, denominator


def write_synthetic_returns(
    out: Path, areas: int, quarter_count: int, catalogue: Catalogue | None = None
) -> list[Path]:
    catalogue = catalogue or load_catalogue()
    population = latest_population()
    chosen = areas_in_order(catalogue, population)[:areas]
    sample = build_series()
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for area in chosen:
        figures = AreaFigures(
            area, population[area] / population[AREA], population[area], catalogue, sample
        )
        for q in quarters(quarter_count):
            counts = figures.counts(q)
            for agency in catalogue.agencies:
                rows = [
                    [area, q.label, i.code, *figures.figure(i, q, counts)]
                    for i in catalogue.for_agency(agency)
                ]
                written.append(
                    _write(out / f"{agency}_{area}_{q.label.replace(' ', '_')}.csv", rows)
                )
    return written


def _write(path: Path, rows: list[list]) -> Path:
    with open(path, "w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(HEADER)
        writer.writerows([[*r[:3], *("" if v is None else v for v in r[3:])] for r in rows])
    return path
