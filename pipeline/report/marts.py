"""What the report reads: the published Parquet marts (as the dashboard does, never the
warehouse), with the flagged questions' reviews as the review log holds them now."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from pipeline.core import paths
from pipeline.publish.marts import read_manifest

COMMENTARY = "agency_commentary"
REVIEW_COLUMNS = ["status", "owner", "response", "impact"]


class NoMarts(Exception):
    """No refresh has published marts yet."""


@dataclass
class Marts:
    run_id: str
    quarterly: pd.DataFrame
    annual: pd.DataFrame
    indicators: pd.DataFrame
    periods: pd.DataFrame
    areas: pd.DataFrame
    return_status: pd.DataFrame
    benchmarks: pd.DataFrame
    flags: pd.DataFrame
    commentary: pd.DataFrame

    def area_name(self, area: str) -> str:
        found = self.areas.loc[self.areas["area_code"] == area, "area_name"]
        return str(found.iloc[0]) if len(found) else area

    def agency_names(self) -> dict[str, str]:
        pairs = self.indicators[["agency", "agency_name"]].drop_duplicates()
        return dict(zip(pairs["agency"], pairs["agency_name"]))

    def commentary_by_indicator(self, area: str, *periods: str) -> dict[str, list[str]]:
        """Indicator -> the agency's own words about it in these quarters."""
        c = self.commentary
        if c.empty:
            return {}
        chosen = c[
            (c["area_code"] == area)
            & c["period"].isin(periods)
            & (c["commentary_about"] == "indicator")
        ]
        found: dict[str, list[str]] = {}
        for r in chosen.sort_values(["indicator_code", "period"]).itertuples():
            found.setdefault(r.indicator_code, []).append(f"{r.period}: {r.commentary}")
        return found

    def narratives(self, area: str, *periods: str) -> dict[str, list[str]]:
        """Agency name -> its narratives for the whole return, quarter by quarter."""
        c = self.commentary
        if c.empty:
            return {}
        chosen = c[
            (c["area_code"] == area)
            & c["period"].isin(periods)
            & (c["commentary_about"] == "return")
        ]
        names = self.agency_names()
        found: dict[str, list[str]] = {}
        for r in chosen.sort_values(["agency", "period"]).itertuples():
            lines = found.setdefault(names.get(r.agency, r.agency), [])
            lines.append(f"{r.period}:")
            lines.extend(str(r.commentary).splitlines())
        return found


def read_marts(folder: Path | None = None, live_reviews: bool = True) -> Marts:
    folder = folder or paths.marts_dir()
    manifest = read_manifest(folder)
    if manifest is None:
        raise NoMarts(f"no marts are published in {folder} yet: run `pqa refresh` first")

    def read(name: str) -> pd.DataFrame:
        path = folder / f"{name}.parquet"
        return pd.read_parquet(path) if path.exists() else pd.DataFrame()

    flags = read("flags")
    commentary = read(COMMENTARY)
    if live_reviews and paths.review_log_path().exists():
        from pipeline.report import commentary as recorded

        if not flags.empty:
            flags = _with_live_reviews(flags)
        labels = read("indicators")
        labels = dict(zip(labels["indicator_code"], labels["label"])) if len(labels) else {}
        commentary = recorded.merged(commentary, recorded.entries(), labels)
    return Marts(
        run_id=manifest["run_id"],
        quarterly=read("indicator_quarterly"),
        annual=read("indicator_annual"),
        indicators=read("indicators"),
        periods=read("periods"),
        areas=read("areas"),
        return_status=read("return_status"),
        benchmarks=read("benchmarks"),
        flags=flags,
        commentary=commentary,
    )


def _with_live_reviews(flags: pd.DataFrame) -> pd.DataFrame:
    """The responses recorded since the marts were published count (as in the dashboard)."""
    from pipeline.flags import review_log

    live = pd.DataFrame(review_log.reviews())
    if live.empty:
        return flags
    live = live.set_index("flag_id")[REVIEW_COLUMNS]
    flags = flags.set_index("flag_id", drop=False)
    known = flags.index.intersection(live.index)
    flags.loc[known, REVIEW_COLUMNS] = live.loc[known, REVIEW_COLUMNS]
    return flags.reset_index(drop=True)
