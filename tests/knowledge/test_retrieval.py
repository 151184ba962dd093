from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from knowledge import service
from knowledge.embedding import Embedder, load_embedder
from knowledge.ranking import rank_articles
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


def test_an_english_question_reaches_a_chinese_article_through_the_cross_lingual_embedder(
    session: Session, tmp_path: Path, embedder: Embedder, use_embedder: Embedder
) -> None:
    add_article(session)  # English, about Wi-Fi
    add_article(
        session,
        external_id="kb-zh-privacy",
        title="摄像头隐私模式",
        body="打开隐私模式后，摄像头停止录像和实时画面，镜头会转向下方。"
        "在 App 中可以按时间表自动开启。",
        category="privacy",
        language="zh",
    )
    english = Retriever(index_dir=tmp_path / "minilm")
    english.use_embedder(embedder)
    multilingual = Retriever(index_dir=tmp_path / "use")
    multilingual.use_embedder(use_embedder)
    thresholds = {"en": 0.52, "zh": 0.44}
    without = LanguageRouter({"en": english, "zh": multilingual}, thresholds)
    with_cross = LanguageRouter({"en": english, "zh": multilingual}, thresholds, cross=multilingual)
    with_cross.rebuild(session)
    query = "stop the camera recording while I am at home, privacy mode"

    def top(router: LanguageRouter) -> str | None:
        ranked = rank_articles(session, router=router, query=query, language="en", k=2)
        return ranked[0].article.external_id

    assert top(without) == "kb-test-1"  # MiniLM and BM25 cannot read the Chinese article
    last = rank_articles(session, router=without, query=query, language="en", k=2)[-1]
    assert last.article.external_id == "kb-zh-privacy" and last.confidence == 0.0
    assert top(with_cross) == "kb-zh-privacy"
    best = rank_articles(session, router=with_cross, query=query, language="en", k=1)[0]
    assert best.confidence > 0.3  # vouched for by the multilingual cosine, not MiniLM's
