"""Published statistics the way the Local Authority Interactive Tool (LAIT) shows them: the
area against the quartiles of every local authority, its named statistical neighbours with
their own figures, and its rank over time. Everything comes from the benchmarks mart, which
holds every authority's published figure, and the statistical neighbours mart."""

from __future__ import annotations

import pandas as pd

from dashboard import data


def every_authority(code: str) -> pd.DataFrame:
    """One row per authority and year for an indicator (the mart repeats each row once per
    neighbour model; the published figure is the same in each)."""
    benchmarks = data.mart("benchmarks")
    if benchmarks.empty:
        return benchmarks
    mine = benchmarks[benchmarks["indicator_code"] == code]
    return mine.drop_duplicates(subset=["area_code", "year"])


def quartiles(code: str) -> pd.DataFrame:
    """Each year's lower quartile, median and upper quartile of every authority's figure."""
    every = every_authority(code).dropna(subset=["area_value"])
    if every.empty:
        return pd.DataFrame(columns=["year", "lower_quartile", "median", "upper_quartile"])
    grouped = every.groupby("year")["area_value"]
    return pd.DataFrame(
        {
            "lower_quartile": grouped.quantile(0.25),
            "median": grouped.median(),
            "upper_quartile": grouped.quantile(0.75),
        }
    ).reset_index()


def neighbours(code: str, area: str, model: str | None) -> pd.DataFrame:
    """The area's statistical neighbours in one model, closest first, with each one's latest
    published figure; the area itself is the first row."""
    groups = data.mart("statistical_neighbours")
    every = every_authority(code)
    if groups.empty or every.empty or not model:
        return pd.DataFrame(columns=["Authority", "Closeness", "Year", "Figure"])
    latest_year = every.dropna(subset=["area_value"])["year"].max()
    figures = every[every["year"] == latest_year].set_index("area_code")["area_value"]
    mine = groups[(groups["area_code"] == area) & (groups["neighbour_model"].astype(str) == model)]
    mine = mine.sort_values("neighbour_rank")
    area_name = every.loc[every["area_code"] == area, "area_name"].iloc[0]
    rows = [(f"{area_name} (this area)", "", latest_year, figures.get(area))]
    rows += [
        (r.neighbour_name, r.closeness, latest_year, figures.get(r.neighbour_code))
        for r in mine.itertuples()
    ]
    return pd.DataFrame(rows, columns=["Authority", "Closeness", "Year", "Figure"])
