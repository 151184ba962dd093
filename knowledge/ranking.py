"""Ranking: the published articles that best match a query, best first.

This is the seam between retrieval (how candidates are found and ordered) and the answer policy
(whether the best one is good enough to answer). ``score`` orders the results: the reciprocal
rank fusion of the dense rankings (the query language's embedder, then the cross-lingual one)
and BM25. ``confidence`` is on the scale the answer thresholds are calibrated on -- the cosine
of the article's best chunk under the query language's own embedder -- so the policy never reads
raw fused scores.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy.orm import Session

from knowledge import repository
from knowledge.fusion import ArticleHit, best_per_article, reciprocal_rank_fusion
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


@dataclass(frozen=True)
class Signals:
    """Each signal's article ranking for one query (best first)."""

    dense: list[list[ArticleHit]]  # the language's own embedder first, then the cross-lingual one
    lexical: list[ArticleHit]


def gather_signals(
    session: Session, *, router: LanguageRouter, query: str, language: str, depth: int
) -> Signals:
    dense_hits = [r.search_chunks(query, k=depth) for r in router.dense_for_language(language)]
    lexical_hits = router.lexical_search(session, query, k=depth)
    chunk_ids = {chunk_id for hits in [*dense_hits, lexical_hits] for chunk_id, _ in hits}
    chunks = repository.chunk_articles(session, list(chunk_ids))
    owner = {chunk_id: chunk.article_id for chunk_id, chunk in chunks.items()}
    return Signals(
        dense=[best_per_article(hits, owner) for hits in dense_hits],
        lexical=best_per_article(lexical_hits, owner),
    )


def confidence_of(signals: Signals, article_id: uuid.UUID) -> tuple[float, int | None]:
    """(confidence, best chunk) from the first dense signal that found the article.

    The language's own embedder comes first because the thresholds are calibrated on it; a
    cross-lingual find is vouched for by the multilingual cosine. BM25 alone never vouches.
    """
    for ranking in signals.dense:
        for hit in ranking:
            if hit.article_id == article_id:
                return max(0.0, min(1.0, hit.score)), hit.chunk_id
    return 0.0, None


def fuse(signals: Signals) -> list[tuple[uuid.UUID, float]]:
    return reciprocal_rank_fusion([*signals.dense, signals.lexical])


def rank_articles(
    session: Session, *, router: LanguageRouter, query: str, language: str, k: int
) -> list[RankedArticle]:
    """Up to ``k`` published articles for ``query``, each represented by its best chunk."""
    signals = gather_signals(
        session, router=router, query=query, language=language, depth=max(CHUNK_CANDIDATES, k * 4)
    )
    fused = fuse(signals)
    lexical_chunk = {hit.article_id: hit.chunk_id for hit in signals.lexical}
    articles = repository.articles_by_ids(session, [article_id for article_id, _ in fused])
    ranked: list[RankedArticle] = []
    for article_id, score in fused:
        article = articles.get(article_id)
        if article is None or article.status != ArticleStatus.PUBLISHED:
            continue
        confidence, chunk_id = confidence_of(signals, article_id)
        ranked.append(
            RankedArticle(
                article_id=article_id,
                score=score,
                confidence=confidence,
                chunk_id=chunk_id if chunk_id is not None else lexical_chunk[article_id],
                article=article,
            )
        )
        if len(ranked) == k:
            break
    return ranked
