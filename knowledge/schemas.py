from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

LANGUAGES = ("en", "zh")


def _known_language(value: str) -> str:
    value = value.lower()
    if value not in LANGUAGES:
        raise ValueError(f"language must be one of {', '.join(LANGUAGES)}")
    return value


def _clean_tags(value: list[str]) -> list[str]:
    return sorted({tag.strip().lower() for tag in value if tag.strip()})


class ArticleContent(BaseModel):
    """What an author writes: the fields every version keeps."""

    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)

    title: str = Field(min_length=1, max_length=300)
    body: str = Field(min_length=1, max_length=200_000)
    category: str = Field(min_length=1, max_length=100)
    product: str | None = Field(default=None, max_length=100)
    tags: list[str] = Field(default_factory=list, max_length=50)
    language: str = "en"
    owner: str | None = Field(default=None, max_length=320)
    review_by: date | None = None

    _language = field_validator("language")(_known_language)
    _tags = field_validator("tags")(_clean_tags)


class ArticleImport(ArticleContent):
    """One article as it comes in from an import file."""

    external_id: str = Field(min_length=1, max_length=200)


class ArticleCreate(ArticleContent):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    external_id: str | None = Field(default=None, min_length=1, max_length=200)


class ArticleUpdate(BaseModel):
    """A change to a draft. ``version`` is the version the editor started from: if someone
    saved in between, the update is refused (409) instead of silently overwriting their work."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    version: int = Field(ge=1)
    title: str | None = Field(default=None, min_length=1, max_length=300)
    body: str | None = Field(default=None, min_length=1, max_length=200_000)
    category: str | None = Field(default=None, min_length=1, max_length=100)
    product: str | None = Field(default=None, max_length=100)
    tags: list[str] | None = Field(default=None, max_length=50)
    language: str | None = None
    owner: str | None = Field(default=None, max_length=320)
    review_by: date | None = None

    @field_validator("language")
    @classmethod
    def _language(cls, value: str | None) -> str | None:
        return None if value is None else _known_language(value)

    @field_validator("tags")
    @classmethod
    def _tags(cls, value: list[str] | None) -> list[str] | None:
        return None if value is None else _clean_tags(value)


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
    created_at: datetime
    owner: str | None
    review_by: date | None
    stale: bool
    approved: bool
    approved_by: str | None
    publish_at: datetime | None
    author: str | None


class ArticleVersionRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    version: int
    title: str
    body: str
    category: str
    product: str | None
    tags: list[str]
    language: str
    owner: str | None
    review_by: date | None
    author: str | None
    created_at: datetime


class ArticleEventRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    kind: str
    actor: str | None
    version: int
    from_status: str | None
    to_status: str | None
    comment: str | None
    created_at: datetime


class ArticleDiff(BaseModel):
    from_version: int
    to_version: int
    diff: str


class ReviewComment(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    comment: str | None = Field(default=None, max_length=5000)


class RejectRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    comment: str = Field(min_length=1, max_length=5000)


class ScheduleRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    publish_at: datetime

    @field_validator("publish_at")
    @classmethod
    def _aware(cls, value: datetime) -> datetime:
        if value.tzinfo is None:
            raise ValueError("publish_at needs a time zone (e.g. 2026-12-01T09:00:00Z)")
        return value


class RollbackRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    version: int = Field(ge=1)


class PreviewRequest(BaseModel):
    body: str = Field(max_length=200_000)


class PreviewResponse(BaseModel):
    html: str


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
