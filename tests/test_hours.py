"""Unit tests of the opening-hours rule `domain.inventory.hours.is_open`."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from domain.inventory.hours import DAYS, is_open, parse_intervals
from domain.seed import data

VN = "Asia/Ho_Chi_Minh"
VN_TZ = ZoneInfo(VN)
# 2025-06-02 is a Monday; the week runs to Sunday 2025-06-08.
MONDAY = datetime(2025, 6, 2, tzinfo=VN_TZ)


def at(day: int, hh: int, mm: int = 0, ss: int = 0) -> datetime:
    """A moment in Vietnam local time, `day` days after Monday 2025-06-02."""
    return MONDAY + timedelta(days=day, hours=hh, minutes=mm, seconds=ss)


def every_day(*spans: list[str]) -> dict[str, list[list[str]]]:
    return {day: [list(s) for s in spans] for day in DAYS}


def test_monday_is_monday():
    assert MONDAY.weekday() == 0
    assert DAYS[at(6, 12).weekday()] == "sun"


@pytest.mark.parametrize(
    ("hh", "mm", "ss", "expected"),
    [
        (7, 59, 59, False),
        (8, 0, 0, True),  # opening time is included
        (12, 0, 0, True),
        (21, 59, 59, True),
        (22, 0, 0, False),  # closing time is excluded
        (23, 30, 0, False),
        (0, 30, 0, False),
    ],
)
def test_open_and_closed_within_a_day(hh, mm, ss, expected):
    hours = every_day(["08:00", "22:00"])
    for day in range(7):
        assert is_open(hours, VN, at(day, hh, mm, ss)) is expected


def test_split_day_lunch_break():
    hours = {"wed": [["08:00", "12:00"], ["13:30", "21:00"]]}
    wednesday = 2
    assert is_open(hours, VN, at(wednesday, 9)) is True
    assert is_open(hours, VN, at(wednesday, 11, 59)) is True
    assert is_open(hours, VN, at(wednesday, 12)) is False
    assert is_open(hours, VN, at(wednesday, 12, 45)) is False
    assert is_open(hours, VN, at(wednesday, 13, 29, 59)) is False
    assert is_open(hours, VN, at(wednesday, 13, 30)) is True
    assert is_open(hours, VN, at(wednesday, 20, 59)) is True
    assert is_open(hours, VN, at(wednesday, 21)) is False
    # Other days are not in the schedule: closed.
    assert is_open(hours, VN, at(wednesday + 1, 9)) is False


def test_seeded_split_day_store():
    """HN-CG01 closes over lunch on Wednesdays only (see the demo data)."""
    store = next(loc for loc in data.LOCATIONS if loc.code == "HN-CG01")
    assert is_open(store.opening_hours, VN, at(2, 12, 30)) is False
    assert is_open(store.opening_hours, VN, at(1, 12, 30)) is True


def test_closed_day_empty_list():
    hours = every_day(["08:00", "22:00"])
    hours["mon"] = []
    assert is_open(hours, VN, at(0, 12)) is False
    assert is_open(hours, VN, at(1, 12)) is True


def test_closed_day_missing_key():
    hours = every_day(["08:00", "22:00"])
    del hours["sun"]
    assert is_open(hours, VN, at(6, 12)) is False
    assert is_open(hours, VN, at(5, 12)) is True


def test_empty_schedule_is_always_closed():
    for day in range(7):
        for hh in range(24):
            assert is_open({}, VN, at(day, hh)) is False


def test_interval_past_midnight():
    hours = {"fri": [["18:00", "02:00"]]}
    friday, saturday = 4, 5
    assert is_open(hours, VN, at(friday, 17, 59)) is False
    assert is_open(hours, VN, at(friday, 18)) is True
    assert is_open(hours, VN, at(friday, 23, 59, 59)) is True
    # The next day, before the closing time, is still Friday's evening.
    assert is_open(hours, VN, at(saturday, 0)) is True
    assert is_open(hours, VN, at(saturday, 1)) is True
    assert is_open(hours, VN, at(saturday, 1, 59, 59)) is True
    assert is_open(hours, VN, at(saturday, 2)) is False
    assert is_open(hours, VN, at(saturday, 18)) is False
    # Friday early morning belongs to Thursday, which has no hours.
    assert is_open(hours, VN, at(friday, 1)) is False


def test_interval_past_midnight_wraps_from_sunday_to_monday():
    hours = {"sun": [["20:00", "03:00"]]}
    assert is_open(hours, VN, at(6, 21)) is True
    assert is_open(hours, VN, at(7, 1)) is True  # the next Monday
    assert is_open(hours, VN, at(0, 1)) is True  # this week's Monday, after last Sunday
    assert is_open(hours, VN, at(7, 4)) is False


def test_interval_past_midnight_with_a_daytime_interval():
    hours = {"sat": [["10:00", "14:00"], ["18:00", "02:00"]], "sun": [["10:00", "14:00"]]}
    saturday, sunday = 5, 6
    assert is_open(hours, VN, at(saturday, 15)) is False
    assert is_open(hours, VN, at(sunday, 1)) is True
    assert is_open(hours, VN, at(sunday, 9)) is False
    assert is_open(hours, VN, at(sunday, 11)) is True


def test_vietnam_time_zone_conversion():
    hours = every_day(["08:00", "22:00"])
    # Vietnam is UTC+7 all year: 14:30 UTC is 21:30 there, 15:30 UTC is 22:30.
    open_utc = datetime(2025, 6, 3, 14, 30, tzinfo=UTC)
    closed_utc = datetime(2025, 6, 3, 15, 30, tzinfo=UTC)
    assert open_utc.astimezone(VN_TZ).strftime("%H:%M") == "21:30"
    assert closed_utc.astimezone(VN_TZ).strftime("%H:%M") == "22:30"
    assert is_open(hours, VN, open_utc) is True
    assert is_open(hours, VN, closed_utc) is False
    # 01:00 UTC is 08:00 in Vietnam: just opened, though it is night in UTC terms.
    assert is_open(hours, VN, datetime(2025, 6, 3, 1, 0, tzinfo=UTC)) is True
    assert is_open(hours, VN, datetime(2025, 6, 3, 0, 59, tzinfo=UTC)) is False


def test_weekday_is_taken_in_local_time():
    # Sunday 20:00 UTC is Monday 03:00 in Vietnam; only Monday has hours.
    hours = {"mon": [["00:00", "06:00"]]}
    sunday_evening_utc = datetime(2025, 6, 8, 20, 0, tzinfo=UTC)
    assert sunday_evening_utc.weekday() == 6
    assert is_open(hours, VN, sunday_evening_utc) is True
    assert is_open(hours, VN, datetime(2025, 6, 8, 16, 0, tzinfo=UTC)) is False  # 23:00 Sunday


def test_other_fixed_offsets_give_the_same_answer():
    hours = every_day(["08:00", "22:00"])
    instant = datetime(2025, 6, 3, 14, 30, tzinfo=UTC)
    for offset in (-10, -3, 0, 5, 9):
        same = instant.astimezone(timezone(timedelta(hours=offset)))
        assert is_open(hours, VN, same) is True


def test_other_time_zone_of_the_location():
    hours = every_day(["08:00", "22:00"])
    instant = datetime(2025, 6, 3, 14, 30, tzinfo=UTC)  # 21:30 in Vietnam, 23:30 in Tokyo
    assert is_open(hours, VN, instant) is True
    assert is_open(hours, "Asia/Tokyo", instant) is False


def test_naive_datetime_is_rejected():
    with pytest.raises(ValueError, match="timezone-aware"):
        is_open(every_day(["08:00", "22:00"]), VN, datetime(2025, 6, 3, 12, 0))


def test_parse_intervals():
    hours = {"mon": [["08:30", "12:00"], ["13:00", "22:00"]], "tue": []}
    assert [(o.isoformat(), c.isoformat()) for o, c in parse_intervals(hours, "mon")] == [
        ("08:30:00", "12:00:00"),
        ("13:00:00", "22:00:00"),
    ]
    assert parse_intervals(hours, "tue") == []
    assert parse_intervals(hours, "wed") == []


def test_a_special_day_replaces_the_weekday_hours():
    weekly = every_day(["08:00", "22:00"])
    holiday = {"2025-06-03": [], "2025-06-04": [["10:00", "14:00"]]}
    assert is_open(weekly, VN, at(0, 9), holiday)  # Monday: the weekly hours
    assert not is_open(weekly, VN, at(1, 9), holiday)  # Tuesday: closed all day
    assert not is_open(weekly, VN, at(2, 9), holiday)  # Wednesday: opens late
    assert is_open(weekly, VN, at(2, 13, 59), holiday)
    assert not is_open(weekly, VN, at(2, 14), holiday)


def test_a_special_night_runs_past_midnight_into_the_next_date():
    weekly = every_day(["08:00", "22:00"])
    night = {"2025-06-03": [["18:00", "02:00"]]}
    assert is_open(weekly, VN, at(1, 23, 30), night)
    assert is_open(weekly, VN, at(2, 1, 59), night)
    assert not is_open(weekly, VN, at(2, 2), night)
