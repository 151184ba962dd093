from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, ForeignKey, Integer, String, Text, UniqueConstraint, Uuid
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
    status: Mapped[ArticleStatus] = mapped_column(String(20), default=ArticleStatus.DRAFT)
    version: Mapped[int] = mapped_column(Integer, default=1)
    published_at: Mapped[datetime | None] = mapped_column(UtcDateTime, default=None)

    versions: Mapped[list[ArticleVersion]] = relationship(
        back_populates="article", order_by="ArticleVersion.version", cascade="all, delete-orphan"
    )
    chunks: Mapped[list[ArticleChunk]] = relationship(
        back_populates="article", order_by="ArticleChunk.ordinal", cascade="all, delete-orphan"
    )


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

    article: Mapped[Article] = relationship(back_populates="versions")


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

    query: Mapped[str] = mapped_column(Text, info=PERSONAL)
    language: Mapped[str | None] = mapped_column(String(10), default=None)
    decision: Mapped[str] = mapped_column(String(20))
    top_article_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, default=None)
    top_score: Mapped[float | None] = mapped_column(default=None)
    results: Mapped[list[dict[str, object]]] = mapped_column(JSON, default=list)
    # The Rasa sender id of the conversation that asked, so a customer's queries can be erased.
    conversation_id: Mapped[str | None] = mapped_column(
        String(100), default=None, index=True, info=PERSONAL
    )
