from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field, field_validator

from experts.models import EvidenceKind

LANGUAGE_PATTERN = "^[a-z]{2}$"


class SkillLevel(BaseModel):
    skill: str = Field(min_length=1, max_length=100)
    level: int = Field(ge=1, le=5)

    @field_validator("skill")
    @classmethod
    def _lower(cls, value: str) -> str:
        return " ".join(value.lower().split())


def _clean(values: list[str]) -> list[str]:
    return sorted({" ".join(v.split()) for v in values if v.strip()})


class ExpertBase(BaseModel):
    model_config = ConfigDict(str_strip_whitespace=True)


class ExpertCreate(ExpertBase):
    name: str = Field(min_length=1, max_length=200)
    email: str = Field(min_length=3, max_length=320, pattern=r"^[^@\s]+@[^@\s]+$")
    department: str | None = Field(default=None, max_length=200)
    agent_id: uuid.UUID | None = None
    bio: str = Field(default="", max_length=4000)
    skills: list[SkillLevel] = Field(default_factory=list, max_length=50)
    products: list[str] = Field(default_factory=list, max_length=50)
    languages: list[str] = Field(default_factory=list, max_length=20)
    customer_traits: list[str] = Field(default_factory=list, max_length=20)
    available: bool = True
    capacity: int = Field(default=8, ge=1, le=100)

    @field_validator("products", "customer_traits")
    @classmethod
    def _dedupe(cls, value: list[str]) -> list[str]:
        return _clean(value)

    @field_validator("languages")
    @classmethod
    def _languages(cls, value: list[str]) -> list[str]:
        cleaned = _clean([v.lower() for v in value])
        for language in cleaned:
            if len(language) != 2 or not language.isalpha():
                raise ValueError(f"{language!r} is not a two-letter language code")
        return cleaned


class ExpertUpdate(ExpertBase):
    """All optional; applied with ``exclude_unset``."""

    name: str | None = Field(default=None, min_length=1, max_length=200)
    department: str | None = Field(default=None, max_length=200)
    agent_id: uuid.UUID | None = None
    bio: str | None = Field(default=None, max_length=4000)
    skills: list[SkillLevel] | None = Field(default=None, max_length=50)
    products: list[str] | None = Field(default=None, max_length=50)
    languages: list[str] | None = Field(default=None, max_length=20)
    customer_traits: list[str] | None = Field(default=None, max_length=20)
    available: bool | None = None
    capacity: int | None = Field(default=None, ge=1, le=100)

    @field_validator("products", "customer_traits")
    @classmethod
    def _dedupe(cls, value: list[str] | None) -> list[str] | None:
        return None if value is None else _clean(value)

    @field_validator("languages")
    @classmethod
    def _languages(cls, value: list[str] | None) -> list[str] | None:
        return None if value is None else ExpertCreate._languages(value)


class ExpertRead(BaseModel):
    id: uuid.UUID
    name: str
    email: str
    department: str | None
    agent_id: uuid.UUID | None
    bio: str
    skills: list[SkillLevel]  # effective levels: declared, raised by evidence
    products: list[str]
    languages: list[str]
    customer_traits: list[str]
    available: bool
    capacity: int
    load: int


class EvidenceCreate(BaseModel):
    kind: EvidenceKind
    ref: str = Field(min_length=1, max_length=200)
    title: str = Field(default="", max_length=300)
    skills: list[str] = Field(default_factory=list, max_length=20)
    at: datetime | None = None

    @field_validator("skills")
    @classmethod
    def _lower(cls, value: list[str]) -> list[str]:
        return _clean([v.lower() for v in value])


class EvidenceRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    expert_id: uuid.UUID
    kind: str
    ref: str
    title: str
    skills: list[str]
    at: datetime


class ExpertMatch(BaseModel):
    """One answer to "who knows X" (returned by ``experts.service.search_experts``)."""

    expert_id: uuid.UUID
    name: str
    email: str
    score: float
    reasons: list[str]
    available: bool
    load: int
    capacity: int


class ExpertSearchResponse(BaseModel):
    query: str
    results: list[ExpertMatch]
