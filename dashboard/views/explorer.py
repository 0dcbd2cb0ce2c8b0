"""Indicator explorer: one indicator's quarters and years with its usual range, flagged
quarters, definition and a table of the numbers; several indicators side by side."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard import charts, common, data
from dashboard import published as published_statistics
from pipeline.core.text_cells import frame_to_csv, frames_to_excel

common.require("analyst", "pqa", "executive")
common.published_or_stop()
st.title("Indicator explorer")

indicators = data.indicators()
how = st.radio("Find an indicator by", ["Priority", "Agency", "Search"], horizontal=True)
if how == "Priority":
    chosen = st.selectbox("Priority", sorted(indicators["priority"].unique()))
    codes = list(indicators.index[indicators["priority"] == chosen])
elif how == "Agency":
    names = dict(zip(indicators["agency"], indicators["agency_name"]))
    chosen = st.selectbox("Agency", sorted(names), format_func=names.get)
    codes = list(indicators.index[indicators["agency"] == chosen])
else:
    words = st.text_input("Words in the name or definition", "")
    text = (indicators["label"] + " " + indicators["definition"]).str.lower()
    codes = list(indicators.index[text.str.contains(words.lower(), regex=False)])
if not codes:
    st.info("No indicator matches.")
    st.stop()
code = st.selectbox("Indicator", codes, format_func=lambda c: indicators.loc[c, "label"])
meta = indicators.loc[code]

quarterly = data.mart("indicator_quarterly")
series = quarterly[
    (quarterly["area_code"] == common.area()) & (quarterly["indicator_code"] == code)
].sort_values("period")
annual = data.mart("indicator_annual")
years = annual[
    (annual["area_code"] == common.area()) & (annual["indicator_code"] == code)
].sort_values("financial_year")
flags = data.flags()
raised = (
    flags[
        (flags["indicator_code"] == code)
        & (flags["area_code"] == common.area())
        & flags["indicated"]
        & flags["period"].str.contains(" Q")
    ]
    if not flags.empty
    else flags
)
flagged = sorted(raised["period"]) if not raised.empty else []
directions = dict(zip(raised["period"], raised["direction"])) if not raised.empty else {}

st.header(meta["label"])
st.write(meta["definition"])
st.caption(
    f"Sent by {meta['agency_name']}: {meta['kind_in_words']}, "
    f"{meta['measured_in_words']}. {meta['polarity_in_words'].capitalize()}."
)

if series["value"].notna().sum() == 0:
    st.info("No figures yet for this indicator and area.")
    st.stop()

chart_side, table_side = st.columns([3, 2])
limits = charts.usual_range_frame(series, meta["kind"])
chart_side.altair_chart(
    charts.quarterly_chart(
        series,
        meta["label"],
        meta["kind"],
        flagged,
        area_name=common.area_name(),
        better=meta["better"],
        flag_directions=directions,
        code=code,
    ),
    width="stretch",
)
chart_side.caption(charts.describe(series, meta["label"], flagged, limits))
table = series[
    [
        "period",
        "value",
        "same_quarter_last_year_value",
        "change_from_same_quarter_last_year",
        "change_from_same_quarter_last_year_pct",
        "rolling_four_quarter_value",
    ]
].rename(
    columns={
        "period": "Quarter",
        "value": "Figure",
        "same_quarter_last_year_value": "Same quarter last year",
        "change_from_same_quarter_last_year": "Change",
        "change_from_same_quarter_last_year_pct": "Change %",
        "rolling_four_quarter_value": "Four quarters to here",
    }
)
table_side.dataframe(common.shown(table.iloc[::-1]), hide_index=True, width="stretch")

st.subheader("Financial years")
year_side, year_table_side = st.columns([3, 2])
if not years.empty:
    year_side.altair_chart(
        charts.annual_chart(years, meta["label"], meta["kind"], code), width="stretch"
    )
    year_side.caption(
        f"Bar chart of {meta['label'].lower()} by financial year (April to "
        "March), made the way the catalogue says; a paler bar is a year still in "
        "progress."
    )
    year_table_side.dataframe(
        common.shown(
            years[["financial_year", "value", "quarters_reported", "change_from_previous_year"]]
            .rename(
                columns={
                    "financial_year": "Year",
                    "value": "Figure",
                    "quarters_reported": "Quarters",
                    "change_from_previous_year": "Change on the year before",
                }
            )
            .iloc[::-1]
        ),
        hide_index=True,
        width="stretch",
    )

# the comparators go with the area's own figures: every authority's published figure for
# this indicator, the area's row first (as LAIT's download gives them)
COMPARATOR_COLUMNS = ["year", "area_code", "area_name", "region_name", "area_value",
                      "england_value", "region_value", "rank", "authorities_ranked",
                      "quartile_in_words", "unit", "source_file"]  # fmt: skip
comparators = published_statistics.every_authority(code)
if not comparators.empty:
    comparators = (
        comparators.assign(is_this_area=comparators["area_code"] == common.area())
        .sort_values(["is_this_area", "year", "area_name"], ascending=[False, True, True])
        .loc[:, COMPARATOR_COLUMNS]
    )
download = pd.concat(
    [
        series.assign(table="quarterly"),
        years.assign(table="annual"),
        comparators.assign(table="published, every authority"),
    ]
)
sheets = {"Quarters": series, "Years": years}
if not comparators.empty:
    sheets["Published, every authority"] = comparators
excel = frames_to_excel(sheets)  # text as text, never a formula
left, right = st.columns(2)
left.download_button(
    "Download as CSV", frame_to_csv(download), file_name=f"{code}.csv", mime="text/csv"
)
right.download_button(
    "Download as Excel",
    excel,
    file_name=f"{code}.xlsx",
    mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
)

benchmarks = data.mart("benchmarks")
if not benchmarks.empty:
    published = benchmarks[
        (benchmarks["indicator_code"] == code) & (benchmarks["area_code"] == common.area())
    ]
    if not published.empty:
        st.subheader("Compared with published statistics")
        models = sorted(published["neighbour_model"].dropna().unique(), reverse=True)
        model = (
            st.radio(
                "Statistical neighbours",
                models,
                horizontal=True,
                format_func=lambda m: f"the {m} model",
            )
            if models
            else None
        )
        if model:
            published = published[published["neighbour_model"] == model]
        area_name, region = published["area_name"].iloc[0], published["region_name"].iloc[0]
        names = {"area_value": area_name, "england_value": "England", "region_value": region}
        if model:
            names["neighbour_mean"] = f"statistical neighbours' mean ({model} model)"
        if meta["kind"] == "count":  # England's count beside one area's says nothing
            names = {k: v for k, v in names.items() if k in ("area_value", "neighbour_mean")}
        long = published.melt(id_vars=["year"], value_vars=list(names), var_name="series")
        long = long.assign(series=long["series"].map(names)).dropna(subset=["value"])
        title = f"{meta['label']}: published figures" + (
            f", with statistical neighbours from the {model} model" if model else ""
        )
        graph_side, numbers_side = st.columns([3, 2])
        bands = published_statistics.quartiles(code)
        bands = bands[bands["year"].isin(published["year"])]
        graph_side.altair_chart(
            charts.benchmark_chart(long, title, meta["kind"], area_name, bands),
            width="stretch",
        )
        latest = published.iloc[-1]
        graph_side.caption(
            f"Chart of the published figures for {area_name} by year, with "
            + ", ".join(v for k, v in names.items() if k != "area_value")
            + ", on the band from the lower to the upper quartile of every local authority. "
            + f"{common.text(latest['rank_in_words'])} {common.text(latest['quartile_in_words'])} "
            + (common.text(latest["neighbour_method"]) if model else "")
        )
        numbers_side.dataframe(
            common.shown(
                published[
                    [
                        "year",
                        "area_value",
                        "england_value",
                        "region_value",
                        "neighbour_mean",
                        "neighbour_median",
                        "neighbours_with_figure",
                        "rank",
                        "authorities_ranked",
                        "quartile_in_words",
                    ]
                ]
                .rename(
                    columns={
                        "year": "Year",
                        "area_value": area_name,
                        "england_value": "England",
                        "region_value": region,
                        "neighbour_mean": "Neighbours' mean",
                        "neighbour_median": "Neighbours' median",
                        "neighbours_with_figure": "Neighbours with a figure",
                        "rank": "Rank",
                        "authorities_ranked": "Of",
                        "quartile_in_words": "Quarter of authorities",
                    }
                )
                .iloc[::-1]
            ),
            hide_index=True,
            width="stretch",
        )
        rank_side, neighbour_side = st.columns([3, 2])
        if published["rank"].notna().any():
            rank_side.altair_chart(
                charts.rank_chart(published, meta["label"], area_name), width="stretch"
            )
            rank_side.caption(
                f"Chart of {area_name}'s rank among every local authority by year, on bands for "
                "the four quarters of authorities: "
                + "; ".join(
                    f"{r.year}: {int(r.rank)} of {int(r.authorities_ranked)}"
                    for r in published.dropna(subset=["rank"]).itertuples()
                )
                + f". {common.text(latest['rank_in_words'])}"
            )
        named = published_statistics.neighbours(code, common.area(), model)
        if not named.empty:
            neighbour_side.markdown(f"**Statistical neighbours ({model} model), closest first**")
            neighbour_side.dataframe(
                common.shown(
                    named.assign(Figure=[common.figure(v, meta["kind"]) for v in named["Figure"]])
                ),
                hide_index=True,
                width="stretch",
            )
        st.caption(f"Source: {common.text(latest['source_file'])} (Department for Education).")

reconciliation = data.mart("reconciliation")
if not reconciliation.empty:
    compared = reconciliation[
        (reconciliation["indicator_code"] == code) & (reconciliation["area_code"] == common.area())
    ]
    if not compared.empty:
        st.subheader("The partnership's own yearly figures against the published ones")
        common.table(
            compared[
                [
                    "financial_year",
                    "local_value",
                    "published_value",
                    "difference",
                    "comparison",
                    "explanation",
                ]
            ]
            .rename(
                columns={
                    "financial_year": "Year",
                    "local_value": "Own figure",
                    "published_value": "Published",
                    "difference": "Difference",
                    "comparison": "Comparison",
                    "explanation": "In words",
                }
            )
            .iloc[::-1]
        )

st.subheader("Compare indicators")
default = [c for c in (code, meta["pair_code"]) if c in indicators.index]
several = st.multiselect(
    "Indicators to compare",
    list(indicators.index),
    default=default,
    format_func=lambda c: indicators.loc[c, "label"],
)
if several:
    long = quarterly[
        (quarterly["area_code"] == common.area()) & quarterly["indicator_code"].isin(several)
    ].dropna(subset=["value"])
    long = long.assign(label=long["indicator_code"].map(indicators["label"]))
    st.altair_chart(charts.small_multiples(long[["label", "period", "value"]]))
    st.caption(
        "Small charts of "
        + ", ".join(indicators.loc[several, "label"].str.lower())
        + " by quarter, each with its own vertical scale (not starting at zero)."
    )
