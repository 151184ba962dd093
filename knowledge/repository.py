from __future__ import annotations

import hashlib
import uuid
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, UnaryExpression, delete, func, or_, select
from sqlalchemy.orm import InstrumentedAttribute, Session, selectinload

from knowledge.models import Article, ArticleChunk, ArticleStatus, ArticleVersion, SearchLog

T = TypeVar("T")


def get_article(session: Session, article_id: uuid.UUID) -> Article | None:
    return session.get(Article, article_id)


def get_article_by_external_id(session: Session, external_id: str) -> Article | None:
    return session.scalar(select(Article).where(Article.external_id == external_id))


def articles_by_ids(session: Session, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, Article]:
    if not ids:
        return {}
    rows = session.scalars(select(Article).where(Article.id.in_(ids)))
    return {row.id: row for row in rows}


def published_chunks(session: Session) -> list[tuple[int, str, int, uuid.UUID]]:
    """(chunk id, chunk text, article version, article id) of every published article's chunks."""
    rows = session.execute(
        select(ArticleChunk.id, ArticleChunk.text, Article.version, Article.id)
        .join(Article, Article.id == ArticleChunk.article_id)
        .where(Article.status == ArticleStatus.PUBLISHED)
        .order_by(ArticleChunk.id)
    )
    return [(r[0], r[1], r[2], r[3]) for r in rows]


def published_chunk_signatures(session: Session) -> dict[int, int]:
    """{chunk id: signature} of every published chunk; the signature changes when the chunk does.

    Chunk ids can be reused (SQLite hands out max(id)+1 again after a delete), so the index
    compares (article, version, text length) too, without reading the texts.
    """
    rows = session.execute(
        select(ArticleChunk.id, Article.id, Article.version, func.length(ArticleChunk.text))
        .join(Article, Article.id == ArticleChunk.article_id)
        .where(Article.status == ArticleStatus.PUBLISHED)
    )
    return {r[0]: chunk_signature(r[1], r[2], r[3]) for r in rows}


def chunk_signature(article_id: uuid.UUID, version: int, length: int) -> int:
    digest = hashlib.blake2b(f"{article_id}:{version}:{length}".encode(), digest_size=8)
    return int.from_bytes(digest.digest(), "big", signed=True)


def _per_chunk(
    session: Session, chunk_ids: Sequence[int], column: InstrumentedAttribute[T]
) -> dict[int, T]:
    """{chunk id: one column of the chunk}, read 500 ids at a time."""
    values: dict[int, T] = {}
    for start in range(0, len(chunk_ids), 500):
        batch = list(chunk_ids[start : start + 500])
        rows = session.execute(select(ArticleChunk.id, column).where(ArticleChunk.id.in_(batch)))
        values.update({r[0]: r[1] for r in rows})
    return values


def chunk_texts(session: Session, chunk_ids: Sequence[int]) -> dict[int, str]:
    return _per_chunk(session, chunk_ids, ArticleChunk.text)


def chunk_owners(session: Session, chunk_ids: Sequence[int]) -> dict[int, uuid.UUID]:
    """{chunk id: its article's id}, without loading the chunks."""
    return _per_chunk(session, chunk_ids, ArticleChunk.article_id)


def chunk_articles(session: Session, chunk_ids: Sequence[int]) -> dict[int, ArticleChunk]:
    if not chunk_ids:
        return {}
    rows = session.scalars(select(ArticleChunk).where(ArticleChunk.id.in_(chunk_ids)))
    return {row.id: row for row in rows}


def delete_chunks(session: Session, article_id: uuid.UUID) -> None:
    session.execute(delete(ArticleChunk).where(ArticleChunk.article_id == article_id))


def count_published(session: Session) -> int:
    return int(
        session.scalar(
            select(func.count())
            .select_from(Article)
            .where(Article.status == ArticleStatus.PUBLISHED)
        )
        or 0
    )


def add_search_log(session: Session, entry: SearchLog) -> None:
    session.add(entry)


def due_for_publishing(session: Session, *, now: datetime) -> list[Article]:
    return list(
        session.scalars(
            select(Article)
            .where(Article.status == ArticleStatus.IN_REVIEW, Article.publish_at <= now)
            .order_by(Article.publish_at)
            .with_for_update(skip_locked=True)
        )
    )


ARTICLE_SORTS: dict[str, UnaryExpression[Any]] = {
    "updated": Article.updated_at.desc(),
    "created": Article.created_at.desc(),
    "title": Article.title.asc(),
    "review_by": Article.review_by.asc(),
}


def list_articles(
    session: Session,
    *,
    text: str | None = None,
    status: str | None = None,
    language: str | None = None,
    category: str | None = None,
    stale: bool | None = None,
    today: date,
    sort: str = "updated",
    offset: int = 0,
    limit: int = 20,
) -> tuple[list[Article], int]:
    """A page of articles (any status) for the console, and the total count of the filter."""
    conditions: list[ColumnElement[bool]] = []
    if text:
        pattern = "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        conditions.append(
            or_(
                Article.title.ilike(pattern, escape="\\"),
                Article.body.ilike(pattern, escape="\\"),
                Article.external_id.ilike(pattern, escape="\\"),
            )
        )
    if status:
        conditions.append(Article.status == status)
    if language:
        conditions.append(Article.language == language)
    if category:
        conditions.append(Article.category == category)
    if stale is True:
        conditions.append(Article.review_by < today)
    elif stale is False:
        conditions.append(or_(Article.review_by.is_(None), Article.review_by >= today))
    total = session.scalar(select(func.count()).select_from(Article).where(*conditions)) or 0
    rows = session.scalars(
        select(Article)
        # Article.author reads the versions: load their authors (not their bodies) in one query.
        .options(
            selectinload(Article.versions).load_only(ArticleVersion.version, ArticleVersion.author)
        )
        .where(*conditions)
        .order_by(ARTICLE_SORTS[sort], Article.id)
        .offset(offset)
        .limit(limit)
    )
    return list(rows), int(total)


def categories(session: Session) -> list[str]:
    return list(session.scalars(select(Article.category).distinct().order_by(Article.category)))
