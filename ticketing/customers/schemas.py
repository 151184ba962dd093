from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from ticketing.customers.models import CustomerTier
from ticketing.models import Channel


class ChannelIdentityIn(BaseModel):
    """Who wrote, as the channel knows them; links the ticket to that channel's customer."""

    model_config = ConfigDict(str_strip_whitespace=True, extra="forbid")

    channel: Channel
    external_id: str = Field(min_length=1, max_length=200)
    name: str | None = Field(default=None, max_length=200)


class CustomerRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    name: str | None
    email: str | None
    region: str | None
    language: str
    tier: CustomerTier


class IdentityRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    channel: str
    external_id: str
    name: str | None
    verified: bool = False


class CustomerDetail(CustomerRead):
    phone: str | None
    lifetime_value: float
    loyalty_months: int
    potential_score: int
    consent: dict[str, Any]
    consent_updated_at: datetime | None = None
    identities: list[IdentityRead]


class CustomerUpdate(BaseModel):
    """A profile change by staff; every field optional, only the ones sent are applied."""

    model_config = ConfigDict(str_strip_whitespace=True, extra="forbid")

    name: str | None = Field(default=None, min_length=1, max_length=200)
    region: str | None = Field(default=None, max_length=100)
    language: Literal["en", "zh"] | None = None
    # Flags the customer chose (e.g. {"marketing": false}); merged into the stored ones.
    consent: dict[str, bool] | None = Field(default=None, max_length=20)


class OpenTicket(BaseModel):
    reference: str
    status: str
    type: str
    product: str | None


class IdentityProfile(BaseModel):
    """What a channel may know of the customer behind an identity, to greet them (nothing but
    the language when the identity is not verified)."""

    verified: bool
    name: str | None
    language: str
    tier: CustomerTier
    open_tickets: list[OpenTicket]


class TierRuleIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    tier: CustomerTier
    position: int = Field(default=100, ge=0)
    minimums: dict[str, float] = Field(default_factory=dict)
