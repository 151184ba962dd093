from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column, relationship

from deskmate.db import TimestampedBase
from ticketing.models import Team


class RoutingRule(TimestampedBase):
    """Which team takes the tickets that match; rules are tried by ``position``, first match wins.

    ``match`` maps a ticket attribute (type, product, category, language, channel, tier) to the
    values it may have; an attribute not named matches anything. ``skill`` is the skill the
    ticket needs (agents are ranked by their proficiency in it).
    """

    __tablename__ = "routing_rules"

    name: Mapped[str] = mapped_column(String(100), unique=True)
    position: Mapped[int] = mapped_column(Integer, default=100)
    match: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    team_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("teams.id"))
    skill: Mapped[str | None] = mapped_column(String(100), default=None)
    enabled: Mapped[bool] = mapped_column(default=True)

    team: Mapped[Team] = relationship()
