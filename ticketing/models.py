from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    Uuid,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from deskmate.db import PERSONAL, Base, TimestampedBase, UtcDateTime, utcnow
from ticketing.customers.models import Customer, CustomerTier

__all__ = ["Customer", "CustomerTier"]  # re-exported: they lived here before


class TicketType(StrEnum):
    CONSULTATION = "consultation"
    FAULT = "fault"
    COMPLAINT = "complaint"
    SUGGESTION = "suggestion"
    REQUEST = "request"


class StatusCategory(StrEnum):
    """The stable meaning of a workflow's status: lists, SLA pauses and reports use this."""

    OPEN = "open"
    WAITING = "waiting"  # on the customer or on hold: SLA clocks pause
    RESOLVED = "resolved"
    CLOSED = "closed"


ACTIVE_CATEGORIES = (StatusCategory.OPEN, StatusCategory.WAITING)
DUPLICATE_STATUS = "duplicate"  # any workflow: closed because merged into another ticket


class Priority(StrEnum):
    LOW = "low"
    NORMAL = "normal"
    HIGH = "high"
    URGENT = "urgent"


PRIORITY_ORDER = [Priority.LOW, Priority.NORMAL, Priority.HIGH, Priority.URGENT]


class MessageAuthor(StrEnum):
    CUSTOMER = "customer"
    BOT = "bot"
    AGENT = "agent"
    NOTE = "note"  # internal note: agents only, never sent to the customer


class Channel(StrEnum):
    WEB = "web"
    TELEGRAM = "telegram"
    API = "api"
    EMAIL = "email"


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
    seniority: Mapped[int] = mapped_column(Integer, default=1)
    last_assigned_at: Mapped[datetime | None] = mapped_column(UtcDateTime, default=None)

    team: Mapped[Team | None] = relationship(back_populates="agents")


class TicketNumber(Base):
    """Hands out ticket numbers: inserting a row allocates the next one on every database."""

    __tablename__ = "ticket_numbers"

    number: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class Ticket(TimestampedBase):
    __tablename__ = "tickets"
    __table_args__ = (
        Index("ix_tickets_category_created", "status_category", "created_at"),
        Index(
            "ix_tickets_assignee_category_created", "assignee_id", "status_category", "created_at"
        ),
        Index("ix_tickets_status_created", "status", "created_at"),
    )

    number: Mapped[int] = mapped_column(Integer, unique=True)
    type: Mapped[TicketType] = mapped_column(String(20), default=TicketType.FAULT)
    status: Mapped[str] = mapped_column(String(40), default="new")
    status_category: Mapped[StatusCategory] = mapped_column(String(20), default=StatusCategory.OPEN)
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
    context: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict, info=PERSONAL)
    resolution_outcome: Mapped[str | None] = mapped_column(String(100), default=None)
    resolution_reason: Mapped[str | None] = mapped_column(Text, default=None, info=PERSONAL)
    customer_id: Mapped[uuid.UUID | None] = mapped_column(
        Uuid, ForeignKey("customers.id"), default=None, index=True
    )
    team_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("teams.id"), default=None)
    assignee_id: Mapped[uuid.UUID | None] = mapped_column(
        Uuid, ForeignKey("agents.id"), default=None, index=True
    )
    merged_into_id: Mapped[uuid.UUID | None] = mapped_column(
        Uuid, ForeignKey("tickets.id"), default=None
    )
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 - read once by the mapper

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


class TicketMessage(TimestampedBase):
    """A message on a ticket. A channel's message id is stored once: redeliveries are refused."""

    __tablename__ = "ticket_messages"
    __table_args__ = (UniqueConstraint("channel", "channel_message_id"),)

    ticket_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("tickets.id"), index=True)
    author_kind: Mapped[MessageAuthor] = mapped_column(String(20))
    author: Mapped[str | None] = mapped_column(String(200), default=None, info=PERSONAL)
    body: Mapped[str] = mapped_column(Text, info=PERSONAL)
    channel: Mapped[str | None] = mapped_column(String(20), default=None)
    channel_message_id: Mapped[str | None] = mapped_column(String(200), default=None)


class CsatRating(TimestampedBase):
    """The customer's satisfaction with one ticket: one rating per ticket."""

    __tablename__ = "csat_ratings"

    ticket_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("tickets.id"), unique=True)
    rating: Mapped[int] = mapped_column(SmallInteger)
    comment: Mapped[str | None] = mapped_column(Text, default=None, info=PERSONAL)


class DuplicateLink(TimestampedBase):
    """``duplicate`` was merged into ``primary``; both keep their own event history."""

    __tablename__ = "ticket_duplicate_links"

    duplicate_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("tickets.id"), unique=True)
    primary_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("tickets.id"), index=True)
    actor: Mapped[str | None] = mapped_column(String(200), default=None)
    reason: Mapped[str | None] = mapped_column(Text, default=None)
