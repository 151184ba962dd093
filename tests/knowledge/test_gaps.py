from __future__ import annotations

import uuid
from pathlib import Path

import numpy as np
import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from deskmate.auth.models import Role
from deskmate.errors import Conflict
from experts.models import Expert
from knowledge import feedback, gaps, lifecycle, service
from knowledge.embedding import Embedder
from knowledge.models import (
    Article,
    ArticleStatus,
    GapStatus,
    GapTaskStatus,
    KnowledgeGap,
    SearchLog,
)
from knowledge.retrieval import LanguageRouter
from tests.apps import token_for
from tests.experts.factories import add_expert
from tests.knowledge.factories import add_article
from tests.knowledge.insight_factories import kb_client, make_router

SCHEDULE = [
    "how do I set a weekend schedule on my thermostat",
    "thermostat weekend schedule setup",
    "change the heating schedule for saturday and sunday",
]


def _unit(rows: list[list[float]]) -> np.ndarray:
    array = np.array(rows, dtype=np.float32)
    return array / np.linalg.norm(array, axis=1, keepdims=True)


def test_clustering_groups_similar_vectors_deterministically() -> None:
    vectors = _unit([[1, 0, 0], [0, 1, 0], [0.95, 0.05, 0], [0, 0.9, 0.1], [0, 0, 1]])
    assert gaps.cluster(vectors, threshold=0.8) == [[0, 2], [1, 3], [4]]
    assert gaps.cluster(vectors, threshold=0.8) == gaps.cluster(vectors.copy(), threshold=0.8)
    assert gaps.cluster(vectors, threshold=0.0) == [[0, 1, 2, 3, 4]]
    assert gaps.cluster(vectors[:0], threshold=0.5) == []


def test_english_and_chinese_questions_meet_in_one_gap_with_the_multilingual_embedder(
    session: Session,
) -> None:
    from knowledge.embedding import load_embedder

    use = load_embedder("use")
    questions = [
        *SCHEDULE,
        "恒温器怎么设置周末的时间表",
        "recipe for chocolate cake",
        "巧克力蛋糕的做法",
    ]
    for question in questions:
        session.add(SearchLog(query=question, decision="no_answer", results=[], choices=[]))
    session.flush()
    assert gaps.refresh_gaps(session, embedder=use).new_gaps == 2
    found = gaps.list_gaps(session, status=GapStatus.OPEN, offset=0, limit=5)[0]
    assert [sorted(g.examples) for g in found] == [
        sorted([*SCHEDULE, "恒温器怎么设置周末的时间表"]),
        sorted(["recipe for chocolate cake", "巧克力蛋糕的做法"]),
    ]


@pytest.fixture
def router(session: Session, tmp_path: Path, embedder: Embedder) -> LanguageRouter:
    add_article(session)
    router = make_router(tmp_path / "index", embedder)
    router.rebuild(session)
    return router


def _ask(session: Session, router: LanguageRouter, query: str) -> str:
    return service.search(session, router=router, query=query, k=3, public_url="x").decision


def test_weak_queries_become_gaps_ranked_by_volume_and_grow(
    session: Session, router: LanguageRouter, embedder: Embedder
) -> None:
    assert [_ask(session, router, q) for q in SCHEDULE] == ["no_answer"] * 3
    _ask(session, router, "recipe for chocolate cake")
    answered = service.search(session, router=router, query="camera wifi", k=3, public_url="x")
    assert answered.decision == "answer"
    report = gaps.refresh_gaps(session, embedder=embedder)
    assert (report.queries, report.new_gaps) == (4, 2)  # the good answer is not a gap
    found, total = gaps.list_gaps(session, status=GapStatus.OPEN, offset=0, limit=10)
    assert total == 2 and [g.volume for g in found] == [3, 1]
    assert set(found[0].examples) == set(SCHEDULE) and found[0].label in SCHEDULE
    assert gaps.refresh_gaps(session, embedder=embedder).queries == 0  # nothing new

    # an unhelpful vote makes an answered query a gap candidate too
    feedback.vote(
        session, search_id=answered.search_id, article_id=answered.choices[0], helpful=False
    )
    _ask(session, router, "weekend heating schedule on the thermostat")
    again = gaps.refresh_gaps(session, embedder=embedder)
    assert (again.queries, again.grown_gaps, again.new_gaps) == (2, 1, 1)
    assert session.get_one(KnowledgeGap, found[0].id).volume == 4


def test_a_gap_becomes_a_task_then_an_article_that_answers_it(
    session: Session, router: LanguageRouter, embedder: Embedder
) -> None:
    add_expert(session, skills=[{"skill": "thermostat schedules", "level": 4}])
    add_expert(
        session,
        name="Aisha",
        email="aisha@example.com",
        bio="Refunds and invoices",
        skills=[{"skill": "billing", "level": 5}],
        products=["Lumora Cloud"],
    )
    for query in SCHEDULE:
        _ask(session, router, query)
    gaps.refresh_gaps(session, embedder=embedder)
    gap = gaps.list_gaps(session, status=GapStatus.OPEN, offset=0, limit=1)[0][0]

    task = gaps.create_task(session, gap_id=gap.id, expert_id=None, embedder=embedder, actor="km")
    expert = session.get_one(Expert, task.expert_id)
    assert expert.email == "priya@example.com"
    assert any(reason.startswith("available, load 0/") for reason in task.reasons)
    assert gap.status == GapStatus.TASKED
    with pytest.raises(Conflict):
        gaps.create_task(session, gap_id=gap.id, expert_id=None, embedder=embedder, actor="km")
    article = session.get_one(Article, task.article_id)
    assert article.status == ArticleStatus.DRAFT and SCHEDULE[0] in article.body
    assert gaps.close_gaps_for_article(session, article_id=article.id) == 0  # not published

    article.title = "Set a weekend schedule on the Lumora Thermostat"
    article.body = (
        "Open the Lumora App, pick the thermostat and tap Schedule. Choose Saturday and Sunday "
        "to give the weekend its own heating schedule with different times and temperatures."
    )
    article.tags = ["schedules"]
    lifecycle.make_published(session, article)  # publishing closes the gap it was written for
    router.article_published(session, article_id=article.id)
    assert gaps.close_gaps_for_article(session, article_id=article.id) == 0
    assert gap.status == GapStatus.CLOSED and gap.closed_by_article_id == article.id
    assert task.status == GapTaskStatus.DONE
    assert [e.title for e in expert.evidence] == [article.title]

    later = service.search(session, router=router, query=SCHEDULE[0], k=3, public_url="x")
    assert later.decision == "answer" and later.choices == [article.id]
    assert gaps.refresh_gaps(session, embedder=embedder).queries == 0


@pytest.fixture
def client(
    data_dir: Path, session_factory: sessionmaker[Session], embedder: Embedder
) -> TestClient:
    client = kb_client(
        data_dir=data_dir, session_factory=session_factory, embedder=embedder, articles=[{}]
    )
    with session_factory() as session:
        add_expert(session)
        session.commit()
    return client


def test_gaps_over_http(client: TestClient, session_factory: sessionmaker[Session]) -> None:
    for query in SCHEDULE:
        assert client.get("/api/v1/kb/search", params={"q": query}).json()["decision"] == (
            "no_answer"
        )
    manager = {"Authorization": f"Bearer {token_for(session_factory, Role.KNOWLEDGE_MANAGER)}"}
    supervisor = {"Authorization": f"Bearer {token_for(session_factory, Role.SUPERVISOR)}"}
    assert client.post("/api/v1/kb/gaps/refresh", headers=supervisor).status_code == 403
    refreshed = client.post("/api/v1/kb/gaps/refresh", headers=manager).json()
    assert refreshed == {"queries": 3, "new_gaps": 1, "grown_gaps": 0}
    listed = client.get("/api/v1/kb/gaps", headers=supervisor).json()
    assert listed["total"] == 1 and listed["items"][0]["volume"] == 3
    gap_id = listed["items"][0]["id"]
    missing = client.post(
        f"/api/v1/kb/gaps/{gap_id}/task", json={"expert_id": str(uuid.uuid4())}, headers=manager
    )
    assert missing.status_code == 404
    task = client.post(f"/api/v1/kb/gaps/{gap_id}/task", json={}, headers=manager)
    assert task.status_code == 201
    assert task.json()["expert_name"] == "Priya Raman" and task.json()["article_id"]
    twice = client.post(f"/api/v1/kb/gaps/{gap_id}/task", json={}, headers=manager)
    assert twice.status_code == 409
    tasked = client.get("/api/v1/kb/gaps", params={"status": "tasked"}, headers=manager).json()
    assert [item["id"] for item in tasked["items"]] == [gap_id]
    assert (
        client.get("/api/v1/kb/gaps", params={"status": "nope"}, headers=manager).status_code == 422
    )
    detail = client.get(f"/api/v1/kb/gaps/{gap_id}", headers=supervisor).json()
    assert detail["status"] == "tasked" and [t["id"] for t in detail["tasks"]] == [
        task.json()["id"]
    ]
    assert client.get(f"/api/v1/kb/gaps/{uuid.uuid4()}", headers=manager).status_code == 404
    expert = client.get(f"/api/v1/experts/{task.json()['expert_id']}", headers=manager).json()
    assert expert["load"] == 1  # the open gap task counts
