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


def test_one_hours_answers_the_same_from_its_remembered_days(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The windows an Hours works out per day are kept; a fresh Hours, or one that keeps only
    two days (so it forgets while it goes), gives the same answers."""
    data = (
        "Europe/Berlin",
        {d: [["09:00", "12:00"], ["13:00", "17:00"]] for d in DAYS[:5]},
        ["2026-12-25"],
    )
    kept = Hours.from_data(*data)
    starts = [at(18, 16), at(24, 16), at(21, 11), at(18, 16)]
    first = [(kept.minutes_between(s, at(29, 10)), kept.add_minutes(s, 900)) for s in starts]
    assert first == [
        (Hours.from_data(*data).minutes_between(s, at(29, 10)), OFFICE.add_minutes(s, 900))
        for s in starts
    ]
    monkeypatch.setattr("ticketing.sla.calendar.MAX_CACHED_DAYS", 2)
    small = Hours.from_data(*data)
    assert [(small.minutes_between(s, at(29, 10)), small.add_minutes(s, 900)) for s in starts] == (
        first
    )
    assert len(small._days) <= 2


def test_a_calendar_is_parsed_once_and_an_edited_one_anew() -> None:
    from ticketing.sla.models import BusinessCalendar, SlaPolicy
    from ticketing.sla.service import hours_of

    calendar = BusinessCalendar(
        name="c",
        timezone="Europe/Berlin",
        weekly_hours={"mon": [["09:00", "17:00"]]},
        holidays=[],
    )
    policy = SlaPolicy(name="p", calendar=calendar)
    assert hours_of(policy) is hours_of(policy)
    monday = at(21, 9)
    assert hours_of(policy).minutes_between(monday, at(21, 17)) == 8 * 60
    calendar.weekly_hours = {"mon": [["09:00", "12:00"]]}
    assert hours_of(policy).minutes_between(monday, at(21, 17)) == 3 * 60
