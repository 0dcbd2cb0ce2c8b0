"""The report's charts: Altair specifications rendered to PNG by vl-convert, without a network
(no browser, no fonts or scripts fetched), in two processes of their own (`Painters`)."""

from __future__ import annotations

import hashlib
import json
import os
import pickle
import subprocess
import sys
import threading

import altair as alt
import pandas as pd
import vl_convert as vlc

from pipeline.core import paths

WIDTH, HEIGHT = 520, 170

# What a chart is drawn from: its quarters and figures, its title and the axis title.
ChartRequest = tuple[list[tuple[str, float | None]], str, str]


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
    partial = cached.with_suffix(f".{os.getpid()}.{threading.get_ident()}.partial")
    partial.write_bytes(png)
    partial.replace(cached)  # never a half-written picture under the final name
    return png


def _from_zero(values: pd.Series) -> bool:
    """Start at zero unless that would flatten the change (as the dashboard's charts do)."""
    values = values.dropna()
    return bool(values.empty or values.min() <= 0.4 * values.max())


class Painters:
    """Processes of their own that draw the report's charts, one per core (two at most).
    vl-convert draws one chart at a time in a process (its JavaScript engine has one thread, so
    threads only queue): 76 charts took 7 s in one process. They start before the report's
    content is worked out, so their start-up (about a second) overlaps it. Charts a process
    fails to send back are drawn here: slower, never missing."""

    def __init__(self) -> None:
        self._requests: list[ChartRequest] = []
        self._lots: list[list[ChartRequest]] = []
        count = min(2, os.cpu_count() or 1)
        log = paths.logs_dir() / "report-charts.log"  # what the drawing processes say
        log.parent.mkdir(parents=True, exist_ok=True)
        with open(log, "ab") as errors:
            self._processes = [
                subprocess.Popen(
                    [sys.executable, "-m", "pipeline.report.charts"],
                    stdin=subprocess.PIPE,
                    stdout=subprocess.PIPE,
                    stderr=errors,
                    cwd=paths.PROJECT_ROOT,
                )
                for _ in range(count if count > 1 else 0)
            ]

    def ask(self, requests: list[ChartRequest]) -> None:
        """Hand the charts over; they are drawn while this process goes on (see `collect`)."""
        self._requests = requests
        count = len(self._processes)
        self._lots = [requests[i::count] for i in range(count)]
        for process, lot in zip(self._processes, self._lots):
            _send(process, lot)

    def collect(self) -> list[bytes]:
        """Every chart asked for, as a PNG, in the order asked for."""
        if not self._processes:
            return [quarterly_chart(*r) for r in self._requests]
        count = len(self._processes)
        drawn = [_answer(process, lot) for process, lot in zip(self._processes, self._lots)]
        pngs: list[bytes] = [b""] * len(self._requests)
        for i, lot_pngs in enumerate(drawn):
            pngs[i::count] = lot_pngs
        return pngs

    def close(self) -> None:
        for process in self._processes:
            for stream in (process.stdin, process.stdout):
                try:
                    stream.close()
                except OSError:  # a process that died leaves a broken pipe
                    pass
            try:
                process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        self._processes = []

    def __enter__(self) -> Painters:
        return self

    def __exit__(self, *_) -> None:
        self.close()


def _send(process: subprocess.Popen, lot: list[ChartRequest]) -> None:
    try:
        pickle.dump(lot, process.stdin)
        process.stdin.close()
    except (OSError, ValueError):  # it died: _answer draws its charts here
        pass


def _answer(process: subprocess.Popen, lot: list[ChartRequest]) -> list[bytes]:
    try:
        pngs = pickle.load(process.stdout)
    except (OSError, EOFError, ValueError, pickle.UnpicklingError):
        pngs = None
    if not isinstance(pngs, list) or len(pngs) != len(lot):
        return [quarterly_chart(*r) for r in lot]
    return pngs


def _serve() -> None:
    """A drawing process: draw the charts asked for, send their PNGs back."""
    answers = os.fdopen(os.dup(sys.stdout.fileno()), "wb")
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())  # anything printed must not mix with it
    vlc.vegalite_to_svg('{"mark": "point"}')  # start the engine while the requests are made
    try:
        requests = pickle.load(sys.stdin.buffer)
    except EOFError:  # the report stopped before its charts
        return
    pickle.dump([quarterly_chart(*r) for r in requests], answers)
    answers.close()


if __name__ == "__main__":
    _serve()
