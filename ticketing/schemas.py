from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from ticketing.models import Channel, Priority, TicketStatus, TicketType

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
    status: TicketStatus
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
    created_at: datetime
    updated_at: datetime


class TicketDetail(TicketRead):
    events: list[TicketEventRead]
