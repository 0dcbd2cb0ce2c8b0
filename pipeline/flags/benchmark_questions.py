"""Questions about where an area stands against other authorities, raised once per published
year from the benchmarks mart (benchmarks.parquet).

For each indicator the partnership prioritises (every catalogue indicator with a priority) and
the latest year the Department for Education has published for it, an area of the partnership
is asked about when it is the highest or the lowest in England, or, where the catalogue says
which way is better, in the worst quarter of all authorities or of itself and its statistical
neighbours. Only rates and proportions are ranked (the mart never ranks a count), so an area
is never asked about being large. The question names the rank and the comparison and is owned
by the agency that sends the indicator. Its period is the published year, so it stays one
question however many quarters are refreshed after it.
"""

from __future__ import annotations

from collections import defaultdict

from pipeline.core.catalogue import Catalogue, Indicator
from pipeline.flags.engine import Flag, flag_id
from pipeline.flags.wording import ordinal

RULE = "benchmark_outlier"


def benchmark_questions(
    benchmarks: list[dict], catalogue: Catalogue, areas: set[str]
) -> list[Flag]:
    """The benchmarks mart's rows in; a question for each outlying area of the partnership
    (`areas`) and priority indicator, in the latest published year, out."""
    latest = _latest_years(benchmarks)
    extremes = _extremes(benchmarks)
    flags = []
    for row in _one_row_per_area(benchmarks, areas):
        indicator = catalogue.indicators.get(row["indicator_code"])
        if indicator is None or not indicator.priority:
            continue
        if row["year"] != latest[row["indicator_code"]]:
            continue
        findings = _findings(row, indicator, extremes[(row["indicator_code"], row["year"])])
        if findings:
            flags.append(_flag(row, indicator, catalogue.agencies[indicator.agency], findings))
    return flags


def _latest_years(benchmarks: list[dict]) -> dict[str, str]:
    latest: dict[str, str] = {}
    for r in benchmarks:
        if r["period_kind"] == "financial_year" and r["rank"] is not None:
            latest[r["indicator_code"]] = max(latest.get(r["indicator_code"], ""), r["year"])
    return latest


def _extremes(benchmarks: list[dict]) -> dict[tuple[str, str], tuple[float, float]]:
    """The lowest and highest published figure of every ranked indicator and year."""
    values = defaultdict(list)
    for r in benchmarks:
        if r["rank"] is not None:
            values[(r["indicator_code"], r["year"])].append(r["area_value"])
    return {key: (min(v), max(v)) for key, v in values.items()}


def _one_row_per_area(benchmarks: list[dict], areas: set[str]) -> list[dict]:
    """The mart has a row per neighbour model; the latest model's row speaks for the area."""
    chosen: dict[tuple, dict] = {}
    for r in benchmarks:
        if r["area_code"] not in areas or r["rank"] is None or r["period_kind"] != "financial_year":
            continue
        key = (r["area_code"], r["indicator_code"], r["year"])
        if key not in chosen or (r["neighbour_model"] or "") > (
            chosen[key]["neighbour_model"] or ""
        ):
            chosen[key] = r
    return [chosen[k] for k in sorted(chosen)]


def _findings(row: dict, indicator: Indicator, extremes: tuple[float, float]) -> list[str]:
    """What sets the area apart, in words, most striking first."""
    lowest, highest = extremes
    of = row["authorities_ranked"]
    found = []
    if row["area_value"] == highest:
        found.append(f"the highest of {of} local authorities in England")
    elif row["area_value"] == lowest:
        found.append(f"the lowest of {of} local authorities in England")
    if indicator.better in ("up", "down"):
        if row["quartile"] == 4 and not found:
            found.append(
                f"ranked {row['rank']} of {of} local authorities in England, in the worst "
                f"quarter ({_which_way(indicator)})"
            )
        if row["quartile_among_neighbours"] == 4:
            found.append(
                f"{ordinal(row['rank_among_neighbours'])} of {row['ranked_among_neighbours']} "
                f"beside its statistical neighbours ({row['neighbour_model']} model), in the "
                "worst quarter of them"
            )
    return found


def _which_way(indicator: Indicator) -> str:
    return "higher is better" if indicator.better == "up" else "lower is better"


def _flag(row: dict, indicator: Indicator, agency_name: str, findings: list[str]) -> Flag:
    kind = indicator.kind
    beside = [f"England {_show(row['england_value'], kind)}"]
    if row["neighbour_median"] is not None:
        beside.append(f"statistical neighbours' median {_show(row['neighbour_median'], kind)}")
    polarity = (
        f" ({_which_way(indicator)})"
        if indicator.better in ("up", "down")
        else " (neither higher nor lower is better in itself)"
    )
    question = (
        f"{indicator.label}, {row['period_in_words']}: the figure published for "
        f"{row['area_name']}, {_show(row['area_value'], kind)}, is {' and '.join(findings)}"
        f"{polarity}; {', '.join(beside)}. What lies behind it, and does "
        f"{agency_name.lower()} expect it? ({agency_name})"
    )
    evidence = {
        "rule": RULE,
        "rules": [],
        "values": [],
        **{
            k: row[k]
            for k in (
                "area_value",
                "england_value",
                "neighbour_median",
                "neighbour_model",
                "rank",
                "authorities_ranked",
                "quartile",
                "rank_among_neighbours",
                "ranked_among_neighbours",
                "quartile_among_neighbours",
                "source_file",
            )
        },
    }
    concern = indicator.better in ("up", "down") and (
        row["quartile"] == 4 or row["quartile_among_neighbours"] == 4
    )
    return Flag(
        flag_id(row["area_code"], indicator.code, row["year"], RULE),
        row["area_code"],
        indicator.code,
        indicator.agency,
        row["year"],
        RULE,
        "signal",
        "concern" if concern else "neutral",
        question,
        evidence,
    )


def _show(value: float, kind: str) -> str:
    """2,083 per 10,000 children; 46.7%; whole figures without a decimal point."""
    number = f"{value:,.0f}" if value == round(value) else f"{value:,.1f}"
    if kind == "proportion":
        return f"{number}%"
    if kind == "rate_per_10k":
        return f"{number} per 10,000 children"
    return number
