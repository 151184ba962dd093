from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, Text, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column, relationship

from deskmate.db import PERSONAL, TimestampedBase, UtcDateTime, utcnow


class Sender(StrEnum):
    CUSTOMER = "customer"
    BOT = "bot"
    AGENT = "agent"
    SYSTEM = "system"


class Delivery(StrEnum):
    RECEIVED = "received"  # stored, not yet handed on
    DELIVERED = "delivered"  # the assistant (or agent) has it
    FAILED = "failed"  # the assistant was unreachable; kept for a retry or a person
    REJECTED = "rejected"  # refused at the edge (too long, rate limited); kept, not forwarded


class Conversation(TimestampedBase):
    __tablename__ = "conversations"
    __table_args__ = (UniqueConstraint("channel", "external_id"),)

    channel: Mapped[str] = mapped_column(String(20))
    external_id: Mapped[str] = mapped_column(String(100), info=PERSONAL)
    language: Mapped[str] = mapped_column(String(10), default="en")
    customer_id: Mapped[uuid.UUID | None] = mapped_column(
        Uuid, ForeignKey("customers.id"), default=None
    )

    messages: Mapped[list[ChatMessage]] = relationship(
        back_populates="conversation", order_by="ChatMessage.created_at"
    )

    @property
    def sender_id(self) -> str:
        """The id Rasa knows this conversation by (also sent to actions as the conversation id)."""
        return self.external_id if self.channel == "web" else f"{self.channel}-{self.external_id}"


class ChatMessage(TimestampedBase):
    __tablename__ = "chat_messages"
    __table_args__ = (UniqueConstraint("conversation_id", "channel_message_id"),)

    conversation_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("conversations.id", ondelete="CASCADE"), index=True
    )
    sender: Mapped[Sender] = mapped_column(String(20))
    text: Mapped[str] = mapped_column(Text, info=PERSONAL)
    buttons: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    delivery: Mapped[Delivery] = mapped_column(String(20), default=Delivery.RECEIVED)
    channel_message_id: Mapped[str | None] = mapped_column(String(100), default=None)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, index=True)

    conversation: Mapped[Conversation] = relationship(back_populates="messages")


class HandoffState(StrEnum):
    WAITING = "waiting"  # the assistant handed over; no person has taken it yet
    ACTIVE = "active"  # a person has the conversation; the assistant is silent
    ENDED = "ended"  # handed back to the assistant


class Handoff(TimestampedBase):
    """A conversation handed to a person, with what the assistant saw and tried.

    While a handoff of a conversation is waiting or active, the gateway stores the customer's
    messages for the person and does not forward them to the assistant.
    """

    __tablename__ = "handoffs"

    conversation_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("conversations.id", ondelete="CASCADE"), index=True
    )
    ticket_reference: Mapped[str | None] = mapped_column(String(20), default=None)
    reason: Mapped[str] = mapped_column(String(30))
    state: Mapped[HandoffState] = mapped_column(
        String(20), default=HandoffState.WAITING, index=True
    )
    agent: Mapped[str | None] = mapped_column(String(100), default=None)
    transcript: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list, info=PERSONAL)
    articles: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list, info=PERSONAL)
    intents: Mapped[list[str]] = mapped_column(JSON, default=list, info=PERSONAL)
    ended_at: Mapped[datetime | None] = mapped_column(UtcDateTime, default=None)

    conversation: Mapped[Conversation] = relationship()
