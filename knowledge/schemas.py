from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

LANGUAGES = ("en", "zh")


class ArticleImport(BaseModel):
    """One article as it comes in from an import file."""

    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)

    external_id: str = Field(min_length=1, max_length=200)
    title: str = Field(min_length=1, max_length=300)
    body: str = Field(min_length=1, max_length=200_000)
    category: str = Field(min_length=1, max_length=100)
    product: str | None = Field(default=None, max_length=100)
    tags: list[str] = Field(default_factory=list, max_length=50)
    language: str = "en"

    @field_validator("language")
    @classmethod
    def _known_language(cls, value: str) -> str:
        value = value.lower()
        if value not in LANGUAGES:
            raise ValueError(f"language must be one of {', '.join(LANGUAGES)}")
        return value

    @field_validator("tags")
    @classmethod
    def _clean_tags(cls, value: list[str]) -> list[str]:
        return sorted({tag.strip().lower() for tag in value if tag.strip()})


class ArticleRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    external_id: str | None
    title: str
    body: str
    category: str
    product: str | None
    tags: list[str]
    language: str
    status: str
    version: int
    published_at: datetime | None
    updated_at: datetime


class SearchResult(BaseModel):
    article_id: uuid.UUID
    title: str
    score: float
    snippet: str
    url: str
    category: str
    language: str


class SearchResponse(BaseModel):
    """``results`` is the ranking; ``choices`` the article ids to show (the answer, or the
    clarify buttons); ``search_id`` is what a vote or a ticket that follows refers to."""

    query: str
    decision: Literal["answer", "clarify", "no_answer"]
    results: list[SearchResult]
    choices: list[uuid.UUID] = Field(default_factory=list)
    search_id: uuid.UUID | None = None


class ImportReport(BaseModel):
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    published: int = 0
