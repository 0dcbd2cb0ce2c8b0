"""The reader for Explore Education Statistics files in the standard tidy layout.

One row per time period, geography and combination of filters; then one column per measure:

    time_period, time_identifier, geographic_level, country_code, country_name, region_code,
    region_name, old_la_code, new_la_code, la_name, <filters...>, <measures...>

Columns are found by name, so their order does not matter (`la_name` and `new_la_code` swap
places between files). A column is a measure when every value in it is a number or a
suppression symbol; any other column (outside the time and geography columns) is a filter.
England, regions and local authorities are read; rows at other geographic levels (such as
parliamentary constituencies) are counted and left out. Every figure becomes one row of the
long shape stored in `benchmarks.figures`; a symbol is kept as the reason there is no number.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from dataclasses import dataclass, field
from functools import cache

import pyarrow as pa

from pipeline.core.catalogue import load_catalogue
from pipeline.core.paths import SEEDS_DIR
from pipeline.ingest.published.csvfile import BenchmarkFileError, Problem, read_csv_table, refuse
from pipeline.ingest.published.mapping import read_seed
from pipeline.ingest.published.symbols import BLANK, SYMBOLS, parse_cell
from pipeline.ingest.published.years import PublishedPeriodError, published_period
from pipeline.ingest.returns.findings import Location

NATIONAL, REGIONAL, LOCAL_AUTHORITY = "National", "Regional", "Local authority"
REQUIRED = ("time_period", "time_identifier", "geographic_level", "country_code", "country_name")
LEVEL_COLUMNS = {
    NATIONAL: (),
    REGIONAL: ("region_code", "region_name"),
    LOCAL_AUTHORITY: ("old_la_code", "new_la_code", "la_name"),
}
# Time and geography columns of the standard, at every level: never a filter or a measure.
STANDARD_COLUMNS = frozenset(REQUIRED) | {
    "region_code",
    "region_name",
    "old_la_code",
    "new_la_code",
    "la_name",
    "pcon_code",
    "pcon_name",
    "lad_code",
    "lad_name",
    "rsc_region_lead_name",
    "opportunity_area_code",
    "opportunity_area_name",
    "ward_code",
    "ward_name",
    "trust_id",
    "trust_name",
    "sponsor_id",
    "sponsor_name",
    "school_urn",
    "school_laestab",
    "school_name",
    "provider_ukprn",
    "provider_name",
    "institution_id",
    "institution_name",
    "local_enterprise_partnership_code",
    "local_enterprise_partnership_name",
    "english_devolved_area_code",
    "english_devolved_area_name",
    "lsip_code",
    "lsip_name",
    "pfa_code",
    "pfa_name",
    "planning_area_code",
    "planning_area_name",
    "mayoral_combined_authority_code",
    "mayoral_combined_authority_name",
}
# Countries a published file may name at national level.
COUNTRIES = {
    "E92000001": "England",
    "K04000001": "England and Wales",
    "K03000001": "Great Britain",
    "K02000001": "United Kingdom",
    "W92000004": "Wales",
    "S92000003": "Scotland",
    "N92000002": "Northern Ireland",
}
REGIONS = {
    "E12000001": "North East",
    "E12000002": "North West",
    "E12000003": "Yorkshire and The Humber",
    "E12000004": "East Midlands",
    "E12000005": "West Midlands",
    "E12000006": "East of England",
    "E12000007": "London",
    "E12000008": "South East",
    "E12000009": "South West",
    "E13000001": "Inner London",
    "E13000002": "Outer London",
}
EXAMPLES = 5  # how many rows a problem names before it says "and N more"

FIGURE_SCHEMA = pa.schema(
    [
        ("source_row", pa.int32()),
        ("geographic_level", pa.string()),
        ("area_code", pa.string()),
        ("area_name", pa.string()),
        ("old_la_code", pa.string()),
        ("region_code", pa.string()),
        ("country_code", pa.string()),
        ("time_period", pa.string()),
        ("time_identifier", pa.string()),
        ("period_kind", pa.string()),
        ("year", pa.string()),
        ("financial_year", pa.string()),
        ("period_in_words", pa.string()),
        ("filters", pa.string()),
        ("measure", pa.string()),
        ("value", pa.float64()),
        ("symbol", pa.string()),
    ]
)


@dataclass(frozen=True)
class KnownAreas:
    countries: frozenset[str]
    regions: frozenset[str]
    local_authorities: frozenset[str]  # today's authorities and those replaced since 2013


@cache
def known_areas() -> KnownAreas:
    """Area codes a published file may use: today's local authorities (seeds/areas.csv), those
    reorganised since 2013 (seeds/former_areas.csv), the English regions and the countries."""
    former = {r["area_code"] for r in read_seed("former_areas.csv")}
    return KnownAreas(
        frozenset(COUNTRIES),
        frozenset(REGIONS),
        frozenset(load_catalogue(SEEDS_DIR).areas) | former,
    )


@dataclass
class TidyFile:
    file_name: str
    file_hash: str
    dataset: str
    rows_read: int
    filters: list[str]
    measures: list[str]
    figures: pa.Table  # the long shape, without the file id
    skipped_levels: Counter = field(default_factory=Counter)
    symbols: Counter = field(default_factory=Counter)
    period_kinds: Counter = field(default_factory=Counter)
    first_period: str = ""
    last_period: str = ""


def canonical_filters(values: dict[str, str]) -> str:
    """Filters as the mapping file writes them: 'name=value' sorted by name, joined by '; ',
    leaving out blank values."""
    return "; ".join(f"{name}={value}" for name, value in sorted(values.items()) if value)


def read_tidy(
    file_name: str,
    content: bytes,
    dataset: str,
    *,
    filter_columns: frozenset[str] = frozenset(),
    areas: KnownAreas | None = None,
) -> TidyFile:
    """Read and check one file; BenchmarkFileError lists every problem found."""
    table = read_csv_table(file_name, content)
    header = table.header
    _check_layout(file_name, header)
    areas = areas or known_areas()
    index = {name: i for i, name in enumerate(header)}
    level_of = [_level(row[index["geographic_level"]]) for row in table.rows]
    kept = [i for i, level in enumerate(level_of) if level in LEVEL_COLUMNS]
    skipped = Counter(
        row[index["geographic_level"]].strip()
        for i, row in enumerate(table.rows)
        if level_of[i] not in LEVEL_COLUMNS
    )
    problems = _check_level_columns(file_name, header, {level_of[i] for i in kept})
    if "" in skipped:
        first = next(table.lines[i] for i, level in enumerate(level_of) if not level)
        problems.append(
            Problem(
                Location(file_name, row=first, column="geographic_level"),
                f"{skipped['']} row(s) do not say their geographic level.",
            )
        )
    if problems:
        raise BenchmarkFileError(problems)
    if not kept:
        raise refuse(
            file_name,
            "the file has no rows for England, a region or a local authority "
            f"(levels found: {_listing(skipped)}).",
        )
    rows = [table.rows[i] for i in kept]
    lines = [table.lines[i] for i in kept]
    levels = [level_of[i] for i in kept]
    filters, measures, problems = _classify(file_name, header, rows, lines, filter_columns)
    geography, problems = _geography(file_name, index, rows, lines, levels, areas, problems)
    periods, problems = _periods(file_name, index, rows, lines, problems)
    filter_keys = [
        canonical_filters({name: row[index[name]].strip() for name in filters}) for row in rows
    ]
    problems += _duplicates(file_name, lines, levels, geography, periods, filter_keys)
    if not measures:
        problems.append(
            Problem(
                Location(file_name),
                "no column holds figures (numbers or "
                "suppression symbols), so there is nothing to import.",
            )
        )
    if problems:
        raise BenchmarkFileError(problems)
    figures, symbols = _long_shape(
        rows, lines, levels, geography, periods, filter_keys, measures, index
    )
    kinds = Counter(p.kind for p in periods)
    ordered = sorted({(p.kind, p.year) for p in periods})
    return TidyFile(
        file_name,
        hashlib.sha256(content).hexdigest(),
        dataset,
        len(rows),
        filters,
        list(measures),
        figures,
        skipped,
        symbols,
        kinds,
        ordered[0][1],
        ordered[-1][1],
    )


def _level(text: str) -> str:
    lowered = text.strip().lower()
    return next((level for level in LEVEL_COLUMNS if level.lower() == lowered), text.strip())


def _check_layout(file_name: str, header: list[str]) -> None:
    names = set(header)
    duplicated = sorted(n for n, count in Counter(header).items() if count > 1 and n)
    if duplicated:
        raise refuse(file_name, f"the column(s) {', '.join(duplicated)} appear more than once.")
    missing = [c for c in REQUIRED if c not in names]
    if not missing:
        return
    hint = ""
    if {"SN1", "SN_1"} & names:
        hint = (
            " It looks like a statistical-neighbour file: import it with 'pqa benchmarks "
            "neighbours FILE'."
        )
    elif {"indicator_code", "period"} <= names:
        hint = " It looks like a quarterly return: load it with 'pqa load FILE'."
    raise refuse(
        file_name,
        "the file is not in the Explore Education Statistics tidy layout: "
        f"it has no column {', '.join(missing)} (its columns start "
        f"{', '.join(header[:5])}).{hint}",
    )


def _check_level_columns(file_name: str, header: list[str], levels: set[str]) -> list[Problem]:
    names = set(header)
    return [
        Problem(
            Location(file_name),
            f"the file has {level.lower()} rows but no column "
            f"{', '.join(c for c in LEVEL_COLUMNS[level] if c not in names)}, which "
            "say which area each row is for.",
        )
        for level in sorted(levels)
        if any(c not in names for c in LEVEL_COLUMNS[level])
    ]


def _classify(file_name, header, rows, lines, forced):
    """Filters and measures (with each measure's cells read). A measure holds only numbers and
    symbols; a column that holds mostly numbers and some other text is refused, not guessed."""
    filters, measures, problems = [], {}, []
    unknown_forced = sorted(set(forced) - set(header))
    if unknown_forced:
        problems.append(
            Problem(
                Location(file_name),
                f"there is no column {', '.join(unknown_forced)} to read as a filter.",
            )
        )
    for j, name in enumerate(header):
        if name in STANDARD_COLUMNS or not name:
            continue
        if name in forced:
            filters.append(name)
            continue
        cells = [parse_cell(row[j]) for row in rows]
        others = [i for i, (value, symbol) in enumerate(cells) if symbol is None and value is None]
        numbers = sum(1 for value, _ in cells if value is not None)
        if not others and any(symbol != BLANK for _, symbol in cells):
            measures[name] = cells
        elif numbers > len(others):
            first = others[0]
            problems.append(
                Problem(
                    Location(file_name, row=lines[first], column=name),
                    f"'{rows[first][j].strip()}' is neither a number nor a known symbol "
                    f"({', '.join(SYMBOLS)}) in a column that otherwise holds figures "
                    f"({len(others)} such cell(s)). If '{name}' is a filter, import with "
                    f"--filter {name}.",
                )
            )
        else:
            filters.append(name)
    return filters, measures, problems


def _geography(file_name, index, rows, lines, levels, areas: KnownAreas, problems):
    """(area_code, area_name, old_la_code, region_code, country_code) per row; unknown codes
    are problems."""
    unknown: dict[str, list[tuple[int, str]]] = {}
    geography = []

    def cell(row, name):
        return row[index[name]].strip() if name in index else ""

    for row, line, level in zip(rows, lines, levels):
        country, region = cell(row, "country_code"), cell(row, "region_code")
        if level == NATIONAL:
            place = (country, cell(row, "country_name"), "", "", country)
            checks = [("country_code", country, areas.countries)]
        elif level == REGIONAL:
            place = (region, cell(row, "region_name"), "", region, country)
            checks = [("region_code", region, areas.regions)]
        else:
            code = cell(row, "new_la_code")
            place = (code, cell(row, "la_name"), cell(row, "old_la_code"), region, country)
            checks = [
                ("new_la_code", code, areas.local_authorities),
                ("region_code", region, areas.regions | {""}),
            ]
        geography.append(place)
        for column, code, known in checks:
            if code not in known:
                unknown.setdefault(column, []).append((line, code))
    for column, found in unknown.items():
        codes = sorted({code or "(blank)" for _, code in found})
        problems.append(
            Problem(
                Location(file_name, row=found[0][0], column=column),
                f"{len(found)} row(s) have an area code this product does not know: "
                f"{', '.join(codes[:EXAMPLES])}{' and more' if len(codes) > EXAMPLES else ''}. "
                "Codes must be ONS codes of England, its regions or local authorities "
                "(seeds/areas.csv, seeds/former_areas.csv).",
            )
        )
    return geography, problems


def _periods(file_name, index, rows, lines, problems):
    meanings, periods, bad = {}, [], {}
    for row, line in zip(rows, lines):
        key = (row[index["time_period"]], row[index["time_identifier"]])
        if key not in meanings:
            try:
                meanings[key] = published_period(*key)
            except PublishedPeriodError as exc:
                meanings[key] = None
                bad[key] = (line, str(exc))
        periods.append(meanings[key])
    for (_, identifier), (line, message) in list(bad.items())[:EXAMPLES]:
        problems.append(
            Problem(
                Location(file_name, row=line, column="time_period"),
                f"{message}, as its time_identifier '{identifier}' needs.",
            )
        )
    return periods, problems


def _duplicates(file_name, lines, levels, geography, periods, filter_keys) -> list[Problem]:
    seen: dict[tuple, int] = {}
    repeated = []
    for line, level, place, period, filters in zip(lines, levels, geography, periods, filter_keys):
        key = (level, place[0], period, filters)
        if key in seen:
            repeated.append((line, seen[key]))
        else:
            seen[key] = line
    if not repeated:
        return []
    examples = ", ".join(f"row {a} repeats row {b}" for a, b in repeated[:EXAMPLES])
    return [
        Problem(
            Location(file_name, row=repeated[0][0]),
            f"{len(repeated)} row(s) are for the same period, area and filters as an "
            f"earlier row ({examples}), so it is not clear which figure counts.",
        )
    ]


def _long_shape(rows, lines, levels, geography, periods, filter_keys, measures, index):
    # measures: name -> the (value, symbol) of each row
    """One row per figure: the row's time, place and filters repeated for each measure."""
    n = len(rows)
    keys = {
        "source_row": pa.array(lines, pa.int32()),
        "geographic_level": pa.array(levels, pa.string()),
        "area_code": pa.array([g[0] for g in geography], pa.string()),
        "area_name": pa.array([g[1] for g in geography], pa.string()),
        "old_la_code": pa.array([g[2] or None for g in geography], pa.string()),
        "region_code": pa.array([g[3] or None for g in geography], pa.string()),
        "country_code": pa.array([g[4] for g in geography], pa.string()),
        "time_period": pa.array([r[index["time_period"]].strip() for r in rows], pa.string()),
        "time_identifier": pa.array(
            [r[index["time_identifier"]].strip() for r in rows], pa.string()
        ),
        "period_kind": pa.array([p.kind for p in periods], pa.string()),
        "year": pa.array([p.year for p in periods], pa.string()),
        "financial_year": pa.array([p.financial_year for p in periods], pa.string()),
        "period_in_words": pa.array([p.in_words for p in periods], pa.string()),
        "filters": pa.array(filter_keys, pa.string()),
    }
    columns = {name: pa.concat_arrays([array] * len(measures)) for name, array in keys.items()}
    names, values, symbols = [], [], []
    for name, parsed in measures.items():
        names += [name] * n
        values += [v for v, _ in parsed]
        symbols += [s for _, s in parsed]
    columns["measure"] = pa.array(names, pa.string())
    columns["value"] = pa.array(values, pa.float64())
    columns["symbol"] = pa.array(symbols, pa.string())
    return pa.table(columns, schema=FIGURE_SCHEMA), Counter(s for s in symbols if s)


def _listing(counts: Counter) -> str:
    return ", ".join(f"{name or '(blank)'} ({count})" for name, count in counts.most_common())
