"""Which published measure is which catalogue indicator: `dbt_project/seeds/benchmark_measures.csv`.

One row per mapped measure: the `dataset` (the file's name without its years, such as
`c1_children_in_need_referrals_and_rereferrals` for
`c1_children_in_need_referrals_and_rereferrals_2013_to_2025.csv`), the `measure` column, the
`filters` that pick the right rows (written `name=value; name=value`, every filter of the file,
sorted by name), the `indicator_code`, and how a reconciliation with the partnership's own
figure is judged. The file is a dbt seed: the marts join it at every refresh, so a change to
the mapping needs no new import. The import command reads it only to say which measures of a
file are mapped and which are not.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from pathlib import Path

from pipeline.core.paths import SEEDS_DIR

MAPPING_FILE = "benchmark_measures.csv"
_YEARS_SUFFIX = re.compile(r"([_-](\d{4}|\d{6})(([_-]to[_-]|[_-])(\d{4}|\d{6}))?)+$")


def read_seed(name: str, seeds_dir: Path = SEEDS_DIR) -> list[dict[str, str]]:
    with open(seeds_dir / name, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def dataset_name(file_name: str) -> str:
    """The kind of file, from its name without extension and the years it covers:
    'cla_number_and_rate_per_10k_children.csv' -> 'cla_number_and_rate_per_10k_children',
    'd3_cpps_subsequent_plan_2013_to_2025.csv' -> 'd3_cpps_subsequent_plan'."""
    stem = Path(file_name).stem.strip().lower().replace(" ", "_")
    return _YEARS_SUFFIX.sub("", stem) or stem


@dataclass(frozen=True)
class MeasureMapping:
    dataset: str
    measure: str
    filters: str
    indicator_code: str


def load_mapping(seeds_dir: Path = SEEDS_DIR) -> list[MeasureMapping]:
    return [
        MeasureMapping(r["dataset"], r["measure"], r["filters"] or "", r["indicator_code"])
        for r in read_seed(MAPPING_FILE, seeds_dir)
    ]


@dataclass
class MappingReport:
    mapped: dict[str, list[str]]  # measure -> indicator codes
    unmapped: list[str]  # measures kept but not mapped to any indicator
    unmatched: list[MeasureMapping]  # mapping rows for this dataset that match no figure


def map_measures(
    dataset: str,
    measures: list[str],
    filter_keys: set[tuple[str, str]],
    mapping: list[MeasureMapping] | None = None,
) -> MappingReport:
    """What the mapping makes of one file: `filter_keys` are the (measure, filters) pairs that
    have at least one figure."""
    rows = [m for m in (load_mapping() if mapping is None else mapping) if m.dataset == dataset]
    mapped: dict[str, list[str]] = {}
    unmatched = []
    for m in rows:
        if (m.measure, m.filters) in filter_keys:
            mapped.setdefault(m.measure, []).append(m.indicator_code)
        else:
            unmatched.append(m)
    return MappingReport(mapped, [name for name in measures if name not in mapped], unmatched)
