from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from ticketing.routing.service import MATCH_KEYS


class RoutingRuleIn(BaseModel):
    model_config = ConfigDict(str_strip_whitespace=True, extra="forbid")

    name: str = Field(min_length=1, max_length=100)
    position: int = Field(default=100, ge=0, le=100_000)
    match: dict[str, list[str]] = Field(default_factory=dict)
    team: str = Field(min_length=1, max_length=50, description="team key")
    skill: str | None = Field(default=None, max_length=100)
    enabled: bool = True

    @field_validator("match")
    @classmethod
    def _known_keys(cls, value: dict[str, list[str]]) -> dict[str, list[str]]:
        unknown = sorted(set(value) - set(MATCH_KEYS))
        if unknown:
            raise ValueError(f"unknown match keys {unknown}; use {list(MATCH_KEYS)}")
        if any(not values for values in value.values()):
            raise ValueError("each match key needs at least one value")
        return value


class RoutingRuleRead(BaseModel):
    name: str
    position: int
    match: dict[str, Any]
    team: str
    skill: str | None
    enabled: bool


class AvailabilityUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    available: bool


class AvailabilityRead(BaseModel):
    agent: str
    available: bool
    rerouted: list[str]
