"""The report's charts: Altair specifications rendered to PNG by vl-convert, in process and
without a network (no browser, no fonts or scripts fetched)."""

from __future__ import annotations

import hashlib
import json
import threading

import altair as alt
import pandas as pd
import vl_convert as vlc

from pipeline.core import paths

WIDTH, HEIGHT = 520, 170


def quarterly_chart(points: list[tuple[str, float | None]], title: str, axis_title: str) -> bytes:
    """A line of the quarterly figures as a PNG; a quarter without a figure to show (none
    returned, or withheld in a public version) is a gap, never a zero."""
    frame = pd.DataFrame(points, columns=["Quarter", "Figure"])
    order = frame["Quarter"].tolist()
    base = alt.Chart(frame).encode(
        x=alt.X("Quarter:N", sort=order, axis=alt.Axis(labelAngle=-45, title=None)),
        y=alt.Y("Figure:Q", title=axis_title, scale=alt.Scale(zero=_from_zero(frame["Figure"]))),
    )
    chart = (
        (base.mark_line(color="#1f5a96") + base.mark_point(color="#1f5a96", filled=True, size=40))
        .properties(width=WIDTH, height=HEIGHT, title=title)
        .configure_view(strokeWidth=0)
        .configure_title(anchor="start", fontSize=13)
    )
    return _png(chart.to_dict(validate=False))


def _png(spec: dict) -> bytes:
    """Rendering costs about a tenth of a second a chart, and most charts of a report are the
    same as last time: PNGs are kept in data/build/report-charts/ by their specification's
    hash (the same specification always draws the same picture)."""
    text = json.dumps(spec, sort_keys=True)
    cached = paths.work_dir() / "report-charts" / f"{hashlib.sha256(text.encode()).hexdigest()}.png"
    if cached.exists():
        return cached.read_bytes()
    png = vlc.vegalite_to_png(text, scale=1.5)
    cached.parent.mkdir(parents=True, exist_ok=True)
    partial = cached.with_suffix(f".{threading.get_ident()}.partial")
    partial.write_bytes(png)
    partial.replace(cached)  # never a half-written picture under the final name
    return png


def _from_zero(values: pd.Series) -> bool:
    """Start at zero unless that would flatten the change (as the dashboard's charts do)."""
    values = values.dropna()
    return bool(values.empty or values.min() <= 0.4 * values.max())
