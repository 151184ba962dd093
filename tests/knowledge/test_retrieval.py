from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from knowledge import service
from knowledge.embedding import Embedder, load_embedder
from knowledge.retrieval import LanguageRouter, Retriever, query_language
from tests.knowledge.factories import add_article


@pytest.fixture(scope="session")
def use_embedder() -> Embedder:
    return load_embedder("use", threads=1)


def test_query_language() -> None:
    assert query_language("how do I reset") == "en"
    assert query_language("怎么重置 hub") == "zh"


def test_chinese_questions_go_to_the_multilingual_embedder_and_reach_english_articles(
    session: Session, tmp_path: Path, embedder: Embedder, use_embedder: Embedder
) -> None:
    add_article(session)
    add_article(
        session,
        external_id="kb-refund",
        title="Get a refund for Lumora Cloud",
        body="Refunds for the Cloud subscription are paid within 14 days.",
        category="billing",
    )
    english = Retriever(index_dir=tmp_path / "minilm")
    english.use_embedder(embedder)
    chinese = Retriever(index_dir=tmp_path / "use")
    chinese.use_embedder(use_embedder)
    router = LanguageRouter({"en": english, "zh": chinese}, {"en": 0.45, "zh": 0.3})
    assert router.ensure_current(session) is True
    assert len(router.distinct()) == 2 and router.ready

    result = service.search(session, router=router, query="如何退款", k=2, public_url="http://x")
    assert result.results[0].title == "Get a refund for Lumora Cloud"
    assert result.results[0].score > result.results[1].score
