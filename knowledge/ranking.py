"""Ranking: the published articles that best match a query, best first.

This is the seam between retrieval (how candidates are found and ordered) and the answer policy
(whether the best one is good enough to answer). ``score`` orders the results; ``confidence`` is
on the scale the answer thresholds are calibrated on, so the policy never reads raw fused scores.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy.orm import Session

from knowledge import repository
from knowledge.models import Article, ArticleStatus
from knowledge.retrieval import LanguageRouter

CHUNK_CANDIDATES = 40


@dataclass(frozen=True)
class RankedArticle:
    article_id: uuid.UUID
    score: float  # orders the results
    confidence: float  # compared with the answer thresholds (0..1)
    chunk_id: int  # the article's best-matching chunk
    article: Article


def rank_articles(
    session: Session, *, router: LanguageRouter, query: str, language: str, k: int
) -> list[RankedArticle]:
    """Up to ``k`` published articles for ``query``, each represented by its best chunk."""
    hits = router.for_language(language).search_chunks(query, k=max(CHUNK_CANDIDATES, k * 4))
    chunks = repository.chunk_articles(session, [chunk_id for chunk_id, _ in hits])
    best: dict[uuid.UUID, tuple[float, int]] = {}
    for chunk_id, score in hits:
        chunk = chunks.get(chunk_id)
        if chunk is None:
            continue  # the index is a moment behind a deletion; the database is the truth
        if chunk.article_id not in best or score > best[chunk.article_id][0]:
            best[chunk.article_id] = (score, chunk_id)
    articles = repository.articles_by_ids(session, list(best))
    ranked: list[RankedArticle] = []
    for article_id, (score, chunk_id) in sorted(
        best.items(), key=lambda item: item[1][0], reverse=True
    ):
        article = articles.get(article_id)
        if article is None or article.status != ArticleStatus.PUBLISHED:
            continue
        ranked.append(
            RankedArticle(
                article_id=article_id,
                score=score,
                confidence=score,
                chunk_id=chunk_id,
                article=article,
            )
        )
        if len(ranked) == k:
            break
    return ranked
