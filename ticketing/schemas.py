from __future__ import annotations

import json
import re
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from deskmate.pagination import Page
from ticketing.customers.schemas import ChannelIdentityIn, CustomerRead
from ticketing.models import Channel, MessageAuthor, Priority, StatusCategory, TicketType

EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]{2,}$")
REFERENCE = re.compile(r"^DM-\d{6,}$", re.IGNORECASE)


class TicketCreate(BaseModel):
    model_config = ConfigDict(str_strip_whitespace=True, extra="forbid")

    description: str = Field(min_length=1, max_length=10_000)
    email: str | None = Field(default=None, max_length=320)
    product: str | None = Field(default=None, max_length=100)
    category: str | None = Field(default=None, max_length=100)
    type: TicketType = TicketType.FAULT
    priority: Priority | None = None
    channel: Channel = Channel.API
    conversation_id: str | None = Field(default=None, max_length=100)
    language: str = Field(default="en", pattern="^(en|zh)$")
    context: dict[str, Any] | None = Field(
        default=None, description="handoff context: transcript, articles tried, intents"
    )
    channel_identity: ChannelIdentityIn | None = None

    @field_validator("context")
    @classmethod
    def _small_context(cls, value: dict[str, Any] | None) -> dict[str, Any] | None:
        if value is not None and len(json.dumps(value, default=str)) > 64_000:
            raise ValueError("context is larger than 64 kB")
        return value

    @field_validator("email")
    @classmethod
    def _valid_email(cls, value: str | None) -> str | None:
        if value is None or value == "":
            return None
        if not EMAIL.match(value):
            raise ValueError("not a valid email address")
        return value.lower()


class TicketEventRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    kind: str
    actor: str | None
    data: dict[str, Any]
    created_at: datetime


class TicketRead(BaseModel):
    reference: str
    type: TicketType
    status: str
    status_category: StatusCategory
    priority: Priority
    description: str
    product: str | None
    category: str | None
    channel: Channel
    language: str
    email: str | None
    conversation_id: str | None
    team: str | None
    assignee: str | None
    customer_tier: str | None = None
    version: int
    created_at: datetime
    updated_at: datetime


class MessageCreate(BaseModel):
    model_config = ConfigDict(str_strip_whitespace=True, extra="forbid")

    author_kind: MessageAuthor
    author: str | None = Field(default=None, max_length=200)
    body: str = Field(min_length=1, max_length=10_000)
    channel: Channel | None = None
    channel_message_id: str | None = Field(default=None, min_length=1, max_length=200)


class MessageRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    author_kind: MessageAuthor
    author: str | None
    body: str
    channel: str | None
    channel_message_id: str | None
    created_at: datetime


class CsatCreate(BaseModel):
    model_config = ConfigDict(str_strip_whitespace=True, extra="forbid")

    rating: int = Field(ge=1, le=5)
    comment: str | None = Field(default=None, max_length=2000)


class CsatRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    rating: int
    comment: str | None
    created_at: datetime


class ClaimRequest(BaseModel):
    model_config = ConfigDict(str_strip_whitespace=True, extra="forbid")

    agent: str = Field(min_length=3, max_length=320, description="the claiming agent's email")
    version: int | None = Field(default=None, ge=1, description="the version you last read")


class AssignRequest(ClaimRequest):
    reason: str | None = Field(default=None, max_length=500)


class MergeRequest(BaseModel):
    model_config = ConfigDict(str_strip_whitespace=True, extra="forbid")

    into: str = Field(min_length=1, max_length=40, description="reference of the ticket to keep")
    reason: str | None = Field(default=None, max_length=500)


class TicketDetail(TicketRead):
    events: list[TicketEventRead]
    context: dict[str, Any]
    resolution_outcome: str | None
    resolution_reason: str | None
    customer: CustomerRead | None
    messages: list[MessageRead]
    csat: CsatRead | None
    merged_into: str | None
    next_statuses: list[str]
    sla: dict[str, Any] | None = None


class TicketPage(Page[TicketRead]):
    """A page of tickets; past 1,000 matches ``total`` is a lower bound (exact is too slow)."""

    total_is_lower_bound: bool = False
