"""Customers, the channel identities that lead to them, and the rules that class them by value."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Float,
    ForeignKey,
    Integer,
    String,
    UniqueConstraint,
    Uuid,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship
from sqlalchemy.sql.expression import false as sa_false

from deskmate.db import PERSONAL, TimestampedBase, UtcDateTime


class CustomerTier(StrEnum):
    CORE = "core"
    POTENTIAL = "potential"
    GENERAL = "general"


class Customer(TimestampedBase):
    """One record per customer; value, loyalty and potential feed the tier rules."""

    __tablename__ = "customers"

    name: Mapped[str | None] = mapped_column(String(200), default=None, info=PERSONAL)
    email: Mapped[str | None] = mapped_column(String(320), unique=True, default=None, info=PERSONAL)
    phone: Mapped[str | None] = mapped_column(String(50), default=None, info=PERSONAL)
    language: Mapped[str] = mapped_column(String(10), default="en")
    region: Mapped[str | None] = mapped_column(String(100), default=None, info=PERSONAL)
    tier: Mapped[CustomerTier] = mapped_column(String(20), default=CustomerTier.GENERAL)
    lifetime_value: Mapped[float] = mapped_column(Float, default=0.0)
    loyalty_months: Mapped[int] = mapped_column(Integer, default=0)
    potential_score: Mapped[int] = mapped_column(Integer, default=0)
    consent: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    consent_updated_at: Mapped[datetime | None] = mapped_column(UtcDateTime, default=None)

    identities: Mapped[list[ChannelIdentity]] = relationship(back_populates="customer")


class ChannelIdentity(TimestampedBase):
    """How a channel knows a customer (a Telegram user id, a web chat visitor, an email).

    ``verified`` says the link was proven: a signed identity from the site embedding the web
    chat, or a link staff made. A link made because someone typed an email in a form is not:
    tickets still attach to that customer for staff, but the assistant reveals nothing of the
    customer to the identity and their tier is not applied.
    """

    __tablename__ = "channel_identities"
    __table_args__ = (UniqueConstraint("channel", "external_id"),)

    customer_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("customers.id"), index=True)
    channel: Mapped[str] = mapped_column(String(20))
    external_id: Mapped[str] = mapped_column(String(200), info=PERSONAL)
    name: Mapped[str | None] = mapped_column(String(200), default=None, info=PERSONAL)
    verified: Mapped[bool] = mapped_column(Boolean, default=False, server_default=sa_false())
    verified_at: Mapped[datetime | None] = mapped_column(UtcDateTime, default=None)

    customer: Mapped[Customer] = relationship(back_populates="identities")


class TierRule(TimestampedBase):
    """A tier and the minimums a customer must reach for it; the first matching rule wins.

    ``minimums`` maps a customer metric (lifetime_value, loyalty_months, potential_score) to the
    least value it must have, e.g. ``{"lifetime_value": 5000, "loyalty_months": 24}``.
    """

    __tablename__ = "customer_tier_rules"

    position: Mapped[int] = mapped_column(Integer, default=100)
    tier: Mapped[CustomerTier] = mapped_column(String(20))
    minimums: Mapped[dict[str, float]] = mapped_column(JSON, default=dict)
