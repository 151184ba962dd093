from __future__ import annotations

import uuid
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from knowledge.embedding import Embedder
from knowledge.fusion import ArticleHit, best_per_article, interleave, reciprocal_rank_fusion
from knowledge.ranking import gather_signals, rank_articles
from tests.knowledge.factories import add_article
from tests.knowledge.routers import single_router

A, B, C = (uuid.UUID(int=n) for n in (1, 2, 3))


def test_best_per_article_keeps_each_articles_best_chunk_and_skips_unknown_chunks() -> None:
    hits = [(10, 0.9), (11, 0.8), (20, 0.7), (12, 0.95), (99, 0.99)]
    owner = {10: A, 11: A, 12: B, 20: C}
    assert best_per_article(hits, owner) == [
        ArticleHit(B, 0.95, 12),
        ArticleHit(A, 0.9, 10),
        ArticleHit(C, 0.7, 20),
    ]


def test_reciprocal_rank_fusion_rewards_agreement_between_rankings() -> None:
    dense = [ArticleHit(A, 0.9, 1), ArticleHit(B, 0.8, 2), ArticleHit(C, 0.1, 3)]
    lexical = [ArticleHit(B, 12.0, 2), ArticleHit(C, 5.0, 3)]
    fused = reciprocal_rank_fusion([dense, lexical])
    assert [article for article, _ in fused] == [B, C, A]
    assert fused[0][1] == pytest.approx(1 / 62 + 1 / 61)
    # Weights tilt the balance; a single ranking comes back in its own order.
    assert [a for a, _ in reciprocal_rank_fusion([dense, lexical], weights=[1, 0])] == [A, B, C]
    assert [a for a, _ in reciprocal_rank_fusion([dense])] == [A, B, C]
    with pytest.raises(ValueError):
        reciprocal_rank_fusion([dense, lexical], weights=[1])


def test_fused_ranking_finds_an_exact_error_code_that_meaning_alone_misses(
    session: Session, tmp_path: Path, embedder: Embedder
) -> None:
    add_article(session)
    add_article(
        session,
        external_id="kb-doorbell-battery",
        title="Doorbell battery drains in winter",
        body="Cold weather shortens battery life. Charge the battery indoors.",
        category="troubleshooting",
    )
    add_article(
        session,
        external_id="kb-error-codes",
        title="Status codes shown in the app",
        body="Code QX-7731 appears when the device lost its pairing key; pair it again.",
        category="troubleshooting",
    )
    router = single_router(tmp_path, embedder)
    router.rebuild(session)

    query = "app shows QX-7731"
    signals = gather_signals(session, router=router, query=query, language="en", depth=10)
    lexical_titles = [hit.article_id for hit in signals.lexical]
    ranked = rank_articles(session, router=router, query=query, language="en", k=3)
    assert ranked[0].article.external_id == "kb-error-codes"
    assert ranked[0].article_id == lexical_titles[0]
    assert [r.score for r in ranked] == sorted((r.score for r in ranked), reverse=True)
    # confidence is the dense cosine of the article's best chunk, not the fused score
    dense_best = {hit.article_id: hit.score for hit in signals.dense[0]}
    assert ranked[0].confidence == pytest.approx(dense_best[ranked[0].article_id])
    assert all(0 <= r.confidence <= 1 for r in ranked)
    assert ranked[0].chunk_id in {c.id for c in ranked[0].article.chunks}


def test_interleave_gives_other_language_articles_their_multilingual_rank() -> None:
    d = uuid.UUID(int=4)
    # multilingual ranking: C (other language), A, D (other language), B
    multilingual = [ArticleHit(C, 0.6, 3), ArticleHit(A, 0.5, 1), ArticleHit(d, 0.4, 4)]
    multilingual.append(ArticleHit(B, 0.3, 2))
    # own-language fused order is B, A: the own slots (2nd and 4th) are filled in that order
    assert interleave([B, A], multilingual, {C, d}) == [C, B, d, A]
    assert interleave([B, A], [], set()) == [B, A]
    assert interleave([], multilingual, {C, d}) == [C, d]
