"""Every chart in the dashboard, made with Altair, each readable without its caption: a title,
a legend naming every series, units on the axis, full height, and the area always in the same
colour. Each chart is named for screen readers by its title and points to the text under it
(`describe` and the pages' captions); colour is never the only signal (flagged quarters are
triangles, the last year's line is dashed, statuses are written in the cells).

The quarterly chart follows the Making Data Count conventions of NHS England: the average of
the baseline, the usual range (process limits), and each quarter coloured by its variation:
orange for a special cause that is a concern, blue for one that is an improvement, purple
where neither direction is better, grey for common cause (ordinary variation)."""

from __future__ import annotations

import altair as alt
import pandas as pd

from pipeline.flags.limits import usual_range
from pipeline.flags.series import Point, Series

THIS_YEAR, LAST_YEAR = "This quarter", "Same quarter last year"

# One colour per thing, the same in every chart; each is at least 3:1 on white (WCAG 1.4.11).
AREA_COLOUR = "#1f2937"  # the partnership's own area, always
LAST_YEAR_COLOUR = "#7b8494"
AVERAGE_COLOUR = "#374151"
RANGE_COLOUR = "#d1d5db"
ENGLAND_COLOUR = "#475569"
REGION_COLOUR = "#0f766e"
NEIGHBOURS_COLOUR = "#7e22ce"
CONCERN, IMPROVEMENT, NEITHER, COMMON = (
    "Special cause: concern",
    "Special cause: improvement",
    "Special cause: neither better nor worse",
    "Common cause (usual variation)",
)
# Making Data Count's variation icons, as a coloured mark beside the words everywhere a
# variation is named (tiles, lists, tables; the words carry it for a screen reader and in print).
VARIATION_MARKS = {CONCERN: "🟠", IMPROVEMENT: "🔵", NEITHER: "🟣", COMMON: "⚪"}
VARIATION_BADGES = {CONCERN: "orange", IMPROVEMENT: "blue", NEITHER: "violet", COMMON: "gray"}


def variation_named(kind: str | None) -> str | None:
    """A variation with its mark, for lists and tables ("🟠 Special cause: concern")."""
    return f"{VARIATION_MARKS[kind]} {kind}" if kind in VARIATION_MARKS else kind


def variation_badge(kind: str) -> str:
    """A variation as a coloured badge with its mark, for a tile (Streamlit Markdown)."""
    return f":{VARIATION_BADGES.get(kind, 'gray')}-badge[{variation_named(kind)}]"


VARIATION_COLOURS = {
    CONCERN: "#b45309",  # orange, 5.0:1
    IMPROVEMENT: "#1d4ed8",  # blue, 6.7:1
    NEITHER: "#7e22ce",  # purple
    COMMON: "#6b7280",  # grey, 4.8:1
}
TEXT_COLOUR = "#374151"  # axis labels and titles: 10:1 on white
HEIGHT = 260
UNITS = {
    "count": "Number",
    "proportion": "Percentage (%)",
    "rate_per_10k": "Rate per 10,000 children",
}


def unit(kind: str, code: str = "") -> str:
    """What the vertical axis counts, in words."""
    if kind == "duration":
        return "Weeks" if "week" in code else "Days"
    return UNITS.get(kind, "Figure")


def _value_axis(kind: str, code: str = "") -> alt.Axis:
    label = "datum.label + '%'" if kind == "proportion" else "datum.label"
    return alt.Axis(title=unit(kind, code), labelExpr=label, tickCount=6)


def _scale(domain_range: dict[str, str]) -> alt.Scale:
    return alt.Scale(domain=list(domain_range), range=list(domain_range.values()))


def _title(title: str) -> alt.TitleParams:
    """A title in lines short enough for a phone (Vega cuts a long one off with "...")."""
    import textwrap

    return alt.TitleParams(
        textwrap.wrap(title, 40), anchor="start", fontSize=15, color="#111827", limit=0
    )


def finish(chart, title: str, description: str, height: int = HEIGHT):
    """Title, height and the name a screen reader announces (the title, then where the words
    are); axis and legend text dark enough to read; the legend above the plot, so it fits a
    phone."""
    return (
        chart.properties(
            title=_title(title),
            description=f"{title}. {description}",
            height=height,
            # the height is the plot's own: titles, legends and labels are added to it, so a
            # long legend never squashes the plot (Streamlit still fits the width)
            autosize=alt.AutoSizeParams(type="fit-x", contains="padding"),
        )
        .configure_axis(
            labelColor=TEXT_COLOUR, titleColor=TEXT_COLOUR, labelFontSize=12, titleFontSize=12
        )
        .configure_legend(
            orient="top",
            columns=2,
            labelColor=TEXT_COLOUR,
            labelFontSize=12,
            labelLimit=320,
            symbolStrokeWidth=3,
        )  # fmt: skip
        .configure_view(stroke=None)
    )


def starts_at_zero(values: pd.Series) -> bool:
    """Start the axis at zero unless that would flatten the change: figures that all sit far
    from zero (the smallest above 40% of the largest) get an axis fitted to them."""
    values = values.dropna()
    return bool(values.empty or values.min() <= 0.4 * values.max())


def usual_range_frame(quarterly: pd.DataFrame, kind: str) -> pd.DataFrame:
    """Lower and upper limits and the baseline's average per quarter, as the flag engine sees
    them (empty if there are too few quarters)."""
    points = tuple(
        Point(r.period, _number(r.value), _number(r.numerator), _number(r.denominator))
        for r in quarterly.itertuples()
    )
    found = usual_range(Series("", "", points), kind) if points else None
    if not found:
        return pd.DataFrame(columns=["period", "lower", "upper", "centre"])
    baseline, limits = found
    rows = [
        (p.period, *limits.bounds(p), limits.centre)
        for p in points
        if p.observed and (limits.method != "angle" or p.denominator)  # a share needs its total
    ]
    frame = pd.DataFrame(rows, columns=["period", "lower", "upper", "centre"])
    frame.attrs["baseline"] = f"{baseline.first_period} to {baseline.last_period}"
    return frame


def _number(value) -> float | None:
    return None if value is None or pd.isna(value) else float(value)


def variation(
    quarterly: pd.DataFrame, limits: pd.DataFrame, better: str, flags: dict[str, str]
) -> pd.Series:
    """Each quarter's variation, by period: a special cause where the figure is outside the
    usual range or a flagged question was raised on it, named by whether that is better or
    worse (`flags` maps a flagged quarter to the flag's direction, concern or improvement)."""
    bounds = limits.set_index("period") if not limits.empty else pd.DataFrame()
    found = {}
    for row in quarterly.dropna(subset=["value"]).itertuples():
        kind = COMMON
        if row.period in bounds.index:
            low, high = bounds.loc[row.period, "lower"], bounds.loc[row.period, "upper"]
            if row.value > high or row.value < low:
                kind = _special(row.value > high, better)
        direction = flags.get(row.period)
        if direction in ("concern", "improvement"):
            kind = CONCERN if direction == "concern" else IMPROVEMENT
        elif row.period in flags and kind == COMMON:
            kind = NEITHER
        found[row.period] = kind
    return pd.Series(found, dtype="object")


def _special(high: bool, better: str) -> str:
    if better not in ("up", "down"):
        return NEITHER
    return IMPROVEMENT if high == (better == "up") else CONCERN


def quarterly_chart(
    quarterly: pd.DataFrame,
    label: str,
    kind: str,
    flagged: list[str],
    *,
    area_name: str = "This area",
    better: str = "neutral",
    flag_directions: dict[str, str] | None = None,
    code: str = "",
):
    """The quarterly figures (Making Data Count style) with the same quarter last year, the
    baseline's average, the usual range shaded and flagged quarters as triangles."""
    directions = {p: "" for p in flagged} | (flag_directions or {})
    order = list(quarterly["period"])
    limits = usual_range_frame(quarterly, kind)
    kinds = variation(quarterly, limits, better, directions)
    this_year = quarterly[["period", "value"]].dropna(subset=["value"])
    last_year = (
        quarterly[["period", "same_quarter_last_year_value"]]
        .rename(columns={"same_quarter_last_year_value": "value"})
        .dropna(subset=["value"])
    )
    series = {area_name: (AREA_COLOUR, [1, 0])}
    if not last_year.empty:
        series[LAST_YEAR] = (LAST_YEAR_COLOUR, [6, 4])
    if not limits.empty:
        series["Average of the baseline"] = (AVERAGE_COLOUR, [2, 3])
        series["Usual range"] = (RANGE_COLOUR, [1, 0])
    # lines in one legend (colour and dash), each quarter's variation in a second one
    colour = _scale({name: c for name, (c, _) in series.items()})
    dash = alt.Scale(domain=list(series), range=[d for _, d in series.values()])
    line_legend = alt.Legend(title="Lines", symbolType="stroke", titleColor=TEXT_COLOUR)
    present = {k: v for k, v in VARIATION_COLOURS.items() if k in set(kinds)}
    values = pd.concat([this_year["value"], last_year["value"]])
    zero = starts_at_zero(values)
    x = alt.X("period:O", sort=order, title="Quarter", axis=alt.Axis(labelAngle=-45))
    y_scale = alt.Scale(zero=zero)
    y_axis = _value_axis(kind, code)

    def line(frame: pd.DataFrame, name: str, field: str = "value", width: float = 1.5):
        return (
            alt.Chart(frame.assign(series=name))
            .mark_line(strokeWidth=width)
            .encode(
                x=x,
                y=alt.Y(f"{field}:Q", scale=y_scale, axis=y_axis),
                color=alt.Color("series:N", scale=colour, legend=line_legend),
                strokeDash=alt.StrokeDash("series:N", scale=dash, legend=None),
                tooltip=[
                    alt.Tooltip("period", title="Quarter"),
                    alt.Tooltip(f"{field}:Q", format=",.1f", title=name),
                ],
            )
        )

    layers = []
    if not limits.empty:
        layers.append(
            alt.Chart(limits.assign(series="Usual range"))
            .mark_area(opacity=0.6)
            .encode(
                x=x,
                y=alt.Y("lower:Q", scale=y_scale, axis=y_axis),
                y2="upper:Q",
                color=alt.Color("series:N", scale=colour, legend=line_legend),
                tooltip=[
                    alt.Tooltip("period", title="Quarter"),
                    alt.Tooltip("lower:Q", format=",.1f", title="Usual range from"),
                    alt.Tooltip("upper:Q", format=",.1f", title="Usual range to"),
                ],
            )
        )
        layers.append(line(limits, "Average of the baseline", "centre"))
    if not last_year.empty:
        layers.append(line(last_year, LAST_YEAR))
    layers.append(line(this_year, area_name, width=2.5))
    points = this_year.assign(
        variation=this_year["period"].map(kinds),
        flagged=this_year["period"].isin(flagged).map({True: "triangle-up", False: "circle"}),
    )
    layers.append(
        alt.Chart(points)
        .mark_point(filled=True, opacity=1, strokeWidth=0)
        .encode(
            x=x,
            y=alt.Y("value:Q", scale=y_scale, axis=y_axis),
            fill=alt.Fill(
                "variation:N",
                scale=_scale(present),
                legend=alt.Legend(
                    title="Each quarter", orient="bottom", columns=1, titleColor=TEXT_COLOUR
                ),
            ),
            shape=alt.Shape("flagged:N", scale=None, legend=None),
            size=alt.condition("datum.flagged == 'triangle-up'", alt.value(200), alt.value(60)),
            tooltip=[
                alt.Tooltip("period", title="Quarter"),
                alt.Tooltip("value:Q", format=",.1f", title=area_name),
                alt.Tooltip("variation:N", title="Variation"),
            ],
        )
    )
    return finish(
        alt.layer(*layers),
        f"{label}, by quarter",
        "Described in the text under the chart.",
    )


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
            f"The baseline, the quarters {limits.attrs['baseline']}, averaged "
            f"{last['centre']:,.1f}; the shaded usual range runs from {last['lower']:,.1f} to "
            f"{last['upper']:,.1f}. Each quarter's dot is orange for a special cause that is a "
            "concern, blue for one that is an improvement, purple where neither way is "
            "better, and grey for usual variation."
        )
    if flagged:
        words.append(f"Quarters with a flagged question (triangles): {', '.join(flagged)}.")
    if not starts_at_zero(quarterly["value"]):
        words.append("The vertical axis does not start at zero, so that changes show.")
    return " ".join(words)


def annual_chart(annual: pd.DataFrame, label: str, kind: str, code: str = ""):
    """One bar per financial year in the area's colour; a year still in progress is paler and
    says so in its name and the legend."""
    complete = annual.dropna(subset=["value"]).assign(
        year=lambda d: d["financial_year"] + d["is_complete"].map({True: "", False: " (so far)"}),
        state=lambda d: d["is_complete"].map({True: "Whole year", False: "Year so far"}),
    )
    colours = {"Whole year": AREA_COLOUR, "Year so far": LAST_YEAR_COLOUR}
    colours = {k: v for k, v in colours.items() if k in set(complete["state"])}
    chart = (
        alt.Chart(complete)
        .mark_bar()
        .encode(
            x=alt.X("year:O", title="Financial year", axis=alt.Axis(labelAngle=0)),
            y=alt.Y("value:Q", axis=_value_axis(kind, code)),
            color=alt.Color("state:N", scale=_scale(colours), title=None),
            tooltip=[
                alt.Tooltip("year", title="Year"),
                alt.Tooltip("value:Q", format=",.1f", title="Figure"),
                alt.Tooltip("quarters_reported", title="Quarters reported"),
            ],
        )
    )
    return finish(
        chart, f"{label}, by financial year", "Described in the text under the chart.", 260
    )


def small_multiples(long: pd.DataFrame):
    """Several indicators side by side, each on its own vertical scale, in the area's colour."""
    title = "Indicators compared (each on its own scale)"
    return (
        alt.Chart(long)
        .mark_line(point=True, color=AREA_COLOUR)
        .encode(
            x=alt.X("period:O", title=None, axis=alt.Axis(labelAngle=-45)),
            y=alt.Y("value:Q", title=None, scale=alt.Scale(zero=False)),
            tooltip=[
                alt.Tooltip("label", title="Indicator"),
                alt.Tooltip("period", title="Quarter"),
                alt.Tooltip("value:Q", format=",.1f", title="Figure"),
            ],
        )
        .properties(width=260, height=160)
        .facet(facet=alt.Facet("label:N", title=None), columns=3)
        .resolve_scale(y="independent")
        .properties(
            title=_title(title),
            description=f"{title}. Described in the text under the chart.",
        )
        .configure_axis(labelColor=TEXT_COLOUR, titleColor=TEXT_COLOUR)
        .configure_header(labelColor=TEXT_COLOUR, labelFontSize=12)
    )


def status_grid(status: pd.DataFrame):
    """Agencies by quarter: a tick for received; late, missing or awaited written in the cell."""
    status = status.assign(mark=status["status"].map({"received": "✓"}).fillna(status["status"]))
    base = alt.Chart(status).encode(
        x=alt.X("period:O", title="Quarter", axis=alt.Axis(labelAngle=-45)),
        y=alt.Y("agency_name:N", title=None),
    )
    cells = base.mark_rect().encode(
        color=alt.Color(
            "status:N",
            title=None,
            scale=alt.Scale(
                domain=["received", "late", "missing", "awaited"],
                range=["#d9f0d3", "#fee391", "#f4a582", "#e5e7eb"],
            ),
        ),
        tooltip=[
            alt.Tooltip("agency_name", title="Agency"),
            alt.Tooltip("period", title="Quarter"),
            alt.Tooltip("status", title="Return"),
        ],
    )
    # a received return is a tick, so the cells stay legible on a phone; the rest are words
    words = base.mark_text(fontSize=10, color="#111827").encode(text="mark:N")
    return finish(
        alt.layer(cells, words),
        "Returns by agency and quarter",
        "Described in the text under the chart.",
        300,
    )


BENCHMARK_COLOURS = {"England": ENGLAND_COLOUR, "region": REGION_COLOUR}


MIDDLE_HALF = "Middle half of all authorities"


def benchmark_chart(
    long: pd.DataFrame,
    title: str,
    kind: str,
    area_name: str,
    bands: pd.DataFrame | None = None,
):
    """The area's published yearly figure (thicker, in the area's colour) beside England, the
    region and its statistical neighbours' mean, each also with its own dash pattern, on the
    band between every authority's lower and upper quartile (as LAIT shades it)."""
    names = list(dict.fromkeys(long["series"]))
    colours = {area_name: AREA_COLOUR}
    others = [ENGLAND_COLOUR, REGION_COLOUR, NEIGHBOURS_COLOUR, LAST_YEAR_COLOUR]
    for name, colour in zip([n for n in names if n != area_name], others, strict=False):
        colours[name] = colour
    with_band = bands is not None and not bands.empty
    if with_band:
        colours[MIDDLE_HALF] = RANGE_COLOUR
    scale = _scale(colours)
    values = pd.concat([long["value"], *([bands["lower_quartile"]] if with_band else [])])
    y_scale = alt.Scale(zero=starts_at_zero(values))
    x = alt.X("year:O", title="Year", axis=alt.Axis(labelAngle=0))
    lines = (
        alt.Chart(long.assign(is_area=long["series"] == area_name))
        .mark_line(point=True)
        .encode(
            x=x,
            y=alt.Y("value:Q", axis=_value_axis(kind), scale=y_scale),
            color=alt.Color(
                "series:N", scale=scale, legend=alt.Legend(title=None, symbolType="stroke")
            ),
            strokeDash=alt.StrokeDash("series:N", legend=None, sort=list(colours)),
            strokeWidth=alt.condition("datum.is_area", alt.value(3.5), alt.value(1.5)),
            tooltip=[
                alt.Tooltip("series", title="Who"),
                alt.Tooltip("year", title="Year"),
                alt.Tooltip("value:Q", format=",.1f", title="Figure"),
            ],
        )
    )
    layers = [lines]
    if with_band:
        band = (
            alt.Chart(bands.assign(series=MIDDLE_HALF))
            .mark_area(opacity=0.6)
            .encode(
                x=x,
                y=alt.Y("lower_quartile:Q", axis=_value_axis(kind), scale=y_scale),
                y2="upper_quartile:Q",
                color=alt.Color("series:N", title=None, scale=scale),
                tooltip=[
                    alt.Tooltip("year", title="Year"),
                    alt.Tooltip("lower_quartile:Q", format=",.1f", title="Lower quartile"),
                    alt.Tooltip("upper_quartile:Q", format=",.1f", title="Upper quartile"),
                ],
            )
        )
        layers = [band, lines]
    return finish(alt.layer(*layers), title, "Described in the text under the chart.", 300)


QUARTER_SHADES = ["#dbeafe", "#e5e7eb", "#d1d5db", "#9ca3af"]  # rank 1's quarter lightest


def rank_chart(ranks: pd.DataFrame, label: str, area_name: str):
    """The area's rank among every authority by year (1 at the top), on bands for the four
    quarters of authorities."""
    ranked = ranks.dropna(subset=["rank"])
    out_of = int(ranked["authorities_ranked"].max())
    edges = [0, out_of / 4, out_of / 2, 3 * out_of / 4, out_of]
    names = [f"Ranks {int(low) + 1} to {int(high)}" for low, high in zip(edges[:-1], edges[1:])]
    bands = pd.DataFrame({"band": names, "from": edges[:-1], "to": edges[1:]})
    y = alt.Y("from:Q", scale=alt.Scale(domain=[out_of, 1]), title=f"Rank (1 to {out_of})")
    shaded = (
        alt.Chart(bands)
        .mark_rect(opacity=0.7)
        .encode(
            y=y,
            y2="to:Q",
            color=alt.Color("band:N", scale=_scale(dict(zip(names, QUARTER_SHADES))), title=None),
        )
    )
    line = (
        alt.Chart(ranked.assign(series=area_name))
        .mark_line(point=True, color=AREA_COLOUR, strokeWidth=3)
        .encode(
            x=alt.X("year:O", title="Year", axis=alt.Axis(labelAngle=0)),
            y=alt.Y("rank:Q", scale=alt.Scale(domain=[out_of, 1])),
            tooltip=[
                alt.Tooltip("year", title="Year"),
                alt.Tooltip("rank:Q", title=f"{area_name}'s rank"),
                alt.Tooltip("authorities_ranked:Q", title="Of"),
            ],
        )
    )
    return finish(
        alt.layer(shaded, line),
        f"{label}: {area_name}'s rank among every authority, by year",
        "Described in the text under the chart.",
        240,
    )
