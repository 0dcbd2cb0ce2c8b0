"""What the chair's first screen says, worked out from the published marts: each indicator's
latest figure with its variation (Making Data Count) and its published benchmark position, and
the "this quarter" paragraph. Kept apart from the page so the words can be tested."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard import charts, common, data, triage

OPEN = ("open", "response requested")  # asked and not yet answered


def latest_figures(area: str) -> pd.DataFrame:
    """One row per indicator with a figure: its latest quarter, value, change on a year
    before, variation and benchmark position (keyed by the published run)."""
    return _latest_figures(area, data.run_id(), data.review_log_change())


@st.cache_data(show_spinner=False, max_entries=16)
def _latest_figures(area: str, run: str, change: int) -> pd.DataFrame:
    indicators = data.indicators()
    quarterly = data.mart("indicator_quarterly")
    mine = quarterly[quarterly["area_code"] == area].sort_values("period")
    flags = data.flags()
    raised = flags[flags["indicated"] & (flags["area_code"] == area)] if not flags.empty else flags
    rows = []
    for code, series in mine.groupby("indicator_code", sort=False):
        if code not in indicators.index or series["value"].notna().sum() == 0:
            continue
        meta = indicators.loc[code]
        latest = series.dropna(subset=["value"]).iloc[-1]
        mine_raised = raised[raised["indicator_code"] == code] if not raised.empty else raised
        directions = dict(zip(mine_raised.get("period", []), mine_raised.get("direction", [])))
        limits = charts.usual_range_frame(series, meta["kind"])
        kinds = charts.variation(series, limits, meta["better"], directions)
        rows.append(
            {
                "indicator_code": code,
                "label": meta["label"],
                "priority": meta["priority"],
                "agency_name": meta["agency_name"],
                "kind": meta["kind"],
                "better": meta["better"],
                "period": latest["period"],
                "value": latest["value"],
                "change": latest["change_from_same_quarter_last_year"],
                "variation": kinds.get(latest["period"], charts.COMMON),
                "benchmark": benchmark_position(code, area),
                "benchmark_worse_than": worse_than_share(code, area),
            }
        )
    return pd.DataFrame(rows)


def benchmark_position(code: str, area: str) -> str:
    """The latest published rank among all authorities, in words, or why there is none."""
    benchmarks = data.mart("benchmarks")
    if benchmarks.empty:
        return "no published comparison"
    mine = benchmarks[(benchmarks["indicator_code"] == code) & (benchmarks["area_code"] == area)]
    mine = mine.dropna(subset=["rank"]) if "rank" in mine else mine.iloc[0:0]
    if mine.empty:
        return "no published comparison"
    latest = mine.sort_values("year").iloc[-1]
    return f"{common.text(latest['rank_in_words'])} ({common.text(latest['year'])})".strip()


def worse_than_share(code: str, area: str) -> float | None:
    """How far down the latest published ranking the area is, 0 (best) to 1 (worst), where
    one direction is better; None where there is no ranking or neither direction is."""
    benchmarks = data.mart("benchmarks")
    if benchmarks.empty:
        return None
    mine = benchmarks[(benchmarks["indicator_code"] == code) & (benchmarks["area_code"] == area)]
    mine = mine.dropna(subset=["rank", "authorities_ranked"])
    if mine.empty or common.text(mine["better"].iloc[-1]) not in ("up", "down"):
        return None
    latest = mine.sort_values("year").iloc[-1]
    return float(latest["rank"]) / float(latest["authorities_ranked"])


def open_questions(area: str) -> pd.DataFrame:
    """Questions raised and not yet answered (one for each story, its lead), sorted by triage
    (with group and age)."""
    flags = data.flags()
    if flags.empty:
        return triage.sort(flags, None)
    indicators = data.indicators()
    mine = flags[flags["indicated"] & (flags["area_code"] == area) & flags["status"].isin(OPEN)]
    mine = triage.questions(mine)
    mine = mine.assign(
        agency_name=mine["agency"].map(dict(zip(indicators["agency"], indicators["agency_name"])))
    )
    return triage.sort(mine, data.latest_period_with_data(area))


def this_quarter(figures: pd.DataFrame, questions: pd.DataFrame, returns: pd.DataFrame) -> str:
    """The paragraph at the top of the first screen: what changed, what is asked, what is
    late. Plain words, every number from the marts."""
    if figures.empty:
        return "No figures have been published for this area yet."
    period = figures["period"].max()
    now = figures[figures["period"] == period]
    words = [f"In {period}, the latest quarter with figures,"]
    concerns = now[now["variation"] == charts.CONCERN]["label"].str.lower().tolist()
    better = now[now["variation"] == charts.IMPROVEMENT]["label"].str.lower().tolist()
    if concerns or better:
        parts = []
        if concerns:
            parts.append(f"{_count(concerns, 'figure')} moved the wrong way by more than "
                         f"usual variation explains ({_list(concerns)})")  # fmt: skip
        if better:
            parts.append(f"{_count(better, 'figure')} moved the right way ({_list(better)})")
        words.append(" and ".join(parts) + ".")
    else:
        words.append("no figure moved by more than usual variation explains.")
    current = questions[questions["group"] != triage.HISTORIC] if not questions.empty else questions
    if current.empty:
        words.append("No question about this year is waiting for an answer.")
    else:
        agencies = sorted(current["agency_name"].dropna().unique())
        words.append(
            f"{_count(current, 'question')} about this year "
            f"{'is' if len(current) == 1 else 'are'} waiting for an answer, from "
            f"{_list(agencies)}."
        )
    due = returns[returns["period"] == period] if not returns.empty else returns
    if not due.empty:
        late = due[due["status"].isin(["late", "missing"])]
        words.append(
            f"{(due['status'] == 'received').sum()} of {len(due)} returns for {period} are in"
            + (f"; late or missing: {_list(sorted(late['agency_name'].dropna()))}." if len(late)
               else ", none late.")
        )  # fmt: skip
    # the most telling published facts: where the area ranks furthest down among all
    # authorities (only where one direction is better)
    ranked = figures.dropna(subset=["benchmark_worse_than"])
    ranked = ranked[ranked["benchmark_worse_than"] >= 0.75].sort_values(
        "benchmark_worse_than", ascending=False
    )
    if not ranked.empty:
        words.append(
            "In the latest published statistics the area is in the worst quarter of local "
            "authorities for "
            + "; ".join(
                f"{r.label.lower()} ({r.benchmark.split(';')[0].lower()})"
                for r in ranked.head(3).itertuples()
            )
            + "."
        )
    return " ".join(words)


def _count(things, noun: str) -> str:
    n = len(things)
    return f"{n} {noun}{'' if n == 1 else 's'}"


def _list(names: list[str]) -> str:
    names = list(names)
    if len(names) <= 1:
        return "".join(names)
    if len(names) > 4:
        return ", ".join(names[:4]) + f" and {len(names) - 4} more"
    return ", ".join(names[:-1]) + " and " + names[-1]


AGE_BANDS = ("This quarter", "One to three quarters ago", "A year or more ago")


def by_agency_and_age(questions: pd.DataFrame, latest_period: str | None) -> pd.DataFrame:
    """Open questions counted by the agency asked and how old the quarter they are about is."""
    latest = triage.quarter_number(latest_period)
    if questions.empty or latest is None:
        return pd.DataFrame(columns=["Agency asked", *AGE_BANDS, "All"])

    def band(period) -> str:
        quarter = triage.quarter_number(period)
        gap = latest - quarter if quarter is not None else 99
        return AGE_BANDS[0] if gap <= 0 else AGE_BANDS[1] if gap < 4 else AGE_BANDS[2]

    counted = (
        questions.assign(
            age_band=questions["period"].map(band),
            agency=questions["agency_name"].map(common.text).replace("", "Not one agency"),
        )
        .pivot_table(index="agency", columns="age_band", values="flag_id", aggfunc="count")
        .reindex(columns=list(AGE_BANDS))
        .fillna(0)
        .astype(int)
    )
    counted["All"] = counted.sum(axis=1)
    return counted.sort_values("All", ascending=False).rename_axis("Agency asked").reset_index()
