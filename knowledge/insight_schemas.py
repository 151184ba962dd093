"""Schemas of the answer-policy, feedback, value and gap routes (knowledge.insight_api)."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field, model_validator

from knowledge.schemas import LANGUAGES


class ThresholdWrite(BaseModel):
    """Thresholds for a category (``null``: the language's default)."""

    category: str | None = Field(default=None, min_length=1, max_length=100)
    language: str = Field(pattern=f"^({'|'.join(LANGUAGES)})$")
    answer: float = Field(ge=0, le=1)
    clarify_floor: float = Field(ge=0, le=1)
    margin: float = Field(ge=0, le=1)

    @model_validator(mode="after")
    def _floor_below_answer(self) -> ThresholdWrite:
        if self.clarify_floor > self.answer:
            raise ValueError("clarify_floor must not be above answer")
        return self


class ThresholdRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    category: str | None
    language: str
    answer: float
    clarify_floor: float
    margin: float


class VoteCreate(BaseModel):
    helpful: bool
    article_id: uuid.UUID


class ConversationVoteCreate(BaseModel):
    helpful: bool
    article_id: uuid.UUID | None = None  # one of a clarify's choices; default: the answer


class VoteRead(BaseModel):
    search_id: uuid.UUID
    article_id: uuid.UUID
    helpful: bool


class TicketFollowUp(BaseModel):
    reference: str = Field(min_length=1, max_length=50)


class SearchFollowUpRead(BaseModel):
    search_id: uuid.UUID
    outcome: str | None
    ticket_reference: str | None


class SettleRead(BaseModel):
    settled: int
    abandoned: int
    deflected: int
    stale_changed: int
    tickets: int = 0  # searches tied to a ticket opened in their conversation


class ArticleValueRead(BaseModel):
    article_id: uuid.UUID
    title: str
    category: str
    language: str
    status: str
    shown: int
    answered: int
    helpful: int
    unhelpful: int
    deflections: int
    tickets_after: int
    stale: bool
    value: float


class GapRead(BaseModel):
    id: uuid.UUID
    label: str
    status: str
    volume: int
    examples: list[str]
    languages: list[str]
    created_at: datetime
    closed_at: datetime | None
    closed_by_article_id: uuid.UUID | None


class GapRefreshRead(BaseModel):
    queries: int
    new_gaps: int
    grown_gaps: int


class GapTaskCreate(BaseModel):
    expert_id: uuid.UUID | None = None


class GapTaskRead(BaseModel):
    id: uuid.UUID
    gap_id: uuid.UUID
    expert_id: uuid.UUID | None
    expert_name: str | None
    article_id: uuid.UUID | None
    status: str
    reasons: list[str]


class GapDetail(GapRead):
    tasks: list[GapTaskRead]
