"""What the six-monthly report says, worked out once from the published marts, for the Word and
HTML writers alike: every figure is already text here (so no writer can show "nan"), and in a
public version every figure has been through disclosure control first."""

from __future__ import annotations

import math
from collections.abc import Hashable
from dataclasses import dataclass, field

import pandas as pd

from pipeline.core import paths
from pipeline.core.catalogue import DEFAULT_AREA
from pipeline.core.periods import Quarter, quarters_between
from pipeline.report import disclosure, meetings
from pipeline.report.marts import Marts

YEARS_SIDE_BY_SIDE = 3
QUARTERS_CHARTED = 12
NOT_YET = "not yet ended"
NO_RETURN = "no figure"
HIDDEN_MARK = "*"  # marks a figure hidden in a public version; the key says why
HIDDEN_TEXT = {
    disclosure.SMALL: "fewer than {least}",
    disclosure.SECONDARY: "hidden*",
    disclosure.WITHHELD: "withheld*",
}
QUESTION_HEADINGS = (
    "Question or matter raised",
    "Quarter or meeting",
    "Status",
    "Response",
    "Impact",
)
NOT_ONE_AGENCY = "Matters not about one agency's data"


class ReportError(Exception):
    """A report that cannot be made (a period the marts do not cover)."""


@dataclass
class Table:
    columns: list[str]
    rows: list[list[str]]


@dataclass
class IndicatorBlock:
    code: str
    label: str
    agency_name: str
    chart_title: str
    chart_points: list[tuple[str, float | None]]
    chart_axis: str
    chart_alt: str
    table: Table
    change_words: list[str]
    benchmark_words: str | None
    commentary: list[str]
    chart_png: bytes = b""


@dataclass
class Section:
    priority: str
    blocks: list[IndicatorBlock]


@dataclass
class Report:
    title: str
    period: str
    months: str
    version: str  # "Partnership version" or "Public version"
    public: bool
    area_name: str
    summary_changes: list[str]
    summary_questions: list[str]
    summary_returns: list[str]
    sections: list[Section]
    questions: dict[str, Table]  # agency name -> its questions
    definitions: Table
    disclosure_note: str | None
    narratives: dict[str, list[str]] = field(default_factory=dict)  # agency name -> its words
    hidden: dict[Hashable, str] = field(default_factory=dict)
    grid: disclosure.Grid | None = None


def build_content(marts: Marts, period: str, public: bool, area: str = DEFAULT_AREA) -> Report:
    quarter = _quarter(marts, period)
    first = quarter.previous()  # six months: this quarter and the one before
    months = f"{first.start:%B %Y} to {quarter.end:%B %Y}"
    quarterly = marts.quarterly[marts.quarterly["area_code"] == area]
    annual = marts.annual[marts.annual["area_code"] == area]
    years = _years(quarter)
    charted = [
        q.label
        for q in quarters_between(Quarter(quarter.start_year - 2, 1), quarter)
        if q.label in set(quarterly["period"])
    ][-QUARTERS_CHARTED:]
    grid = _grid(marts, quarterly, annual, years, charted)
    least = disclosure.minimum()
    state = disclosure.protect(grid, least) if public else {}
    shown = _Shown(grid, state, least)
    blocks_by_priority: dict[str, list[IndicatorBlock]] = {}
    by_indicator = {c: g.set_index("period") for c, g in quarterly.groupby("indicator_code")}
    years_by_indicator = {
        c: g.set_index("financial_year") for c, g in annual.groupby("indicator_code")
    }
    commentary = marts.commentary_by_indicator(area, quarter.previous().label, quarter.label)
    for row in marts.indicators.itertuples():
        mine = by_indicator.get(row.indicator_code, quarterly.iloc[:0].set_index("period"))
        mine_years = years_by_indicator.get(
            row.indicator_code, annual.iloc[:0].set_index("financial_year")
        )
        block = _block(row, mine, mine_years, marts, shown, years, charted, quarter, area)
        block.commentary = [
            disclosure.public_text(t, least) if public else t
            for t in commentary.get(row.indicator_code, [])
        ]
        blocks_by_priority.setdefault(row.priority, []).append(block)
    sections = [Section(p, blocks_by_priority[p]) for p in _priorities(marts)]
    version = "Public version" if public else "Partnership version"
    return Report(
        title=f"Six-monthly data report: {months}",
        period=quarter.label,
        months=months,
        version=version,
        public=public,
        area_name=marts.area_name(area),
        summary_changes=_what_changed(marts, quarterly, shown, quarter),
        summary_questions=_questions_summary(marts, first, quarter, area),
        summary_returns=_returns_summary(marts, first, quarter, area),
        sections=sections,
        questions=_questions(marts, first, quarter, area, public, least),
        definitions=_definitions(marts),
        disclosure_note=_disclosure_note(least) if public else None,
        narratives=_narratives(marts, area, first, quarter, public, least),
        hidden={k: v for k, v in state.items() if v != disclosure.SHOWN},
        grid=grid,
    )


def _quarter(marts: Marts, period: str) -> Quarter:
    quarter = Quarter.parse(period)
    ended = marts.periods[marts.periods["has_ended"]]
    if quarter.label not in set(ended["period"]):
        latest = ended["period"].iloc[-1] if len(ended) else "none"
        raise ReportError(
            f"the published marts have no ended quarter {quarter.label} (the latest is {latest}); "
            "choose an ended quarter, or refresh first"
        )
    return quarter


def _years(quarter: Quarter) -> list[str]:
    return [Quarter(quarter.start_year - n, 1).financial_year for n in range(2, -1, -1)]


def _priorities(marts: Marts) -> list[str]:
    """The partnership's priorities in the catalogue's order."""
    return list(dict.fromkeys(marts.indicators["priority"]))


# --- the figures and disclosure control --------------------------------------------------


def _grid(marts: Marts, quarterly, annual, years: list[str], charted: list[str]):
    """Every figure the report shows, keyed (indicator, quarter or year), with the sums among
    them, so a public version can be protected as a whole."""
    grid = disclosure.Grid()
    shown_periods = set(charted) | {f"{y} Q{n}" for y in years for n in range(1, 5)}
    by_code = {r["indicator_code"]: r for r in marts.indicators.to_dict("records")}
    q = quarterly[quarterly["period"].isin(shown_periods)]
    a = annual[annual["financial_year"].isin(years)]
    for r in q.itertuples():
        _add(grid, by_code[r.indicator_code], (r.indicator_code, r.period), r)
    for r in a.itertuples():
        _add(grid, by_code[r.indicator_code], (r.indicator_code, r.financial_year), r)
    for r in a.itertuples():  # a year's events are the sum of its quarters
        ind = by_code[r.indicator_code]
        if ind["kind"] == "count" and ind["annual_method"] == "sum":
            quarters = [
                (r.indicator_code, f"{r.financial_year} Q{n}")
                for n in range(1, r.quarters_reported + 1)
            ]
            grid.add_sum((r.indicator_code, r.financial_year), quarters)
    for code, ind in by_code.items():  # a total is the sum of its categories
        parts = [p for p, i in by_code.items() if i["part_of"] == code]
        if ind["kind"] == "count" and parts:
            for key in [k for k in grid.counts if k[0] == code]:
                grid.add_sum(key, [(p, key[1]) for p in parts])
    return grid


def _add(grid: disclosure.Grid, ind, key: tuple[str, str], r) -> None:
    value = _num(r.value)
    if ind["kind"] == "count":
        grid.counts[key] = value
        return
    built_on = tuple(
        (code, key[1]) for code in (ind["numerator_code"], ind["denominator_code"]) if _text(code)
    )
    grid.ratios[key] = disclosure.Ratio(_num(r.numerator), _num(r.denominator), built_on)


@dataclass
class _Shown:
    """Figures as text, as the version being made may show them."""

    grid: disclosure.Grid
    state: dict[Hashable, str]
    least: int

    def hidden(self, key: Hashable) -> str | None:
        found = self.state.get(key, disclosure.SHOWN)
        return None if found == disclosure.SHOWN else found

    def value(self, key: Hashable) -> float | None:
        """The figure, or None when there is none or it may not be shown."""
        if self.hidden(key):
            return None
        if key in self.grid.counts:
            return self.grid.counts[key]
        return self.fallback.get(key)

    fallback: dict = field(default_factory=dict)

    def text(self, key: Hashable, value: float | None, kind: str) -> str:
        why = self.hidden(key)
        if why:
            return HIDDEN_TEXT[why].format(least=self.least)
        return figure(value, kind)


def _num(value) -> float | None:
    if value is None or value is pd.NA:
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(number) else number


def _text(value) -> str:
    """A cell as text, missing values as empty text (never 'nan' or 'None')."""
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return ""
    return str(value).strip()


def figure(value: float | None, kind: str) -> str:
    if value is None:
        return NO_RETURN
    if kind == "count":
        return f"{value:,.0f}"
    if kind == "proportion":
        return f"{value:,.1f}%"
    if kind == "rate_per_10k":
        return f"{value:,.1f} per 10,000"
    return f"{value:,.1f}"


def later_figures(quarterly: pd.DataFrame) -> dict[tuple[str, str], str]:
    """(indicator, quarter) -> its figure as text, from the published quarterly mart, for
    linking a matter's impact to the later figure it is judged by."""
    return {
        (r.indicator_code, r.period): figure(float(r.value), r.kind)
        for r in quarterly.itertuples()
        if _num(r.value) is not None  # a quarter with no return has no figure to link
    }


# --- one indicator ----------------------------------------------------------------------


def _block(ind, mine, mine_years, marts, shown, years, charted, quarter, area):
    code, kind = ind.indicator_code, ind.kind
    for period, value in mine["value"].items():  # ratios' values, for the chart and words
        shown.fallback[(code, period)] = _num(value)
    for year, value in mine_years["value"].items():
        shown.fallback[(code, year)] = _num(value)
    points = [(p, shown.value((code, p))) for p in charted if p in mine.index]
    axis = {"count": "number", "proportion": "per cent", "rate_per_10k": "per 10,000"}.get(
        kind, _text(ind.measured_in_words) or "figure"
    )
    table = _three_years(code, kind, mine, mine_years, years, quarter, shown)
    drawn = [f"{p}: {figure(v, kind)}" for p, v in points if v is not None]
    alt_text = (
        f"{ind.label}, quarterly, {charted[0]} to {charted[-1]}. " + "; ".join(drawn)
        if charted and drawn
        else f"{ind.label}: no figures to show."
    )
    return IndicatorBlock(
        code=code,
        label=ind.label,
        agency_name=ind.agency_name,
        chart_title=f"{ind.label}, by quarter",
        chart_points=points,
        chart_axis=axis,
        chart_alt=alt_text,
        table=table,
        change_words=_change_words(ind, mine, mine_years, quarter, shown),
        benchmark_words=_benchmark(marts, code, kind, area),
        commentary=[],
    )


def _three_years(code, kind, mine, mine_years, years, quarter, shown) -> Table:
    """Quarters down the side, three financial years across, then each year's figure: the
    yearly report's layout."""
    rows = []
    for n in range(1, 5):
        row = [f"Q{n}"]
        for year in years:
            period = f"{year} Q{n}"
            if Quarter.parse(period) > quarter:
                row.append(NOT_YET)
            elif period in mine.index:
                row.append(shown.text((code, period), _num(mine.at[period, "value"]), kind))
            else:
                row.append(NO_RETURN)
        rows.append(row)
    year_row = ["Year"]
    for year in years:
        if year in mine_years.index:
            text = shown.text((code, year), _num(mine_years.at[year, "value"]), kind)
            if not bool(mine_years.at[year, "is_complete"]):
                text += f" (to {mine_years.at[year, 'latest_period'][-2:]})"
            year_row.append(text)
        else:
            year_row.append(NO_RETURN)
    rows.append(year_row)
    return Table(["Quarter", *years], rows)


def _change_words(ind, mine, mine_years, quarter: Quarter, shown: _Shown) -> list[str]:
    """The year-on-year change in words, from the figures this version may show."""
    code, kind, words = ind.indicator_code, ind.kind, []
    this, last = quarter.label, quarter.year_before().label
    now, before = shown.value((code, this)), shown.value((code, last))
    if now is not None and before is not None:
        words.append(
            f"{this}: {figure(now, kind)}, {_compared(now, before, kind, ind.better)} "
            f"the same quarter a year before ({figure(before, kind)})."
        )
    elif this in mine.index:
        words.append(f"{this}: no comparison with the same quarter a year before can be shown.")
    complete = mine_years[mine_years["is_complete"].astype(bool)]
    if len(complete) >= 2:
        year, previous = complete.index[-1], complete.index[-2]
        now, before = shown.value((code, year)), shown.value((code, previous))
        if now is not None and before is not None:
            words.append(
                f"{year}: {figure(now, kind)}, {_compared(now, before, kind, ind.better)} "
                f"{previous} ({figure(before, kind)})."
            )
    return words


def _compared(now: float, before: float, kind: str, better: str) -> str:
    if now == before:
        return "the same as"
    up = now > before
    size = abs(now - before)
    if kind == "proportion":
        amount = f"{size:.1f} percentage points"
    elif before:
        amount = f"{figure(size, kind)} ({size / abs(before) * 100:.0f}%)"
    else:
        amount = figure(size, kind)
    judgement = ""
    if better in ("up", "down"):
        judgement = ", better than" if (better == "up") == up else ", worse than"
        return f"{'up' if up else 'down'} {amount}{judgement}"
    return f"{'up' if up else 'down'} {amount} on"


def _benchmark(marts: Marts, code: str, kind: str, area: str) -> str | None:
    """Where the area stands among local authorities, for rates and percentages (a count's
    rank says only how big an authority is)."""
    if kind == "count":
        return None
    found = marts.benchmarks[
        (marts.benchmarks["indicator_code"] == code)
        & (marts.benchmarks["area_code"] == area)
        & marts.benchmarks["area_value"].notna()
    ]
    if found.empty:
        return None
    latest = found.sort_values(["year", "neighbour_model"]).iloc[-1]
    parts = [
        f"In {_text(latest['period_in_words'])}, published by the Department for Education: "
        f"{_text(latest['area_name'])} {figure(_num(latest['area_value']), kind)}"
    ]
    for label, column in (("England", "england_value"), ("the region", "region_value")):
        if _num(latest[column]) is not None:
            parts.append(f"{label} {figure(_num(latest[column]), kind)}")
    if _num(latest["neighbour_mean"]) is not None:
        parts.append(
            f"statistical neighbours' average {figure(_num(latest['neighbour_mean']), kind)}"
        )
    sentence = "; ".join(parts) + "."
    for column in ("rank_in_words", "quartile_in_words"):
        if _text(latest[column]):
            sentence += " " + _text(latest[column])
    return sentence


# --- the summary -----------------------------------------------------------------------


def _what_changed(marts: Marts, quarterly, shown: _Shown, quarter: Quarter) -> list[str]:
    """The largest changes on the same quarter a year before (counts of 20 or more, so a
    change of a few children is not read as a trend)."""
    labels = marts.indicators.set_index("indicator_code")
    found = []
    for code, ind in labels.iterrows():
        now = shown.value((code, quarter.label))
        before = shown.value((code, quarter.year_before().label))
        if now is None or before is None or not before:
            continue
        if ind["kind"] == "count" and max(now, before) < 20:
            continue
        change = (now - before) / abs(before) * 100
        if abs(change) >= 15:
            found.append((abs(change), code, ind, now, before))
    found.sort(key=lambda f: (-f[0], f[1]))
    return [
        f"{ind['label']}: {figure(now, ind['kind'])} in {quarter.label}, "
        f"{_compared(now, before, ind['kind'], ind['better'])} a year before "
        f"({figure(before, ind['kind'])})."
        for _, code, ind, now, before in found[:8]
    ] or ["No indicator changed by 15% or more on the same quarter a year before."]


def _report_flags(marts: Marts, first: Quarter, last: Quarter, area: str) -> pd.DataFrame:
    """Flagged questions about the six months, and earlier ones still open."""
    flags = marts.flags
    if flags.empty:
        return flags
    flags = flags[flags["area_code"] == area]
    periods = {first.label, last.label}
    in_period = flags["period"].isin(periods)
    earlier_open = (flags["period"] < first.label) & ~flags["status"].isin(["closed"])
    return flags[in_period | (earlier_open & flags["indicated"].astype(bool))]


def _questions_summary(marts: Marts, first: Quarter, last: Quarter, area: str) -> list[str]:
    flags = _report_flags(marts, first, last, area)
    if flags.empty:
        return ["No questions were raised about these six months."]
    counts = flags["status"].value_counts()
    states = ", ".join(f"{n} {status}" for status, n in sorted(counts.items()))
    raised = int(flags["period"].isin({first.label, last.label}).sum())
    return [
        f"{raised} question(s) raised about {first.label} and {last.label}, and "
        f"{len(flags) - raised} earlier question(s) still open: {states}."
    ]


def _returns_summary(marts: Marts, first: Quarter, last: Quarter, area: str) -> list[str]:
    status = marts.return_status
    status = status[
        (status["area_code"] == area)
        & status["period"].isin({first.label, last.label})
        & status["status"].isin(["late", "missing"])
    ]
    names = marts.agency_names()
    lines = [
        f"{names.get(r.agency, r.agency)}, {r.period}: {r.status}"
        + (f" (due {r.return_due_date:%d %B %Y})" if r.status == "missing" else "")
        for r in status.sort_values(["period", "agency"]).itertuples()
    ]
    return lines or ["Every return for these six months came by its due date."]


# --- questions and definitions ---------------------------------------------------------


def _questions(marts, first, last, area, public, least) -> dict[str, Table]:
    """Flagged questions about the six months (and earlier ones still open), then the matters
    raised at meetings held from the start of the six months to the end of the next quarter
    (when the six months are discussed), grouped by agency."""
    flags = _report_flags(marts, first, last, area)
    names = marts.agency_names()
    rows: dict[str, list[list[str]]] = {}
    if not flags.empty:
        for r in flags.sort_values(["agency", "period", "indicator_code", "rule"]).itertuples():
            cells = [
                _text(r.question),
                r.period,
                _text(r.status),
                _text(r.response),
                _text(r.impact),
            ]
            rows.setdefault(names.get(r.agency, r.agency), []).append(cells)
    for m in _meeting_matters(first.start, last.next().end):
        cells = [
            m["question"],
            f"{m['group_name']}, {m['held_on']}",
            m["status"],
            meetings.response_text(m),
            meetings.impact_text(m),
        ]
        rows.setdefault(names.get(m["agency"], NOT_ONE_AGENCY), []).append(cells)
    grouped = {}
    for agency in sorted(rows, key=lambda a: (a == NOT_ONE_AGENCY, a)):
        table = []
        for cells in rows[agency]:
            cells = [disclosure.public_text(c, least) for c in cells] if public else cells
            table.append([c or "none recorded" for c in cells])
        grouped[agency] = Table(list(QUESTION_HEADINGS), table)
    return grouped


def _meeting_matters(start, end) -> list[dict]:
    if not paths.review_log_path().exists():
        return []
    return [m for m in meetings.matters() if start.isoformat() <= m["held_on"] <= end.isoformat()]


def _narratives(marts, area, first, last, public, least) -> dict[str, list[str]]:
    found = marts.narratives(area, first.label, last.label)
    if public:
        found = {a: [disclosure.public_text(t, least) for t in lines] for a, lines in found.items()}
    return found


def _definitions(marts: Marts) -> Table:
    rows = [
        [
            _text(r.label),
            _text(r.definition),
            _text(r.agency_name),
            f"{_text(r.kind_in_words)}, {_text(r.measured_in_words)}; {_text(r.polarity_in_words)}",
        ]
        for r in marts.indicators.itertuples()
    ]
    return Table(["Indicator", "Definition", "From", "What kind of figure"], rows)


def _disclosure_note(least: int) -> str:
    return (
        f"This is the public version. Counts from 1 to {least - 1} are shown as "
        f'"fewer than {least}"; a rate or percentage built on such a count is marked '
        '"withheld*"; where figures add up (the quarters of a year, the categories of a '
        'total), another figure is marked "hidden*" so that a total minus the figures shown '
        "cannot reveal a small one. Text that mentions a number below "
        f"{least} is withheld."
    )
