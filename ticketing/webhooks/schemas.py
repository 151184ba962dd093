from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field, field_validator


class SubscriptionIn(BaseModel):
    model_config = ConfigDict(str_strip_whitespace=True, extra="forbid")

    name: str = Field(min_length=1, max_length=100)
    url: str = Field(min_length=8, max_length=2000, pattern=r"^https?://[^\s]+$")
    secret: str = Field(min_length=16, max_length=200)
    event_kinds: list[str] = Field(default_factory=list, max_length=50)
    active: bool = True

    @field_validator("event_kinds")
    @classmethod
    def _kinds(cls, value: list[str]) -> list[str]:
        for kind in value:
            if not kind or len(kind) > 50 or " " in kind:
                raise ValueError(f"not an event kind: {kind!r}")
        return value


class SubscriptionRead(BaseModel):
    """The secret is never read back."""

    name: str
    url: str
    event_kinds: list[str]
    active: bool


class DeliveryRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    kind: str
    status: str
    attempts: int
    next_attempt_at: datetime
    delivered_at: datetime | None
    last_error: str | None
