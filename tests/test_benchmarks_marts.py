"""The benchmark and reconciliation marts after a refresh with the sample returns, the real
published statistics and both neighbour models. Expected figures are worked out here straight
from the published CSV files, not from the warehouse."""

from __future__ import annotations

import csv
import re
import statistics
from functools import cache
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest

from pipeline.core.catalogue import load_catalogue
from pipeline.core.paths import PROJECT_ROOT
from pipeline.devdata.sample_returns import PUBLISHED, PUBLISHED_YEARS
from pipeline.ingest.load import load_returns
from pipeline.ingest.published.imports import import_figures, import_neighbours
from pipeline.publish.refresh import refresh
from tests.conftest import (
    CHILDREN_IN_CARE,
    FIXTURES,
    IOW,
    NEIGHBOURS_2021,
    NEIGHBOURS_2025,
    REFERENCE,
    REFERRALS,
    SAMPLE_DIR,
    TODAY,
)

LOOKED_AFTER = "Children looked after on 31 March each year"
SEEDS = PROJECT_ROOT / "dbt_project" / "seeds"


@pytest.fixture(scope="module")
def refreshed(tmp_path_factory, dbt_target) -> Path:
    """A data folder with the sample returns, the published statistics and one refresh."""
    folder = tmp_path_factory.mktemp("benchmarks") / "data"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("PQA_DATA_DIR", str(folder))
        mp.setenv("PQA_DBT_TARGET", str(dbt_target))
        mp.setenv("PQA_USER", "test analyst")
        load_returns(sorted(SAMPLE_DIR.iterdir()), today=TODAY)
        published = sorted(REFERENCE.glob("*.csv")) + sorted(FIXTURES.glob("*.csv"))
        assert import_figures(published).committed
        assert import_neighbours([NEIGHBOURS_2021, NEIGHBOURS_2025]).committed
        report = refresh(today=TODAY)
    assert report.outcome == "succeeded", report.problems
    return folder


@cache  # the module's marts are read, never written, by the tests
def mart(folder: Path, name: str) -> list[dict]:
    return pq.read_table(folder / "marts" / f"{name}.parquet").to_pylist()


def published_csv(
    path: Path, measure: str, time_period: str = "2025", **filters: str
) -> dict[str, str]:
    """old_la_code -> the cell as published, for every local authority in one year."""
    with open(path, encoding="utf-8-sig", newline="") as f:
        return {
            row["old_la_code"]: row[measure]
            for row in csv.DictReader(f)
            if row["geographic_level"] == "Local authority"
            and row["time_period"] == time_period
            and all(row[k] == v for k, v in filters.items())
        }


def neighbours_of(path: Path, code: str) -> list[str]:
    with open(path, encoding="utf-8-sig", newline="") as f:
        rows = list(csv.reader(f))
    header, row = rows[0], next(r for r in rows[1:] if r[0] == code)
    return [row[i] for i, name in enumerate(header) if re.fullmatch(r"SN_?\d+", name)]


def number(cell: str) -> float | None:
    try:
        return float(cell)
    except ValueError:
        return None


def benchmark_row(
    folder: Path, code: str, model: str, year: str = "2024-25", area: str = IOW
) -> dict:
    return next(
        r
        for r in mart(folder, "benchmarks")
        if r["indicator_code"] == code
        and r["area_code"] == area
        and r["year"] == year
        and r["neighbour_model"] == model
    )


# --- reconciliation --------------------------------------------------------------------------

# The published figures for the Isle of Wight, years ending 31 March 2023, 2024 and 2025.
PUBLISHED_BY_DFE = {
    "referrals": [3870, 4378, 4864],
    "rereferral_pct": [41.6, 45.4, 46.7],
    "children_in_care_rate_per_10k": [123, 120, 110],
}


@pytest.mark.parametrize("code", sorted(PUBLISHED_BY_DFE))
def test_local_years_are_reconciled_with_the_published_figures(refreshed, code):
    rows = {
        r["financial_year"]: r
        for r in mart(refreshed, "reconciliation")
        if r["area_code"] == IOW and r["indicator_code"] == code
    }
    for year, published in zip(PUBLISHED_YEARS, PUBLISHED_BY_DFE[code]):
        row = rows[year]
        if code in PUBLISHED:  # the yearly report's own figures, as the sample returns give
            assert row["local_value"] == pytest.approx(PUBLISHED[code][PUBLISHED_YEARS.index(year)])
        assert row["published_value"] == published
        assert row["difference"] == pytest.approx(round(row["local_value"] - published, 1))
        assert row["published_period_in_words"].startswith(
            f"the year ending 31 March {int(year[:4]) + 1}"
        )


def test_referrals_2024_25_are_outside_tolerance_and_explained(refreshed):
    rows = {
        (r["indicator_code"], r["financial_year"]): r
        for r in mart(refreshed, "reconciliation")
        if r["area_code"] == IOW
    }
    referrals = rows[("referrals", "2024-25")]
    assert (referrals["local_value"], referrals["published_value"]) == (5229, 4864)
    assert referrals["difference"] == 365 and referrals["difference_pct"] == 7.5
    assert referrals["within_tolerance"] is False
    assert referrals["comparison"] == "outside tolerance"
    assert "own figure is 5,229" in referrals["explanation"]
    assert "published 4,864 for the year ending 31 March 2025" in referrals["explanation"]
    assert "ask children's social care to explain" in referrals["explanation"]
    for year in ("2022-23", "2023-24"):
        assert rows[("referrals", year)]["within_tolerance"] is True
        assert rows[("referrals", year)]["difference"] == 0
    rereferral = rows[("rereferral_pct", "2024-25")]
    assert rereferral["difference"] == -0.3 and rereferral["within_tolerance"] is True
    assert (
        "46.4%" in rereferral["explanation"] and "1 percentage point" in rereferral["explanation"]
    )
    rate = rows[("children_in_care_rate_per_10k", "2024-25")]
    assert rate["published_value"] == 110 and rate["within_tolerance"] is True
    # a complete local year not yet published is shown, not judged
    later = rows[("referrals", "2025-26")]
    assert later["comparison"] == "not published" and later["within_tolerance"] is None
    # care leavers aged 19 to 21 are a benchmark, not the same count as the partnership's
    assert not any(code == "care_leavers_eet_pct" for code, _ in rows)


# --- benchmarks ------------------------------------------------------------------------------


def test_the_area_england_and_region_figures_are_the_published_ones(refreshed):
    row = benchmark_row(refreshed, "referrals", "2025")
    assert row["area_value"] == 4864 and row["area_symbol"] is None
    assert row["england_value"] == 632830
    assert row["region_code"] == "E12000008" and row["region_name"] == "South East"
    with open(REFERRALS, encoding="utf-8", newline="") as f:
        south_east = next(
            r
            for r in csv.DictReader(f)
            if r["time_period"] == "2025"
            and r["geographic_level"] == "Regional"
            and r["region_code"] == "E12000008"
        )
    assert row["region_value"] == float(south_east["referral_count"])
    assert row["financial_year"] == "2024-25" and row["period_kind"] == "financial_year"
    rate = benchmark_row(refreshed, "children_in_care_rate_per_10k", "2021")
    assert (rate["area_value"], rate["england_value"]) == (110, 67)


@pytest.mark.parametrize("model, path", [("2025", NEIGHBOURS_2025), ("2021", NEIGHBOURS_2021)])
def test_neighbour_mean_and_median_are_of_the_neighbours_with_a_figure(refreshed, model, path):
    cells = published_csv(REFERRALS, "rereferral_percent")
    codes = neighbours_of(path, "921")
    values = [number(cells[c]) for c in codes if c in cells and number(cells[c]) is not None]
    row = benchmark_row(refreshed, "rereferral_pct", model)
    assert row["neighbours_in_model"] == len(codes) == 10
    assert row["neighbours_with_figure"] == len(values)
    assert row["neighbours_without_figure"] == 10 - len(values)
    assert row["neighbour_mean"] == round(statistics.mean(values), 1)
    assert row["neighbour_median"] == round(statistics.median(values), 1)
    assert f"{model} model" in row["neighbour_method"]


def test_neighbours_without_a_figure_are_left_out_and_counted(refreshed):
    # in 2013 (the year ending 31 March 2013) the 2025 model's neighbours include authorities
    # made since, which have no figure that year
    rows = [
        r
        for r in mart(refreshed, "benchmarks")
        if r["neighbour_model"] == "2025" and r["neighbours_without_figure"] > 0
    ]
    assert rows
    for row in rows:
        assert (
            row["neighbours_with_figure"] + row["neighbours_without_figure"]
            == row["neighbours_in_model"]
        )
        assert "no published figure" in row["neighbour_method"]
    example = next(
        r
        for r in rows
        if r["indicator_code"] == "rereferral_pct"
        and r["year"] == "2012-13"
        and r["area_code"] == "E06000052"
    )  # Cornwall
    cells = published_csv(REFERRALS, "rereferral_percent", "2013")
    codes = neighbours_of(NEIGHBOURS_2025, "908")
    values = [number(cells[c]) for c in codes if number(cells.get(c, "")) is not None]
    assert example["neighbours_with_figure"] == len(values) < 10
    assert example["neighbour_mean"] == round(statistics.mean(values), 1)


def ranking(cells: dict[str, str], higher_first: bool) -> tuple[dict[str, int], int]:
    """Competition ranks (ties share the best rank) of the authorities with a number."""
    values = {code: number(cell) for code, cell in cells.items() if number(cell) is not None}
    order = sorted(values.values(), reverse=higher_first)
    return {code: order.index(v) + 1 for code, v in values.items()}, len(values)


@pytest.mark.parametrize(
    "code, measure, path, filters, higher_first",
    [
        ("rereferral_pct", "rereferral_percent", REFERRALS, {}, False),  # lower is better
        (
            "children_in_care_rate_per_10k",
            "rate_per_10000",
            CHILDREN_IN_CARE,
            {"population_type": LOOKED_AFTER},
            True,
        ),  # neither: 1 is the highest
        (
            "care_leavers_eet_pct",
            "care_leaver_percent",
            FIXTURES / "la_care_leavers_activity.csv",
            {"care_leaver_age": "19 to 21 years"},
            True,
        ),  # higher is better
    ],
)
def test_rank_and_quartile_follow_the_polarity(
    refreshed, code, measure, path, filters, higher_first
):
    ranks, ranked = ranking(published_csv(path, measure, **filters), higher_first)
    row = benchmark_row(refreshed, code, "2025")
    assert (row["rank"], row["authorities_ranked"]) == (ranks["921"], ranked)
    assert row["quartile"] == min(4, 4 * (row["rank"] - 1) // ranked + 1)
    rows = [
        r
        for r in mart(refreshed, "benchmarks")
        if r["indicator_code"] == code and r["year"] == "2024-25" and r["neighbour_model"] == "2025"
    ]
    best = min((r for r in rows if r["rank"]), key=lambda r: r["rank"])
    worst = max((r for r in rows if r["rank"]), key=lambda r: r["rank"])
    assert (best["area_value"] > worst["area_value"]) == higher_first
    assert best["quartile"] == 1 and worst["quartile"] == 4
    if row["better"] == "neutral":
        assert "neither higher nor lower is better" in row["quartile_in_words"]


def seed_rows(name: str) -> list[dict[str, str]]:
    with open(SEEDS / name, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def children_0_17(mid_year: int) -> dict[str, int]:
    """ONS code -> children aged 0 to 17 in one mid-year estimate (the population seed)."""
    return {
        r["area_code"]: int(r["children_0_17"])
        for r in seed_rows("population_0_17.csv")
        if r["mid_year"] == str(mid_year) and r["children_0_17"].isdigit()
    }


def referral_rates_2025() -> tuple[dict[str, float], float]:
    """Referrals per 10,000 children aged 0 to 17 in the year ending 31 March 2025 (mid-2024
    estimates), by ONS code, and England's, straight from the published file and the seed."""
    population = children_0_17(2024)
    rates, england = {}, None
    with open(REFERRALS, encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            if row["time_period"] != "2025" or number(row["referral_count"]) is None:
                continue
            if row["geographic_level"] == "Local authority":
                rates[row["new_la_code"]] = (
                    10_000 * float(row["referral_count"]) / population[row["new_la_code"]]
                )
            elif row["geographic_level"] == "National":
                england = 10_000 * float(row["referral_count"]) / sum(population.values())
    return rates, england


@pytest.mark.parametrize(
    "mapping", seed_rows("benchmark_measures.csv"), ids=lambda m: m["indicator_code"]
)
def test_no_rank_or_quartile_is_computed_on_a_count(refreshed, mapping):
    """Every published measure: a count is never ranked, put in a quarter or set beside its
    neighbours (it mostly says how many children live in an area); everything else is."""
    kind = load_catalogue().indicators[mapping["indicator_code"]].kind
    rows = [
        r for r in mart(refreshed, "benchmarks") if r["indicator_code"] == mapping["indicator_code"]
    ]
    assert rows and {r["kind"] for r in rows} == {kind}
    if kind == "count":
        for r in rows:
            assert r["rank"] is r["quartile"] is r["authorities_ranked"] is None
            assert (
                r["neighbour_mean"] is r["neighbour_median"] is r["rank_among_neighbours"] is None
            )
            assert r["rank_in_words"].startswith("Not ranked: a count")
        assert not [
            r
            for r in mart(refreshed, "benchmark_neighbours")
            if r["indicator_code"] == mapping["indicator_code"]
        ]
    else:
        ranked = [r for r in rows if r["area_value"] is not None]
        assert ranked and all(r["rank"] is not None for r in ranked)


def test_referrals_are_ranked_per_10000_children_and_the_island_is_highest(refreshed):
    rates, england = referral_rates_2025()
    assert round(rates[IOW]) == 2083 and round(england) == 519
    assert max(rates, key=rates.get) == IOW and len(rates) == 153
    row = benchmark_row(refreshed, "referrals_rate_per_10k", "2025")
    assert row["area_value"] == round(rates[IOW], 1)
    assert row["england_value"] == round(england, 1)
    assert (row["rank"], row["authorities_ranked"], row["quartile"]) == (1, 153, 1)
    assert row["population_mid_year"] == 2024 and row["population_carried_forward"] is False
    assert row["area_published_count"] == 4864 and row["area_children_0_17"] == 23351
    assert "1 is the highest figure" in row["rank_in_words"]
    count = benchmark_row(refreshed, "referrals", "2025")
    assert count["rank"] is None and '"Referrals per 10,000 children"' in count["rank_in_words"]
    # every authority's rate, worked out from the file and the seed
    for r in mart(refreshed, "benchmarks"):
        if r["indicator_code"] == "referrals_rate_per_10k" and r["year"] == "2024-25":
            assert r["area_value"] == round(rates[r["area_code"]], 1)


def test_the_partnership_own_rate_uses_the_estimate_carried_forward_and_marked(refreshed):
    rows = {
        r["period"]: r
        for r in mart(refreshed, "indicator_quarterly")
        if r["indicator_code"] == "referrals_rate_per_10k" and r["area_code"] == IOW
    }
    assert rows["2024-25 Q4"]["population_carried_forward"] is False
    assert rows["2025-26 Q1"]["population_carried_forward"] is True
    assert rows["2025-26 Q1"]["population_mid_year"] == 2024
    annual = {
        r["financial_year"]: r
        for r in mart(refreshed, "indicator_annual")
        if r["indicator_code"] == "referrals_rate_per_10k" and r["area_code"] == IOW
    }
    # the year's referrals over the year's estimate, not a sum of four populations
    assert annual["2024-25"]["value"] == round(10_000 * 5229 / 23351, 1) == 2239.3


def test_each_neighbour_is_named_with_its_own_figure(refreshed):
    rates, _ = referral_rates_2025()
    codes = neighbours_of(NEIGHBOURS_2025, "921")
    rows = [
        r
        for r in mart(refreshed, "benchmark_neighbours")
        if r["indicator_code"] == "referrals_rate_per_10k"
        and r["area_code"] == IOW
        and r["year"] == "2024-25"
        and r["neighbour_model"] == "2025"
    ]
    assert [r["neighbour_old_code"] for r in rows] == codes
    assert rows[0]["neighbour_name"] == "Tameside" and rows[1]["neighbour_name"] == "Cornwall"
    for r in rows:
        assert r["neighbour_value"] == round(rates[r["neighbour_code"]], 1)
    ranked = sorted(rates.values(), reverse=True)
    assert (
        rows[0]["neighbour_rank_in_england"] == ranked.index(rates[rows[0]["neighbour_code"]]) + 1
    )
    row = benchmark_row(refreshed, "referrals_rate_per_10k", "2025")
    assert row["rank_among_neighbours"] == 1 and row["ranked_among_neighbours"] == 11
    assert row["neighbour_median"] == round(
        statistics.median(r["neighbour_value"] for r in rows), 1
    )


def test_the_outlier_questions_for_2024_25_are_raised_once_with_their_rank(refreshed):
    flags = [f for f in mart(refreshed, "flags") if f["rule"] == "benchmark_outlier"]
    by_code = {f["indicator_code"]: f for f in flags}
    assert {f["period"] for f in flags} == {"2024-25"}  # the latest published year only
    assert len(flags) == len(by_code)  # once per indicator and year, not per quarter or model
    rate = by_code["referrals_rate_per_10k"]
    assert rate["question"].startswith(
        "Referrals per 10,000 children, the year ending 31 March 2025"
    )
    assert "2,083 per 10,000 children, is the highest of 153 local authorities" in rate["question"]
    assert "England 519.4 per 10,000 children" in rate["question"]
    assert rate["agency"] == "childrens_social_care" and rate["indicated"]
    assert rate["question"].endswith("(Children's social care)")
    rereferral = by_code["rereferral_pct"]
    assert "46.7%, is the highest of 153 local authorities" in rereferral["question"]
    assert "England 22.6%" in rereferral["question"] and "lower is better" in rereferral["question"]
    assert rereferral["direction"] == "concern"
    # a count is never the subject of such a question
    kinds = load_catalogue().indicators
    assert all(kinds[f["indicator_code"]].kind != "count" for f in flags)


def test_the_island_has_the_highest_re_referral_rate_so_ranks_last(refreshed):
    row = benchmark_row(refreshed, "rereferral_pct", "2025")
    assert (row["rank"], row["authorities_ranked"], row["quartile"]) == (153, 153, 4)
    assert row["quartile_in_words"] == "In the worst quarter of local authorities."
    assert "lower is better" in row["rank_in_words"]


def test_suppressed_figures_have_no_value_and_their_reason(refreshed):
    suppressed = [r for r in mart(refreshed, "benchmarks") if r["area_symbol"] is not None]
    assert suppressed
    assert all(
        r["area_value"] is None and r["rank"] is None and r["area_no_figure_reason"]
        for r in suppressed
    )
    assert {"c", "x", "u"} <= {r["area_symbol"] for r in suppressed}


def test_care_leavers_benchmark_says_the_published_age_group(refreshed):
    row = benchmark_row(refreshed, "care_leavers_eet_pct", "2025")
    assert row["area_value"] == 55 and "aged 19 to 21" in row["note"]


def test_the_neighbour_sets_are_published_with_names(refreshed):
    rows = [
        r
        for r in mart(refreshed, "statistical_neighbours")
        if r["area_code"] == IOW and r["neighbour_model"] == "2025"
    ]
    assert [r["neighbour_rank"] for r in rows] == list(range(1, 11))
    assert rows[0]["neighbour_old_code"] == "357" and rows[0]["neighbour_name"] == "Tameside"
    assert rows[1]["neighbour_name"] == "Cornwall" and rows[1]["neighbour_code"] == "E06000052"


def test_the_academic_year_absence_figures_are_kept_but_not_mapped(refreshed):
    with duckdb.connect(str(refreshed / "warehouse.duckdb"), read_only=True) as con:
        kinds = con.sql(
            "select distinct f.period_kind from benchmarks.figures f "
            "join benchmarks.files using (file_id) "
            "where dataset = 'absence_la'"
        ).fetchall()
    assert kinds == [("academic_year",)]
    assert {r["period_kind"] for r in mart(refreshed, "benchmarks")} == {"financial_year"}


def test_every_check_passed_with_benchmarks_loaded(refreshed):
    results = mart(refreshed, "expectation_results")
    suites = {r["suite"] for r in results}
    assert {"benchmarks", "reconciliation", "statistical_neighbours"} <= suites
    assert all(r["success"] for r in results)


def test_a_year_outside_tolerance_raises_a_flagged_question(refreshed):
    flags = [f for f in mart(refreshed, "flags") if f["rule"] == "differs_from_published"]
    referrals = next(
        f for f in flags if f["indicator_code"] == "referrals" and f["period"] == "2024-25"
    )
    assert referrals["question"].startswith(
        "Referrals to children's social care, 2024-25: the partnership's own figure is 5,229 "
        "and the Department for Education published 4,864 for the year ending 31 March 2025"
    )
    assert referrals["question"].endswith(
        "The difference is +365 (+7.5% of the published figure), more than the 2% of the "
        "published figure allowed: ask children's social care to explain the difference. "
        "(Children's social care)"
    )
    explanations = {
        (r["indicator_code"], r["financial_year"]): r["explanation"]
        for r in mart(refreshed, "reconciliation")
    }
    assert referrals["question"].startswith(explanations[("referrals", "2024-25")])
    # within tolerance: no question
    assert not [
        f for f in flags if f["indicator_code"] == "rereferral_pct" and f["period"] == "2024-25"
    ]


def test_the_explorer_shows_published_statistics_and_the_reconciliation(refreshed, monkeypatch):
    from streamlit.testing.v1 import AppTest

    from pipeline.core.paths import PROJECT_ROOT

    monkeypatch.setenv("PQA_DATA_DIR", str(refreshed))
    at = AppTest.from_file(str(PROJECT_ROOT / "dashboard" / "app.py"), default_timeout=60).run()
    at.switch_page("views/explorer.py").run()
    at.radio[0].set_value("Search").run()
    at.text_input[0].set_value("referrals to children").run()
    next(s for s in at.selectbox if s.label == "Indicator").set_value("referrals").run()
    assert not at.exception, [e.value for e in at.exception]
    assert "Compared with published statistics" in [h.value for h in at.subheader]
    model = next(r for r in at.radio if r.label == "Statistical neighbours")
    assert model.value == "2025"
    published = next(d.value for d in at.dataframe if "England" in d.value.columns)
    latest = published.iloc[0]
    assert latest["Year"] == "2024-25" and latest["Isle of Wight"] == 4864
    assert latest["England"] == 632830
    own = next(d.value for d in at.dataframe if "Own figure" in d.value.columns)
    row = own[own["Year"] == "2024-25"].iloc[0]
    assert (row["Own figure"], row["Published"], row["Comparison"]) == (
        5229,
        4864,
        "outside tolerance",
    )
    # the count is not ranked; its rate per 10,000 children is, first of 153
    assert "Not ranked: a count" in " ".join(c.value for c in at.caption)
    next(s for s in at.selectbox if s.label == "Indicator").set_value(
        "referrals_rate_per_10k"
    ).run()
    assert not at.exception, [e.value for e in at.exception]
    rates = next(d.value for d in at.dataframe if "England" in d.value.columns).iloc[0]
    assert (rates["Isle of Wight"], rates["England"]) == (2083.0, 519.4)
    assert (rates["Rank"], rates["Of"]) == (1, 153)


def test_every_figure_of_the_yearly_report_is_reproduced_or_explained(refreshed):
    rows = [r for r in mart(refreshed, "yearly_report") if r["area_code"] == IOW]
    with open(SEEDS / "yearly_report.csv", encoding="utf-8", newline="") as f:
        cells = list(csv.DictReader(f))
    assert len(rows) == len(cells) == 63
    annual = {
        (r["indicator_code"], r["financial_year"]): r["value"]
        for r in mart(refreshed, "indicator_annual")
        if r["area_code"] == IOW
    }
    for r in rows:
        assert r["local_value"] == annual[(r["indicator_code"], r["financial_year"])]
        if r["local_value"] == r["report_value"]:
            assert r["comparison"] == "reproduced"
        else:
            assert r["comparison"] == "differs" and r["note"]  # a reason, not only a gap
            assert r["explanation"].startswith("The returns give ")
    differs = {
        (r["report_row"], r["financial_year"]) for r in rows if r["comparison"] != "reproduced"
    }
    assert differs == {
        ("Children in care per 10,000 children", "2022-23"),
        ("Children in care per 10,000 children", "2023-24"),
        ("Children in care per 10,000 children", "2024-25"),
        ("Total number of looked after children", "2022-23"),
        ("Total number of looked after children", "2023-24"),
    }
    # the report's row changes measure: 31 March for two years, the whole year for the third
    in_care = {
        r["financial_year"]: r
        for r in rows
        if r["report_row"] == "Total number of looked after children"
    }
    assert [in_care[y]["indicator_code"] for y in PUBLISHED_YEARS] == [
        "children_in_care_at_period_end",
        "children_in_care_at_period_end",
        "children_in_care",
    ]
    assert all(r["mixes_measures"] for r in in_care.values())
    assert in_care["2024-25"]["local_value"] == 367
    rate = next(
        r
        for r in rows
        if r["indicator_code"] == "children_in_care_rate_per_10k"
        and r["financial_year"] == "2024-25"
    )
    assert (rate["report_value"], rate["local_value"]) == (112, 110.5)
    assert "year ending 31 March 2021" in rate["explanation"]
