from __future__ import annotations

import hashlib
import uuid
from collections.abc import Sequence

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from knowledge.models import Article, ArticleChunk, ArticleStatus, SearchLog


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


def chunk_texts(session: Session, chunk_ids: Sequence[int]) -> dict[int, str]:
    texts: dict[int, str] = {}
    for start in range(0, len(chunk_ids), 500):
        batch = list(chunk_ids[start : start + 500])
        rows = session.execute(
            select(ArticleChunk.id, ArticleChunk.text).where(ArticleChunk.id.in_(batch))
        )
        texts.update({r[0]: r[1] for r in rows})
    return texts


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
