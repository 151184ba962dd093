from __future__ import annotations

import uuid
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from deskmate.auth.models import Role
from deskmate.errors import BadRequest
from knowledge import policy, service
from knowledge.embedding import Embedder
from knowledge.models import Article, SearchLog
from knowledge.policy import Decision, Thresholds, decide
from knowledge.ranking import RankedArticle
from tests.apps import token_for
from tests.knowledge.factories import add_article
from tests.knowledge.insight_factories import kb_client, make_router

T = Thresholds(answer=0.5, clarify_floor=0.4, margin=0.05)


def _hit(confidence: float, score: float | None = None) -> RankedArticle:
    article = Article(id=uuid.uuid4(), title="t", body="b", category="setup", language="en")
    return RankedArticle(
        article_id=article.id,
        score=confidence if score is None else score,
        confidence=confidence,
        chunk_id=1,
        article=article,
    )


def test_a_clear_winner_is_the_answer() -> None:
    top, second = _hit(0.7), _hit(0.5)
    result = decide([top, second], T)
    assert result.decision == Decision.ANSWER and result.choices == [top]


def test_close_candidates_above_the_floor_are_offered_as_choices() -> None:
    hits = [_hit(0.62), _hit(0.6), _hit(0.58), _hit(0.55)]
    result = decide(hits, T)
    assert result.decision == Decision.CLARIFY
    assert result.choices == hits[:3]  # at most three, only those within the margin


def test_close_candidates_below_the_answer_threshold_still_clarify() -> None:
    hits = [_hit(0.45), _hit(0.43), _hit(0.2)]
    result = decide(hits, T)
    assert result.decision == Decision.CLARIFY and result.choices == hits[:2]


def test_a_runner_up_surer_than_the_first_makes_it_clarify() -> None:
    # The fused ranking's first is below the floor; its own embedder is surer of the second.
    hits = [_hit(0.35), _hit(0.52), _hit(0.3)]
    result = decide(hits, T)
    assert result.decision == Decision.CLARIFY and result.choices == hits[:2]
    # ... also when the first would be answered on its own.
    hits = [_hit(0.55), _hit(0.6), _hit(0.45)]
    result = decide(hits, T)
    assert result.decision == Decision.CLARIFY and result.choices == hits[:2]


@pytest.mark.parametrize(
    "confidences", [[], [0.45], [0.45, 0.3], [0.39, 0.38], [0.3], [0.2, 0.39]], ids=str
)
def test_weak_rankings_get_no_answer(confidences: list[float]) -> None:
    result = decide([_hit(c) for c in confidences], T)
    assert result.decision == Decision.NO_ANSWER and result.choices == []


@pytest.mark.parametrize(
    "values",
    [
        {"answer": 1.2, "clarify_floor": 0.1, "margin": 0.1},
        {"answer": 0.5, "clarify_floor": 0.6, "margin": 0.1},
        {"answer": 0.5, "clarify_floor": 0.4, "margin": -0.1},
    ],
)
def test_inconsistent_thresholds_are_refused(values: dict[str, float]) -> None:
    with pytest.raises(BadRequest):
        Thresholds(**values)


def test_thresholds_come_from_the_category_row_then_the_default_row_then_settings(
    session: Session,
) -> None:
    fallback = policy.default_thresholds(0.5, band=0.1, margin=0.02)
    assert fallback == Thresholds(answer=0.5, clarify_floor=0.4, margin=0.02)
    assert policy.thresholds_for(session, category="billing", language="en", fallback=fallback) == (
        fallback
    )
    default = Thresholds(answer=0.6, clarify_floor=0.5, margin=0.05)
    policy.set_thresholds(session, category=None, language="en", thresholds=default)
    billing = Thresholds(answer=0.8, clarify_floor=0.7, margin=0.05)
    policy.set_thresholds(session, category="billing", language="en", thresholds=billing)
    got = policy.thresholds_for
    assert got(session, category="billing", language="en", fallback=fallback) == billing
    assert got(session, category="setup", language="en", fallback=fallback) == default
    assert got(session, category="billing", language="zh", fallback=fallback) == fallback
    # setting the default again replaces it (NULL category is not covered by the unique key)
    policy.set_thresholds(session, category=None, language="en", thresholds=billing)
    assert len(policy.list_thresholds(session)) == 2


def test_search_logs_the_ranking_the_decision_and_the_conversation(
    session: Session, tmp_path: Path, embedder: Embedder
) -> None:
    add_article(session)
    router = make_router(tmp_path / "index", embedder)
    router.rebuild(session)
    result = service.search(
        session,
        router=router,
        query="camera wifi setup",
        k=3,
        public_url="http://x",
        conversation_id="conv-1",
        channel="web",
    )
    assert result.decision == "answer"
    assert result.choices == [result.results[0].article_id]
    log = session.get(SearchLog, result.search_id)
    assert log is not None
    assert (log.conversation_id, log.channel, log.decision) == ("conv-1", "web", "answer")
    assert log.choices == [str(result.results[0].article_id)]
    assert set(log.results[0]) == {"article_id", "score", "confidence"}
    assert log.outcome is None


def test_a_category_threshold_changes_the_decision(
    session: Session, tmp_path: Path, embedder: Embedder
) -> None:
    add_article(session)
    router = make_router(tmp_path / "index", embedder)
    router.rebuild(session)
    first = service.search(session, router=router, query="camera wifi", k=3, public_url="x")
    assert first.decision == "answer"
    strict = Thresholds(answer=0.99, clarify_floor=0.98, margin=0.01)
    policy.set_thresholds(session, category="connectivity", language="en", thresholds=strict)
    second = service.search(session, router=router, query="camera wifi", k=3, public_url="x")
    assert second.decision == "no_answer" and second.choices == []
    decisions = session.scalars(select(SearchLog.decision).order_by(SearchLog.created_at)).all()
    assert decisions == ["answer", "no_answer"]


@pytest.fixture
def client(
    data_dir: Path, session_factory: sessionmaker[Session], embedder: Embedder
) -> TestClient:
    return kb_client(
        data_dir=data_dir, session_factory=session_factory, embedder=embedder, articles=[{}]
    )


def test_thresholds_api_needs_a_knowledge_manager_and_validates(
    client: TestClient, session_factory: sessionmaker[Session]
) -> None:
    body = {
        "category": "connectivity",
        "language": "en",
        "answer": 0.99,
        "clarify_floor": 0.98,
        "margin": 0.01,
    }
    agent = token_for(session_factory, Role.AGENT)
    manager = token_for(session_factory, Role.KNOWLEDGE_MANAGER)
    assert client.put("/api/v1/kb/thresholds", json=body).status_code == 401
    denied = client.put(
        "/api/v1/kb/thresholds", json=body, headers={"Authorization": f"Bearer {agent}"}
    )
    assert denied.status_code == 403
    auth = {"Authorization": f"Bearer {manager}"}
    bad = client.put("/api/v1/kb/thresholds", json={**body, "clarify_floor": 0.999}, headers=auth)
    assert bad.status_code == 422 and bad.json()["error"] == "validation_error"
    saved = client.put("/api/v1/kb/thresholds", json=body, headers=auth)
    assert saved.status_code == 200 and saved.json()["answer"] == 0.99
    search = client.get("/api/v1/kb/search", params={"q": "camera wifi", "channel": "web"}).json()
    assert search["decision"] == "no_answer" and search["search_id"]
    listed = client.get("/api/v1/kb/thresholds", headers=auth).json()
    assert [row["category"] for row in listed] == ["connectivity"]
    gone = client.delete(f"/api/v1/kb/thresholds/{listed[0]['id']}", headers=auth)
    assert gone.status_code == 204
    assert (
        client.get("/api/v1/kb/search", params={"q": "camera wifi"}).json()["decision"] == "answer"
    )
    missing = client.delete(f"/api/v1/kb/thresholds/{listed[0]['id']}", headers=auth)
    assert missing.status_code == 404 and missing.json()["error"] == "not_found"
