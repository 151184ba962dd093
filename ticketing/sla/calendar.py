"""Business-hours arithmetic: how many working minutes lie between two instants, and when a
number of working minutes from an instant runs out. 24x7 when there is no calendar."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
MAX_DAYS = 3 * 366  # a calendar with no working time at all must not loop forever
MAX_CACHED_DAYS = 4 * 366  # days whose windows one Hours keeps (a few KB each at most)


@dataclass(frozen=True)
class Hours:
    timezone: str
    weekly: dict[str, list[tuple[time, time]]]
    holidays: frozenset[date]
    # A day's windows in UTC, worked out once per Hours (they depend on nothing else).
    _days: dict[date, list[tuple[datetime, datetime]]] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    @classmethod
    def from_data(
        cls, timezone: str, weekly: dict[str, list[list[str]]], holidays: list[str]
    ) -> Hours:
        parsed = {
            day: [(time.fromisoformat(a), time.fromisoformat(b)) for a, b in weekly.get(day, [])]
            for day in DAYS
        }
        return cls(timezone, parsed, frozenset(date.fromisoformat(h) for h in holidays))

    def _windows(self, start: datetime) -> Iterator[tuple[datetime, datetime]]:
        """Working windows from the day of ``start`` onwards, in UTC.

        Windows are laid out on the calendar's wall clock but measured in UTC: Python subtracts
        two datetimes of the same zone by wall clock, which would make the day the clocks go
        back 24 hours long instead of 25."""
        zone = ZoneInfo(self.timezone)
        day = start.astimezone(zone).date()
        for _ in range(MAX_DAYS):
            found = self._days.get(day)
            if found is None:
                if len(self._days) >= MAX_CACHED_DAYS:
                    self._days.clear()
                found = self._days[day] = self._day_windows(day, zone)
            yield from found
            day += timedelta(days=1)

    def _day_windows(self, day: date, zone: ZoneInfo) -> list[tuple[datetime, datetime]]:
        if day in self.holidays:
            return []
        windows = []
        for a, b in self.weekly[DAYS[day.weekday()]]:
            end = (
                datetime.combine(day + timedelta(days=1), time(0), zone)
                if b == time(0)
                else datetime.combine(day, b, zone)
            )
            windows.append((datetime.combine(day, a, zone).astimezone(UTC), end.astimezone(UTC)))
        return windows

    def minutes_between(self, start: datetime, end: datetime) -> float:
        start, end = start.astimezone(UTC), end.astimezone(UTC)
        if end <= start:
            return 0.0
        total = 0.0
        for a, b in self._windows(start):
            if a >= end:
                break
            lo, hi = max(a, start), min(b, end)
            if hi > lo:
                total += (hi - lo).total_seconds() / 60
        return total

    def add_minutes(self, start: datetime, minutes: float) -> datetime | None:
        """The instant ``minutes`` working minutes after ``start`` (None: no working time left)."""
        left = minutes
        start = start.astimezone(UTC)
        for a, b in self._windows(start):
            lo = max(a, start)
            if b <= lo:
                continue
            span = (b - lo).total_seconds() / 60
            if span >= left:
                return lo + timedelta(minutes=left)
            left -= span
        return None


class AlwaysOpen:
    """No calendar: every minute is a working minute."""

    def minutes_between(self, start: datetime, end: datetime) -> float:
        return max((end - start).total_seconds() / 60, 0.0)

    def add_minutes(self, start: datetime, minutes: float) -> datetime | None:
        return start + timedelta(minutes=minutes)
