from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
    Uuid,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from deskmate.db import PERSONAL, Base, TimestampedBase, UtcDateTime, utcnow


class ArticleStatus(StrEnum):
    DRAFT = "draft"
    IN_REVIEW = "in_review"
    PUBLISHED = "published"
    ARCHIVED = "archived"


class Article(TimestampedBase):
    """The current state of an article; every edit is also kept as an ``ArticleVersion``."""

    __tablename__ = "kb_articles"

    external_id: Mapped[str | None] = mapped_column(String(200), unique=True, default=None)
    title: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    category: Mapped[str] = mapped_column(String(100), index=True)
    product: Mapped[str | None] = mapped_column(String(100), default=None)
    tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    language: Mapped[str] = mapped_column(String(10), index=True)
    status: Mapped[ArticleStatus] = mapped_column(
        String(20), default=ArticleStatus.DRAFT, index=True
    )
    version: Mapped[int] = mapped_column(Integer, default=1)
    published_at: Mapped[datetime | None] = mapped_column(UtcDateTime, default=None)
    # Lifecycle: who keeps the article current and by when it must be reviewed again (past that
    # date it is "stale"); which version a reviewer approved; when a scheduled publish is due.
    owner: Mapped[str | None] = mapped_column(String(320), default=None)
    review_by: Mapped[date | None] = mapped_column(Date, default=None)
    approved_version: Mapped[int | None] = mapped_column(Integer, default=None)
    approved_by: Mapped[str | None] = mapped_column(String(320), default=None)
    publish_at: Mapped[datetime | None] = mapped_column(UtcDateTime, default=None, index=True)

    versions: Mapped[list[ArticleVersion]] = relationship(
        back_populates="article", order_by="ArticleVersion.version", cascade="all, delete-orphan"
    )
    chunks: Mapped[list[ArticleChunk]] = relationship(
        back_populates="article", order_by="ArticleChunk.ordinal", cascade="all, delete-orphan"
    )
    events: Mapped[list[ArticleEvent]] = relationship(
        back_populates="article", order_by="ArticleEvent.created_at", cascade="all, delete-orphan"
    )

    @property
    def stale(self) -> bool:
        return self.review_by is not None and self.review_by < date.today()

    @property
    def author(self) -> str | None:
        """Who wrote the current version (a reviewer must be someone else)."""
        return self.versions[-1].author if self.versions else None

    @property
    def approved(self) -> bool:
        return self.approved_version is not None and self.approved_version == self.version


class ArticleVersion(TimestampedBase):
    __tablename__ = "kb_article_versions"
    __table_args__ = (UniqueConstraint("article_id", "version"),)

    article_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("kb_articles.id", ondelete="CASCADE"), index=True
    )
    version: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    category: Mapped[str] = mapped_column(String(100))
    product: Mapped[str | None] = mapped_column(String(100), default=None)
    tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    language: Mapped[str] = mapped_column(String(10))
    author: Mapped[str | None] = mapped_column(String(200), default=None)
    owner: Mapped[str | None] = mapped_column(String(320), default=None)
    review_by: Mapped[date | None] = mapped_column(Date, default=None)

    article: Mapped[Article] = relationship(back_populates="versions")


class ArticleEventKind(StrEnum):
    CREATED = "created"
    EDITED = "edited"
    SUBMITTED = "submitted"
    APPROVED = "approved"
    REJECTED = "rejected"
    SCHEDULED = "scheduled"
    PUBLISHED = "published"
    ARCHIVED = "archived"
    REOPENED = "reopened"
    ROLLED_BACK = "rolled_back"
    IMPORTED = "imported"


class ArticleEvent(TimestampedBase):
    """Append-only history of an article's lifecycle: who did what, on which version, and why."""

    __tablename__ = "kb_article_events"

    article_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("kb_articles.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[ArticleEventKind] = mapped_column(String(20))
    actor: Mapped[str | None] = mapped_column(String(320), default=None)
    version: Mapped[int] = mapped_column(Integer)
    from_status: Mapped[str | None] = mapped_column(String(20), default=None)
    to_status: Mapped[str | None] = mapped_column(String(20), default=None)
    comment: Mapped[str | None] = mapped_column(Text, default=None)

    article: Mapped[Article] = relationship(back_populates="events")


class ArticleChunk(Base):
    """A searchable piece of a published article. Its integer id is the vector id in FAISS."""

    __tablename__ = "kb_chunks"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    article_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("kb_articles.id", ondelete="CASCADE"), index=True
    )
    ordinal: Mapped[int] = mapped_column(Integer)
    heading: Mapped[str | None] = mapped_column(String(300), default=None)
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)

    article: Mapped[Article] = relationship(back_populates="chunks")


class SearchOutcome(StrEnum):
    """What followed an answer: a vote, a ticket, or nothing within the follow-up window."""

    HELPFUL = "helpful"
    UNHELPFUL = "unhelpful"
    TICKET_OPENED = "ticket_opened"
    ABANDONED = "abandoned"


class SearchLog(TimestampedBase):
    """Every knowledge query with its scores, the decision taken and what followed it.

    ``results`` holds the ranking as the policy saw it (article id, score, confidence),
    ``choices`` the article ids shown to the asker (the answer, or the clarify buttons).
    """

    __tablename__ = "kb_search_log"

    query: Mapped[str] = mapped_column(Text, info=PERSONAL)
    language: Mapped[str | None] = mapped_column(String(10), default=None)
    decision: Mapped[str] = mapped_column(String(20))
    top_article_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, default=None)
    top_score: Mapped[float | None] = mapped_column(default=None)
    results: Mapped[list[dict[str, object]]] = mapped_column(JSON, default=list)
    choices: Mapped[list[str]] = mapped_column(JSON, default=list)
    conversation_id: Mapped[str | None] = mapped_column(
        String(100), default=None, index=True, info=PERSONAL
    )
    channel: Mapped[str | None] = mapped_column(String(20), default=None)
    outcome: Mapped[SearchOutcome | None] = mapped_column(String(20), default=None)
    outcome_at: Mapped[datetime | None] = mapped_column(UtcDateTime, default=None)
    ticket_reference: Mapped[str | None] = mapped_column(String(50), default=None)
    # Set by the follow-up sweep once the window has passed (see knowledge.feedback.settle).
    settled_at: Mapped[datetime | None] = mapped_column(UtcDateTime, default=None, index=True)
    deflected: Mapped[bool] = mapped_column(default=False)
    gap_id: Mapped[uuid.UUID | None] = mapped_column(
        Uuid, ForeignKey("kb_gaps.id", ondelete="SET NULL"), default=None, index=True
    )


# --- answer policy, feedback, value and gaps (knowledge.policy, .feedback, .gaps) ---


class AnswerThreshold(TimestampedBase):
    """Answer-policy thresholds for one category (``None``: the default) and query language."""

    __tablename__ = "kb_answer_thresholds"
    __table_args__ = (UniqueConstraint("category", "language"),)

    category: Mapped[str | None] = mapped_column(String(100), default=None)
    language: Mapped[str] = mapped_column(String(10))
    answer: Mapped[float] = mapped_column(Float)
    clarify_floor: Mapped[float] = mapped_column(Float)
    margin: Mapped[float] = mapped_column(Float)


class SearchVote(TimestampedBase):
    """The "did this help?" vote on one search; one per search (a second one is refused)."""

    __tablename__ = "kb_search_votes"

    search_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("kb_search_log.id", ondelete="CASCADE"), unique=True
    )
    article_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("kb_articles.id", ondelete="CASCADE"), index=True
    )
    helpful: Mapped[bool] = mapped_column(Boolean)


class ArticleStats(Base):
    """Running counters of an article's use, and its value score (see knowledge.feedback)."""

    __tablename__ = "kb_article_stats"

    article_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("kb_articles.id", ondelete="CASCADE"), primary_key=True
    )
    shown: Mapped[int] = mapped_column(Integer, default=0)
    answered: Mapped[int] = mapped_column(Integer, default=0)
    helpful: Mapped[int] = mapped_column(Integer, default=0)
    unhelpful: Mapped[int] = mapped_column(Integer, default=0)
    deflections: Mapped[int] = mapped_column(Integer, default=0)
    tickets_after: Mapped[int] = mapped_column(Integer, default=0)
    stale: Mapped[bool] = mapped_column(default=False)
    value: Mapped[float] = mapped_column(Float, default=0.0, index=True)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, onupdate=utcnow)


class GapStatus(StrEnum):
    OPEN = "open"
    TASKED = "tasked"
    CLOSED = "closed"


class KnowledgeGap(TimestampedBase):
    """A cluster of queries the knowledge base did not answer well."""

    __tablename__ = "kb_gaps"

    label: Mapped[str] = mapped_column(String(300))
    status: Mapped[GapStatus] = mapped_column(String(20), default=GapStatus.OPEN, index=True)
    volume: Mapped[int] = mapped_column(Integer, default=0)
    examples: Mapped[list[str]] = mapped_column(JSON, default=list)
    languages: Mapped[list[str]] = mapped_column(JSON, default=list)
    # The mean of the member queries' (normalised) vectors and the embedder that made them.
    centroid: Mapped[list[float]] = mapped_column(JSON, default=list)
    embedder: Mapped[str] = mapped_column(String(100))
    closed_at: Mapped[datetime | None] = mapped_column(UtcDateTime, default=None)
    closed_by_article_id: Mapped[uuid.UUID | None] = mapped_column(
        Uuid, ForeignKey("kb_articles.id", ondelete="SET NULL"), default=None
    )


class GapTaskStatus(StrEnum):
    OPEN = "open"
    DONE = "done"


class GapTask(TimestampedBase):
    """Write the article that fills a gap: a draft article assigned to an expert."""

    __tablename__ = "kb_gap_tasks"

    gap_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("kb_gaps.id", ondelete="CASCADE"), index=True
    )
    expert_id: Mapped[uuid.UUID | None] = mapped_column(
        Uuid, ForeignKey("experts.id", ondelete="SET NULL"), default=None, index=True
    )
    article_id: Mapped[uuid.UUID | None] = mapped_column(
        Uuid, ForeignKey("kb_articles.id", ondelete="SET NULL"), default=None, index=True
    )
    status: Mapped[GapTaskStatus] = mapped_column(String(20), default=GapTaskStatus.OPEN)
    created_by: Mapped[str | None] = mapped_column(String(200), default=None)
    reasons: Mapped[list[str]] = mapped_column(JSON, default=list)
    done_at: Mapped[datetime | None] = mapped_column(UtcDateTime, default=None)
