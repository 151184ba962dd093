from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text, Uuid
from sqlalchemy.orm import Mapped, mapped_column, relationship

from deskmate.db import PERSONAL, TimestampedBase, UtcDateTime, utcnow
from ticketing.models import TicketEvent


class DeliveryStatus(StrEnum):
    PENDING = "pending"
    DELIVERED = "delivered"
    FAILED = "failed"


class WebhookSubscription(TimestampedBase):
    """An outside URL that receives ticket events of the listed kinds (empty = all kinds)."""

    __tablename__ = "webhook_subscriptions"

    name: Mapped[str] = mapped_column(String(100), unique=True)
    url: Mapped[str] = mapped_column(String(2000))
    secret: Mapped[str] = mapped_column(String(200))
    event_kinds: Mapped[list[str]] = mapped_column(JSON, default=list)
    active: Mapped[bool] = mapped_column(default=True)


class WebhookDelivery(TimestampedBase):
    """Outbox row: written with the event it carries, sent (and retried) by the worker.

    The row id is the delivery id sent in every attempt, so a receiver can drop repeats.
    """

    __tablename__ = "webhook_deliveries"
    __table_args__ = (Index("ix_webhook_deliveries_due", "status", "next_attempt_at"),)

    subscription_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("webhook_subscriptions.id"), index=True
    )
    event_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("ticket_events.id"), index=True)
    kind: Mapped[str] = mapped_column(String(50))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, info=PERSONAL)
    status: Mapped[DeliveryStatus] = mapped_column(String(20), default=DeliveryStatus.PENDING)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    delivered_at: Mapped[datetime | None] = mapped_column(UtcDateTime, default=None)
    last_error: Mapped[str | None] = mapped_column(Text, default=None)

    subscription: Mapped[WebhookSubscription] = relationship()
    event: Mapped[TicketEvent] = relationship()
