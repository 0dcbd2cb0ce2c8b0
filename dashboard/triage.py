"""Sorting flagged questions the way a chair reads them: concerns apart from improvements and
from questions about the data, and questions about the current year apart from historic ones
(about quarters more than a year before the latest figures). Each has its quarter and age.

The flag engine may publish its own judgement (a `question_kind` of concern, improvement or
data, and `is_historic`); when the flags mart has those columns they are used as they are,
otherwise they are worked out here from the rule, the direction and the quarter. Flags about
related figures in one area and quarter are one story (`story_id`) asking one question, its
`story_lead`: only the leads are listed and counted as questions."""

from __future__ import annotations

from datetime import UTC, datetime

import pandas as pd

from dashboard import common

CONCERNS, IMPROVEMENTS, NEUTRAL, DATA, HISTORIC = (
    "Concerns",
    "Improvements",
    "Changes where neither direction is better",
    "Questions about the data",
    "Earlier quarters",
)
GROUPS = (CONCERNS, IMPROVEMENTS, NEUTRAL, DATA, HISTORIC)
EXPLAINED = {
    CONCERNS: "Figures that moved the wrong way by more than usual variation explains.",
    IMPROVEMENTS: "Figures that moved the right way by more than usual variation explains: "
    "worth knowing what worked.",
    NEUTRAL: "Figures that changed by more than usual variation explains, where more or fewer "
    "is neither good nor bad in itself: worth understanding why.",
    DATA: "Returns or figures that are missing, repeated or differ from published statistics.",
    HISTORIC: "Questions about quarters more than a year before the latest figures: kept for "
    "the record, not for this quarter's meeting.",
}
DATA_RULES = {"missing_figure", "stale_figure", "missing_return", "differs_from_published"}
KIND_COLUMNS = ("question_type", "question_kind", "flag_kind", "category")
HISTORIC_COLUMNS = ("is_historic", "historic")


def quarter_number(period) -> int | None:
    """ "2025-26 Q3" as a count of quarters, to measure how far apart two quarters are."""
    words = common.text(period)
    try:
        year = int(words[:4])
    except ValueError:
        return None
    quarter = int(words[-1]) if " Q" in words and words[-1].isdigit() else 4
    return year * 4 + quarter


def kind_of(row) -> str:
    for column in KIND_COLUMNS:
        value = common.text(row.get(column)).lower()
        if value.startswith("concern"):
            return CONCERNS
        if value.startswith("improve"):
            return IMPROVEMENTS
        if value.startswith("data"):
            return DATA
    if row.get("rule") in DATA_RULES:
        return DATA
    direction = common.text(row.get("direction"))
    return {"improvement": IMPROVEMENTS, "concern": CONCERNS}.get(direction, NEUTRAL)


def is_historic(row, latest: int | None) -> bool:
    for column in HISTORIC_COLUMNS:
        if column in row and row[column] is not None and row[column] == row[column]:
            return bool(row[column])
    quarter = quarter_number(row.get("period"))
    return latest is not None and quarter is not None and latest - quarter >= 4


def age(raised_at, now: datetime | None = None) -> str:
    """How long a question has been open, in words."""
    try:
        raised = datetime.fromisoformat(str(raised_at))
    except ValueError:
        return ""
    days = ((now or datetime.now(UTC)) - raised).days
    if days < 1:
        return "new today"
    if days < 14:
        return f"{days} day{'s' if days > 1 else ''}"
    if days < 70:
        return f"{days // 7} weeks"
    return f"{days // 30} months"


def questions(flags: pd.DataFrame) -> pd.DataFrame:
    """One row for each question: a story's lead (`story_lead`), not its other members. A mart
    from before stories were published has no such column, and every flag is a question."""
    if "story_lead" not in flags.columns:
        return flags
    return flags[flags["story_lead"].fillna(True).astype(bool)]


def sort(flags: pd.DataFrame, latest_period: str | None) -> pd.DataFrame:
    """The flags with `group` (one of GROUPS) and `age`, kept in the published order (most
    important first) within each group."""
    if flags.empty:
        return flags.assign(group=pd.Series(dtype="object"), age=pd.Series(dtype="object"))
    latest = quarter_number(latest_period)
    rows = flags.to_dict("records")
    groups = [HISTORIC if is_historic(r, latest) else kind_of(r) for r in rows]
    return flags.assign(group=groups, age=[age(r.get("first_raised_at")) for r in rows])


def table(flags: pd.DataFrame) -> None:
    common.table(
        pd.DataFrame(
            {
                "Question": flags["question"].map(common.text),
                "Quarter": flags["period"].map(common.text),
                "Open for": flags["age"].map(common.text),
                "Agency asked": flags["agency_name"].map(common.text),
                "Status": flags["status"].map(common.text),
                "Owner": flags["owner"].map(common.text),
            }
        )
    )
