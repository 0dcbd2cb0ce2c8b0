"""Every chart in the dashboard, made with Altair. Each has a title, and `describe` gives the
text alternative shown beside it; colour is never the only signal (flagged quarters are also
a different shape, statuses are written in the cells)."""

from __future__ import annotations

import altair as alt
import pandas as pd

from pipeline.flags.limits import usual_range
from pipeline.flags.series import Point, Series

THIS_YEAR, LAST_YEAR = "This quarter", "Same quarter last year"


def starts_at_zero(values: pd.Series) -> bool:
    """Start the axis at zero unless that would flatten the change: figures that all sit far
    from zero (the smallest above 40% of the largest) get an axis fitted to them."""
    values = values.dropna()
    return bool(values.empty or values.min() <= 0.4 * values.max())


def usual_range_frame(quarterly: pd.DataFrame, kind: str) -> pd.DataFrame:
    """Lower and upper limits per quarter, as the flag engine sees them (empty if too few)."""
    points = tuple(
        Point(r.period, _number(r.value), _number(r.numerator), _number(r.denominator))
        for r in quarterly.itertuples()
    )
    found = usual_range(Series("", "", points), kind) if points else None
    if not found:
        return pd.DataFrame(columns=["period", "lower", "upper"])
    baseline, limits = found
    rows = [
        (p.period, *limits.bounds(p))
        for p in points
        if p.observed and (limits.method != "p_chart" or p.denominator)
    ]
    frame = pd.DataFrame(rows, columns=["period", "lower", "upper"])
    frame.attrs["baseline"] = f"{baseline.first_period} to {baseline.last_period}"
    return frame


def _number(value) -> float | None:
    return None if value is None or pd.isna(value) else float(value)


def quarterly_chart(
    quarterly: pd.DataFrame, label: str, kind: str, flagged: list[str]
) -> alt.LayerChart:
    """The quarterly figures with the same quarter last year, the usual range shaded and
    flagged quarters marked with a triangle."""
    order = list(quarterly["period"])
    long = pd.concat(
        [
            quarterly[["period", "value"]].assign(series=THIS_YEAR),
            quarterly[["period", "same_quarter_last_year_value"]]
            .rename(columns={"same_quarter_last_year_value": "value"})
            .assign(series=LAST_YEAR),
        ]
    ).dropna(subset=["value"])
    zero = starts_at_zero(long["value"])
    x = alt.X("period:O", sort=order, title="Quarter", axis=alt.Axis(labelAngle=-45))
    y = alt.Y("value:Q", title=label, scale=alt.Scale(zero=zero))
    lines = (
        alt.Chart(long)
        .mark_line(point=True)
        .encode(
            x=x,
            y=y,
            color=alt.Color("series:N", title=None, sort=[THIS_YEAR, LAST_YEAR]),
            strokeDash=alt.StrokeDash("series:N", sort=[THIS_YEAR, LAST_YEAR], legend=None),
            tooltip=["period", "series", alt.Tooltip("value:Q", format=",.1f")],
        )
    )
    layers = []
    limits = usual_range_frame(quarterly, kind)
    if not limits.empty:
        layers.append(
            alt.Chart(limits)
            .mark_area(opacity=0.15, color="gray")
            .encode(
                x=x,
                y=alt.Y("lower:Q", scale=alt.Scale(zero=zero)),
                y2="upper:Q",
                tooltip=[
                    "period",
                    alt.Tooltip("lower:Q", format=",.1f", title="usual range from"),
                    alt.Tooltip("upper:Q", format=",.1f", title="usual range to"),
                ],
            )
        )
    layers.append(lines)
    marks = quarterly[quarterly["period"].isin(flagged)].dropna(subset=["value"])
    if not marks.empty:
        marks = marks[["period", "value"]].assign(note="a flagged question")
        layers.append(
            alt.Chart(marks)
            .mark_point(shape="triangle-up", size=180, filled=True, color="#b2182b")
            .encode(
                x=x, y="value:Q", tooltip=["period", alt.Tooltip("value:Q", format=",.1f"), "note"]
            )
        )
    return alt.layer(*layers).properties(title=f"{label}, by quarter", height=320)


def describe(quarterly: pd.DataFrame, label: str, flagged: list[str], limits: pd.DataFrame) -> str:
    """A text alternative for the quarterly chart."""
    shown = quarterly.dropna(subset=["value"])
    if shown.empty:
        return f"No figures yet for {label.lower()}."
    latest = shown.iloc[-1]
    words = [
        f"Chart of {label.lower()} by quarter from {shown['period'].iloc[0]} to "
        f"{latest['period']}, with the same quarter a year earlier. The latest figure is "
        f"{latest['value']:,.1f} in {latest['period']}."
    ]
    if not limits.empty:
        last = limits.iloc[-1]
        words.append(
            f"The shaded usual range, from the quarters {limits.attrs['baseline']}, "
            f"runs from {last['lower']:,.1f} to {last['upper']:,.1f}."
        )
    if flagged:
        words.append(f"Quarters with a flagged question (triangles): {', '.join(flagged)}.")
    if not starts_at_zero(quarterly["value"]):
        words.append("The vertical axis does not start at zero, so that changes show.")
    return " ".join(words)


def annual_chart(annual: pd.DataFrame, label: str) -> alt.Chart:
    complete = annual.assign(
        year=lambda d: d["financial_year"] + d["is_complete"].map({True: "", False: " (so far)"})
    )
    return (
        alt.Chart(complete)
        .mark_bar()
        .encode(
            x=alt.X("year:O", title="Financial year"),
            y=alt.Y("value:Q", title=label),
            opacity=alt.condition("datum.is_complete", alt.value(1.0), alt.value(0.4)),
            tooltip=["year", alt.Tooltip("value:Q", format=",.1f"), "quarters_reported"],
        )
        .properties(title=f"{label}, by financial year", height=220)
    )


def small_multiples(long: pd.DataFrame) -> alt.FacetChart:
    """Several indicators side by side, each on its own vertical scale."""
    return (
        alt.Chart(long)
        .mark_line(point=True)
        .encode(
            x=alt.X("period:O", title=None, axis=alt.Axis(labelAngle=-45)),
            y=alt.Y("value:Q", title=None, scale=alt.Scale(zero=False)),
            tooltip=["label", "period", alt.Tooltip("value:Q", format=",.1f")],
        )
        .properties(width=260, height=160)
        .facet(
            facet=alt.Facet("label:N", title=None),
            columns=3,
        )
        .resolve_scale(y="independent")
        .properties(title="Indicators compared (each on its own scale)")
    )


def status_grid(status: pd.DataFrame) -> alt.LayerChart:
    """Agencies by quarter: received, late, missing or awaited, written in every cell."""
    base = alt.Chart(status).encode(
        x=alt.X("period:O", title="Quarter", axis=alt.Axis(labelAngle=-45)),
        y=alt.Y("agency_name:N", title=None),
    )
    cells = base.mark_rect().encode(
        color=alt.Color(
            "status:N",
            title="Return",
            scale=alt.Scale(
                domain=["received", "late", "missing", "awaited"],
                range=["#d9f0d3", "#fee391", "#f4a582", "#e0e0e0"],
            ),
        ),
        tooltip=["agency_name", "period", "status", "file_name", "validation_queries"],
    )
    words = base.mark_text(fontSize=9).encode(text="status:N")
    return alt.layer(cells, words).properties(title="Returns by agency and quarter", height=260)


def benchmark_chart(long: pd.DataFrame, label: str, title: str) -> alt.Chart:
    """The area's published yearly figure beside England, the region and its statistical
    neighbours' mean; each line also has its own dash pattern."""
    return (
        alt.Chart(long)
        .mark_line(point=True)
        .encode(
            x=alt.X("year:O", title="Year"),
            y=alt.Y("value:Q", title=label, scale=alt.Scale(zero=starts_at_zero(long["value"]))),
            color=alt.Color("series:N", title=None),
            strokeDash=alt.StrokeDash("series:N", legend=None),
            tooltip=["series", "year", alt.Tooltip("value:Q", format=",.1f")],
        )
        .properties(title=title, height=260)
    )
