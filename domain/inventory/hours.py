"""Opening hours: a pure rule over a weekly schedule, special days and a moment in time."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")

Intervals = list[tuple[time, time]]


def _parse(spans: Any) -> Intervals:
    return [(time.fromisoformat(opens), time.fromisoformat(closes)) for opens, closes in spans]


def parse_intervals(hours: dict[str, Any], day: str) -> Intervals:
    return _parse(hours.get(day) or [])


def intervals_on(
    hours: dict[str, Any], special_days: dict[str, Any] | None, day: date
) -> Intervals:
    """The opening spans of a calendar date: its special day's when it has one (an empty
    list is a closure), else its weekday's."""
    if special_days and day.isoformat() in special_days:
        return _parse(special_days[day.isoformat()])
    return parse_intervals(hours, DAYS[day.weekday()])


def is_open(
    hours: dict[str, Any],
    timezone: str,
    at: datetime,
    special_days: dict[str, Any] | None = None,
) -> bool:
    """True when `at` (timezone-aware) falls in one of the day's intervals, local time.

    An interval whose closing time is not after its opening time runs past midnight, into
    the next date (whatever that date's own hours are).
    """
    if at.tzinfo is None:
        raise ValueError("`at` must be timezone-aware")
    local = at.astimezone(ZoneInfo(timezone))
    now = local.time().replace(tzinfo=None)
    today = local.date()
    for opens, closes in intervals_on(hours, special_days, today):
        if closes > opens and opens <= now < closes:
            return True
        if closes <= opens and now >= opens:
            return True
    yesterday = intervals_on(hours, special_days, today - timedelta(days=1))
    return any(closes <= opens and now < closes for opens, closes in yesterday)
