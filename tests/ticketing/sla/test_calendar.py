from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from ticketing.sla.calendar import DAYS, AlwaysOpen, Hours

BERLIN = ZoneInfo("Europe/Berlin")
OFFICE = Hours.from_data(
    "Europe/Berlin",
    {d: [["09:00", "12:00"], ["13:00", "17:00"]] for d in ("mon", "tue", "wed", "thu", "fri")},
    ["2026-12-25"],
)


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 12, day, hour, minute, tzinfo=BERLIN)


def test_working_minutes_skip_nights_lunch_weekends_and_holidays() -> None:
    assert OFFICE.minutes_between(at(18, 16), at(21, 10)) == 120  # Fri 16:00 -> Mon 10:00
    assert OFFICE.minutes_between(at(21, 11), at(21, 14)) == 120  # lunch does not count
    assert OFFICE.minutes_between(at(24, 16), at(28, 10)) == 120  # Thu, holiday Fri, weekend
    assert OFFICE.minutes_between(at(21, 10), at(21, 9)) == 0


def test_adding_working_minutes_finds_the_due_time() -> None:
    assert OFFICE.add_minutes(at(18, 16, 30), 60) == at(21, 9, 30)
    assert OFFICE.add_minutes(at(21, 11, 30), 60) == at(21, 13, 30)
    assert OFFICE.add_minutes(at(19, 10), 30) == at(21, 9, 30)  # Saturday: Monday morning
    start = at(22, 8)
    due = OFFICE.add_minutes(start, 420)
    assert due is not None and OFFICE.minutes_between(start, due) == pytest.approx(420)


def test_utc_instants_are_read_in_the_calendars_zone() -> None:
    monday_nine_berlin = datetime(2026, 12, 21, 8, 0, tzinfo=UTC)
    assert OFFICE.minutes_between(monday_nine_berlin, monday_nine_berlin + timedelta(hours=1)) == 60


def test_no_calendar_means_every_minute_counts() -> None:
    start = at(19, 3)
    assert AlwaysOpen().minutes_between(start, start + timedelta(hours=2)) == 120
    assert AlwaysOpen().add_minutes(start, 30) == start + timedelta(minutes=30)


def test_the_days_the_clocks_change_count_their_real_length() -> None:
    always = Hours.from_data("Europe/Berlin", {d: [["00:00", "00:00"]] for d in DAYS}, [])
    night = Hours.from_data("Europe/Berlin", {d: [["01:00", "04:00"]] for d in DAYS}, [])
    autumn = datetime(2026, 10, 25, tzinfo=BERLIN)  # clocks go back at 03:00
    spring = datetime(2026, 3, 29, tzinfo=BERLIN)  # clocks go forward at 02:00
    assert always.minutes_between(autumn, datetime(2026, 10, 26, tzinfo=BERLIN)) == 25 * 60
    assert always.minutes_between(spring, datetime(2026, 3, 30, tzinfo=BERLIN)) == 23 * 60
    assert night.minutes_between(autumn, autumn + timedelta(days=1)) == 4 * 60
    assert night.minutes_between(spring, spring + timedelta(days=1)) == 2 * 60
    # 01:00 summer time is 23:00 UTC; 200 real minutes later it is 03:20 winter time.
    assert night.add_minutes(autumn, 200) == datetime(2026, 10, 25, 2, 20, tzinfo=UTC)
