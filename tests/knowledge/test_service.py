from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from deskmate.errors import BadRequest
from knowledge import service
from knowledge.embedding import Embedder
from knowledge.models import Article, ArticleStatus, SearchLog
from knowledge.retrieval import LanguageRouter, Retriever
from tests.knowledge.factories import add_article


def _router(tmp_path: Path, embedder: Embedder, threshold: float = 0.3) -> LanguageRouter:
    retriever = Retriever(index_dir=tmp_path / "index")
    retriever.use_embedder(embedder)
    return LanguageRouter({"en": retriever, "zh": retriever}, {"en": threshold, "zh": threshold})


def test_search_answers_with_the_right_article_and_logs_the_query(
    session: Session, tmp_path: Path, embedder: Embedder
) -> None:
    add_article(session)
    add_article(
        session,
        external_id="kb-refund",
        title="Get a refund for Lumora Cloud",
        body="Refunds for Cloud are paid within 14 days.\n\n## How\n\nAsk in the app.",
        category="billing",
        product="Lumora Cloud",
    )
    router = _router(tmp_path, embedder)
    assert router.ensure_current(session) is True
    assert router.ensure_current(session) is False  # nothing changed: no rebuild

    result = service.search(
        session,
        router=router,
        query="camera won't join my wifi",
        k=2,
        public_url="http://x",
    )
    assert result.decision == "answer"
    assert result.results[0].title == "Connect the camera to Wi-Fi"
    assert result.results[0].url == f"http://x/kb/articles/{result.results[0].article_id}"
    assert result.results[0].snippet == "The camera needs a 2.4 GHz network."
    assert result.results[0].score > result.results[1].score

    unrelated = service.search(
        session,
        router=router,
        query="recipe for chocolate cake",
        k=2,
        public_url="http://x",
    )
    assert unrelated.decision == "no_answer"
    logs = session.scalars(select(SearchLog).order_by(SearchLog.created_at)).all()
    assert [log.decision for log in logs] == ["answer", "no_answer"]
    assert logs[0].top_score == result.results[0].score


def test_archived_articles_are_not_served_even_before_a_reindex(
    session: Session, tmp_path: Path, embedder: Embedder
) -> None:
    add_article(session)
    router = _router(tmp_path, embedder)
    router.rebuild(session)
    article = session.scalar(select(Article))
    assert article is not None
    article.status = ArticleStatus.ARCHIVED
    session.flush()
    result = service.search(session, router=router, query="camera wifi", k=3, public_url="http://x")
    assert result.results == [] and result.decision == "no_answer"
    assert router.is_current(session) is False


@pytest.mark.parametrize("query", ["", "   ", "x" * 1001])
def test_empty_or_huge_queries_are_refused(
    session: Session, tmp_path: Path, embedder: Embedder, query: str
) -> None:
    with pytest.raises(BadRequest):
        service.search(
            session,
            router=_router(tmp_path, embedder),
            query=query,
            k=3,
            public_url="http://x",
        )
