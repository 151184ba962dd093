from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import (
    JSON,
    Date,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
    Uuid,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from deskmate.db import Base, TimestampedBase, UtcDateTime, utcnow


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


class SearchLog(TimestampedBase):
    """Every knowledge query with its scores and the decision taken (answer or not)."""

    __tablename__ = "kb_search_log"

    query: Mapped[str] = mapped_column(Text)
    language: Mapped[str | None] = mapped_column(String(10), default=None)
    decision: Mapped[str] = mapped_column(String(20))
    top_article_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, default=None)
    top_score: Mapped[float | None] = mapped_column(default=None)
    results: Mapped[list[dict[str, object]]] = mapped_column(JSON, default=list)
