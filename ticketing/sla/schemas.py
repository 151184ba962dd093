from __future__ import annotations

import re
from datetime import date, time
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from ticketing.customers.models import CustomerTier
from ticketing.models import Priority, TicketType
from ticketing.sla.calendar import DAYS

HHMM = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")


class CalendarIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=100)
    timezone: str = Field(default="UTC", max_length=64)
    weekly_hours: dict[str, list[tuple[str, str]]]
    holidays: list[date] = Field(default_factory=list, max_length=1000)

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown timezone {value!r}") from exc
        return value

    @field_validator("weekly_hours")
    @classmethod
    def _valid_hours(
        cls, value: dict[str, list[tuple[str, str]]]
    ) -> dict[str, list[tuple[str, str]]]:
        unknown = sorted(set(value) - set(DAYS))
        if unknown:
            raise ValueError(f"unknown days {unknown}; use {list(DAYS)}")
        for day, windows in value.items():
            for start, end in windows:
                if not (HHMM.match(start) and HHMM.match(end)):
                    raise ValueError(f"{day}: times are HH:MM, got {start!r}-{end!r}")
                if end != "00:00" and time.fromisoformat(end) <= time.fromisoformat(start):
                    raise ValueError(f"{day}: {start}-{end} ends before it starts")
        if not any(value.values()):
            raise ValueError("a calendar needs some working hours")
        return value


class CalendarRead(CalendarIn):
    pass


class SlaPolicyIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=100)
    position: int = Field(default=100, ge=0)
    ticket_type: TicketType | None = None
    priority: Priority | None = None
    tier: CustomerTier | None = None
    first_response_minutes: int = Field(ge=1, le=525_600)
    next_response_minutes: int = Field(ge=1, le=525_600)
    resolution_minutes: int = Field(ge=1, le=525_600)
    warn_before_minutes: int = Field(default=30, ge=0)
    supervisor_after_minutes: int = Field(default=60, ge=0)
    calendar: str | None = Field(default=None, max_length=100)

    @model_validator(mode="after")
    def _warn_inside_target(self) -> SlaPolicyIn:
        targets = {
            "first_response_minutes": self.first_response_minutes,
            "next_response_minutes": self.next_response_minutes,
            "resolution_minutes": self.resolution_minutes,
        }
        for field, target in targets.items():
            if self.warn_before_minutes >= target:
                raise ValueError(f"warn_before_minutes must be less than {field}")
        return self


class SlaPolicyRead(SlaPolicyIn):
    pass
