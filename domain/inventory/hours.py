"""Opening hours: a pure rule over a weekly schedule and a moment in time."""

from __future__ import annotations

from datetime import datetime, time
from typing import Any
from zoneinfo import ZoneInfo

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def parse_intervals(hours: dict[str, Any], day: str) -> list[tuple[time, time]]:
    intervals = []
    for opens, closes in hours.get(day) or []:
        intervals.append((time.fromisoformat(opens), time.fromisoformat(closes)))
    return intervals


def is_open(hours: dict[str, Any], timezone: str, at: datetime) -> bool:
    """True when `at` (timezone-aware) falls in one of the day's intervals, local time.

    An interval whose closing time is not after its opening time runs past midnight.
    """
    if at.tzinfo is None:
        raise ValueError("`at` must be timezone-aware")
    local = at.astimezone(ZoneInfo(timezone))
    now = local.time().replace(tzinfo=None)
    today = DAYS[local.weekday()]
    yesterday = DAYS[(local.weekday() - 1) % 7]
    for opens, closes in parse_intervals(hours, today):
        if closes > opens and opens <= now < closes:
            return True
        if closes <= opens and now >= opens:
            return True
    return any(
        closes <= opens and now < closes for opens, closes in parse_intervals(hours, yesterday)
    )
