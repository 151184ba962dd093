from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, String, Text, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column, relationship

from deskmate.db import PERSONAL, Base, TimestampedBase, UtcDateTime, utcnow


class TicketType(StrEnum):
    CONSULTATION = "consultation"
    FAULT = "fault"
    COMPLAINT = "complaint"
    SUGGESTION = "suggestion"
    REQUEST = "request"


class TicketStatus(StrEnum):
    NEW = "new"
    OPEN = "open"
    PENDING = "pending"
    RESOLVED = "resolved"
    CLOSED = "closed"


class Priority(StrEnum):
    LOW = "low"
    NORMAL = "normal"
    HIGH = "high"
    URGENT = "urgent"


class CustomerTier(StrEnum):
    CORE = "core"
    POTENTIAL = "potential"
    GENERAL = "general"


class Channel(StrEnum):
    WEB = "web"
    TELEGRAM = "telegram"
    API = "api"
    EMAIL = "email"


class Customer(TimestampedBase):
    __tablename__ = "customers"

    name: Mapped[str | None] = mapped_column(String(200), default=None, info=PERSONAL)
    email: Mapped[str | None] = mapped_column(String(320), unique=True, default=None, info=PERSONAL)
    phone: Mapped[str | None] = mapped_column(String(50), default=None, info=PERSONAL)
    language: Mapped[str] = mapped_column(String(10), default="en")
    region: Mapped[str | None] = mapped_column(String(100), default=None, info=PERSONAL)
    tier: Mapped[CustomerTier] = mapped_column(String(20), default=CustomerTier.GENERAL)


class Team(TimestampedBase):
    __tablename__ = "teams"

    key: Mapped[str] = mapped_column(String(50), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    products: Mapped[list[str]] = mapped_column(JSON, default=list)
    categories: Mapped[list[str]] = mapped_column(JSON, default=list)
    languages: Mapped[list[str]] = mapped_column(JSON, default=list)

    agents: Mapped[list[Agent]] = relationship(back_populates="team")


class Agent(TimestampedBase):
    """A person who handles tickets; skills are ``{"skill": name, "level": 1..5}`` entries."""

    __tablename__ = "agents"

    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(320), unique=True)
    team_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("teams.id"), default=None)
    languages: Mapped[list[str]] = mapped_column(JSON, default=list)
    skills: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    products: Mapped[list[str]] = mapped_column(JSON, default=list)
    capacity: Mapped[int] = mapped_column(Integer, default=8)
    is_lead: Mapped[bool] = mapped_column(default=False)
    available: Mapped[bool] = mapped_column(default=True)

    team: Mapped[Team | None] = relationship(back_populates="agents")


class TicketNumber(Base):
    """Hands out ticket numbers: inserting a row allocates the next one on every database."""

    __tablename__ = "ticket_numbers"

    number: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class Ticket(TimestampedBase):
    __tablename__ = "tickets"

    number: Mapped[int] = mapped_column(Integer, unique=True)
    type: Mapped[TicketType] = mapped_column(String(20), default=TicketType.FAULT)
    status: Mapped[TicketStatus] = mapped_column(String(20), default=TicketStatus.NEW, index=True)
    priority: Mapped[Priority] = mapped_column(String(10), default=Priority.NORMAL)
    description: Mapped[str] = mapped_column(Text, info=PERSONAL)
    product: Mapped[str | None] = mapped_column(String(100), default=None)
    category: Mapped[str | None] = mapped_column(String(100), default=None)
    channel: Mapped[Channel] = mapped_column(String(20), default=Channel.API)
    language: Mapped[str] = mapped_column(String(10), default="en")
    contact_email: Mapped[str | None] = mapped_column(String(320), default=None, info=PERSONAL)
    conversation_id: Mapped[str | None] = mapped_column(
        String(100), default=None, index=True, info=PERSONAL
    )
    customer_id: Mapped[uuid.UUID | None] = mapped_column(
        Uuid, ForeignKey("customers.id"), default=None, index=True
    )
    team_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("teams.id"), default=None)
    assignee_id: Mapped[uuid.UUID | None] = mapped_column(
        Uuid, ForeignKey("agents.id"), default=None, index=True
    )

    customer: Mapped[Customer | None] = relationship()
    team: Mapped[Team | None] = relationship()
    assignee: Mapped[Agent | None] = relationship()
    events: Mapped[list[TicketEvent]] = relationship(
        back_populates="ticket", order_by="TicketEvent.created_at"
    )

    @property
    def reference(self) -> str:
        return format_reference(self.number)


def format_reference(number: int) -> str:
    return f"DM-{number:06d}"


class TicketEvent(TimestampedBase):
    """Append-only history of a ticket: the source for its timeline, clocks and reports."""

    __tablename__ = "ticket_events"

    ticket_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("tickets.id"), index=True)
    kind: Mapped[str] = mapped_column(String(50))
    actor: Mapped[str | None] = mapped_column(String(200), default=None)
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict, info=PERSONAL)

    ticket: Mapped[Ticket] = relationship(back_populates="events")


class IdempotencyKey(TimestampedBase):
    """Remembers which ticket a create request with a given ``Idempotency-Key`` produced."""

    __tablename__ = "idempotency_keys"
    __table_args__ = (UniqueConstraint("scope", "key"),)

    scope: Mapped[str] = mapped_column(String(50))
    key: Mapped[str] = mapped_column(String(200), info=PERSONAL)  # often holds a conversation id
    request_hash: Mapped[str] = mapped_column(String(64))
    ticket_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("tickets.id"))
