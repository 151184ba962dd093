from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column, relationship

from deskmate.db import TimestampedBase


class BusinessCalendar(TimestampedBase):
    """Working hours: ``weekly_hours`` maps mon..sun to ``[["09:00", "17:00"], ...]``."""

    __tablename__ = "business_calendars"

    name: Mapped[str] = mapped_column(String(100), unique=True)
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    weekly_hours: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    holidays: Mapped[list[str]] = mapped_column(JSON, default=list)


class SlaPolicy(TimestampedBase):
    """Targets in business minutes for tickets of a type, priority and tier (None = any).

    The most specific matching policy applies (most non-empty selectors, then ``position``).
    """

    __tablename__ = "sla_policies"

    name: Mapped[str] = mapped_column(String(100), unique=True)
    position: Mapped[int] = mapped_column(Integer, default=100)
    ticket_type: Mapped[str | None] = mapped_column(String(20), default=None)
    priority: Mapped[str | None] = mapped_column(String(10), default=None)
    tier: Mapped[str | None] = mapped_column(String(20), default=None)
    first_response_minutes: Mapped[int] = mapped_column(Integer)
    next_response_minutes: Mapped[int] = mapped_column(Integer)
    resolution_minutes: Mapped[int] = mapped_column(Integer)
    warn_before_minutes: Mapped[int] = mapped_column(Integer, default=30)
    supervisor_after_minutes: Mapped[int] = mapped_column(Integer, default=60)
    calendar_id: Mapped[uuid.UUID | None] = mapped_column(
        Uuid, ForeignKey("business_calendars.id"), default=None
    )

    calendar: Mapped[BusinessCalendar | None] = relationship()
