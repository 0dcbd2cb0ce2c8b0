"""The report's charts are drawn in processes of their own (pipeline/report/charts.py,
`Painters`): what comes back is what this process would draw, in the order asked for, and a
drawing process that died means its charts are drawn here, never missing."""

from __future__ import annotations

import shutil

from pipeline.core import paths
from pipeline.report.charts import Painters, quarterly_chart

REQUESTS = [
    (
        [("2025-26 Q1", 10.0 + n), ("2025-26 Q2", None), ("2025-26 Q3", 14.0 * n)],
        f"Chart {n}",
        "Number",
    )
    for n in range(5)
]


def _drawn_here() -> list[bytes]:
    """Drawn in this process, afresh: the charts kept from an earlier drawing are removed."""
    shutil.rmtree(paths.work_dir() / "report-charts", ignore_errors=True)
    return [quarterly_chart(*request) for request in REQUESTS]


def test_painters_draw_what_this_process_would_in_the_order_asked():
    with Painters() as painters:
        painters.ask(REQUESTS)
        drawn = painters.collect()
    assert len(set(drawn)) == len(REQUESTS)  # five different pictures
    assert drawn == _drawn_here()


def test_a_painter_that_died_means_its_charts_are_drawn_here():
    here = _drawn_here()
    shutil.rmtree(paths.work_dir() / "report-charts")
    with Painters() as painters:
        for process in painters._processes:
            process.kill()
            process.wait()
        painters.ask(REQUESTS)
        assert painters.collect() == here
