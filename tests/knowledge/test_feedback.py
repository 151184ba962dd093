from __future__ import annotations

import uuid
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from deskmate import worker
from deskmate.auth.models import Role
from deskmate.db import utcnow
from deskmate.errors import BadRequest, Conflict, NotFound
from knowledge import feedback, service
from knowledge.embedding import Embedder
from knowledge.models import Article, ArticleStats, SearchLog, SearchOutcome
from knowledge.retrieval import LanguageRouter
from tests.apps import token_for
from tests.knowledge.factories import add_article
from tests.knowledge.insight_factories import REFUND, kb_client, make_router
from tests.ticketing.factories import open_ticket


@pytest.fixture
def router(session: Session, tmp_path: Path, embedder: Embedder) -> LanguageRouter:
    add_article(session)
    add_article(session, **REFUND)
    router = make_router(tmp_path / "index", embedder)
    router.rebuild(session)
    return router


def _ask(session: Session, router: LanguageRouter, query: str = "camera wifi setup") -> SearchLog:
    result = service.search(session, router=router, query=query, k=3, public_url="x")
    log = session.get(SearchLog, result.search_id)
    assert log is not None
    return log


def _stats(session: Session, article_id: str) -> ArticleStats:
    stats = session.get(ArticleStats, uuid.UUID(article_id))
    assert stats is not None
    return stats


def test_votes_count_once_per_search_and_only_for_shown_articles(
    session: Session, router: LanguageRouter
) -> None:
    log = _ask(session, router)
    assert log.decision == "answer"
    answer = uuid.UUID(log.choices[0])
    other = next(a.id for a in session.scalars(select(Article)) if a.id != answer)
    with pytest.raises(BadRequest, match="not shown"):
        feedback.vote(session, search_id=log.id, article_id=other, helpful=True)
    with pytest.raises(NotFound):
        feedback.vote(session, search_id=uuid.uuid4(), article_id=answer, helpful=True)
    feedback.vote(session, search_id=log.id, article_id=answer, helpful=False)
    with pytest.raises(Conflict) as second:
        feedback.vote(session, search_id=log.id, article_id=answer, helpful=True)
    assert second.value.code == "already_voted"
    stats = _stats(session, log.choices[0])
    assert (stats.shown, stats.answered, stats.helpful, stats.unhelpful) == (1, 1, 0, 1)
    assert log.outcome == SearchOutcome.UNHELPFUL
    # 2·0 − 2·1 + 0 − 0 over (1 shown + 5)
    assert stats.value == round(-2 / 6, 4)


def test_settle_marks_abandoned_and_deflected_and_a_late_ticket_undoes_the_deflection(
    session: Session, router: LanguageRouter
) -> None:
    answered = _ask(session, router)
    voted = _ask(session, router, "how do I connect my camera to wifi")
    feedback.vote(session, search_id=voted.id, article_id=uuid.UUID(voted.choices[0]), helpful=True)
    ticketed = _ask(session, router, "camera wifi broken")
    feedback.ticket_followed(session, search_id=ticketed.id, reference="DM-000001")
    feedback.ticket_followed(session, search_id=ticketed.id, reference="DM-000001")  # a retry
    with pytest.raises(Conflict):
        feedback.ticket_followed(session, search_id=ticketed.id, reference="DM-000002")
    unanswered = _ask(session, router, "recipe for chocolate cake")
    assert unanswered.decision == "no_answer"

    early = feedback.settle(session, window_minutes=30)
    assert early.settled == 0  # nothing is older than the window yet
    report = feedback.settle(session, window_minutes=30, now=utcnow() + timedelta(minutes=31))
    assert (report.settled, report.abandoned, report.deflected) == (4, 2, 2)
    assert answered.outcome == SearchOutcome.ABANDONED and answered.deflected
    assert voted.outcome == SearchOutcome.HELPFUL and voted.deflected
    assert ticketed.outcome == SearchOutcome.TICKET_OPENED and not ticketed.deflected
    assert unanswered.outcome == SearchOutcome.ABANDONED and not unanswered.deflected
    camera = answered.choices[0]
    assert voted.choices[0] == ticketed.choices[0] == camera
    stats = _stats(session, camera)
    assert (stats.shown, stats.helpful, stats.deflections, stats.tickets_after) == (3, 1, 2, 1)
    assert stats.value == round((2 * 1 + 2 - 1.5 * 1) / (3 + 5), 4)
    assert (
        feedback.settle(session, window_minutes=30, now=utcnow() + timedelta(hours=1)).settled == 0
    )

    feedback.ticket_followed(session, search_id=answered.id, reference="DM-000003")
    stats = _stats(session, camera)
    assert (stats.deflections, stats.tickets_after) == (1, 2)
    assert not answered.deflected and answered.outcome == SearchOutcome.TICKET_OPENED


def test_stale_articles_lose_value(session: Session, router: LanguageRouter) -> None:
    log = _ask(session, router)
    article = session.get(Article, uuid.UUID(log.choices[0]))
    assert article is not None
    before = _stats(session, log.choices[0]).value
    assert feedback.refresh_staleness(session, stale_days=180) == 0
    article.updated_at = utcnow() - timedelta(days=181)
    session.flush()
    assert feedback.refresh_staleness(session, stale_days=180) == 1
    stats = _stats(session, log.choices[0])
    assert stats.stale and stats.value == round(before - feedback.STALE_PENALTY, 4)


@pytest.fixture
def client(
    data_dir: Path, session_factory: sessionmaker[Session], embedder: Embedder
) -> TestClient:
    return kb_client(
        data_dir=data_dir, session_factory=session_factory, embedder=embedder, articles=[{}, REFUND]
    )


def test_feedback_ticket_and_value_over_http(
    client: TestClient, session_factory: sessionmaker[Session]
) -> None:
    camera = client.get("/api/v1/kb/search", params={"q": "camera wifi setup"}).json()
    refund = client.get("/api/v1/kb/search", params={"q": "refund for cloud"}).json()
    assert camera["decision"] == refund["decision"] == "answer"
    url = f"/api/v1/kb/searches/{camera['search_id']}/feedback"
    vote = {"helpful": True, "article_id": camera["choices"][0]}
    assert client.post(url, json=vote).status_code == 201  # public, like search
    again = client.post(url, json=vote)
    assert again.status_code == 409 and again.json()["error"] == "already_voted"
    assert client.post(url, json={"helpful": "maybe"}).status_code == 422
    unknown = client.post(f"/api/v1/kb/searches/{uuid.uuid4()}/feedback", json=vote)
    assert unknown.status_code == 404

    ticket_url = f"/api/v1/kb/searches/{refund['search_id']}/ticket"
    assert client.post(ticket_url, json={"reference": "DM-000009"}).status_code == 401
    integration = {"Authorization": f"Bearer {token_for(session_factory, Role.INTEGRATION)}"}
    followed = client.post(ticket_url, json={"reference": "DM-000009"}, headers=integration)
    assert followed.json()["outcome"] == "ticket_opened"

    manager = {"Authorization": f"Bearer {token_for(session_factory, Role.KNOWLEDGE_MANAGER)}"}
    agent = {"Authorization": f"Bearer {token_for(session_factory, Role.AGENT)}"}
    assert client.get("/api/v1/kb/articles/value", headers=agent).status_code == 403
    page = client.get("/api/v1/kb/articles/value", headers=manager).json()
    assert page["total"] == 2
    assert [item["title"] for item in page["items"]] == [
        "Connect the camera to Wi-Fi",
        "Get a refund for Lumora Cloud",
    ]
    assert page["items"][0]["helpful"] == 1 and page["items"][1]["tickets_after"] == 1
    worst = client.get(
        "/api/v1/kb/articles/value", params={"order": "asc", "per_page": 1}, headers=manager
    ).json()
    assert [item["title"] for item in worst["items"]] == ["Get a refund for Lumora Cloud"]
    bad = client.get("/api/v1/kb/articles/value", params={"sort": "nope"}, headers=manager)
    assert bad.status_code == 422
    settled = client.post("/api/v1/kb/searches/settle", headers=integration)
    assert settled.status_code == 200 and settled.json()["settled"] == 0  # within the window


def test_the_settle_command_settles_old_searches(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from typer.testing import CliRunner

    from deskmate import cli, migrate
    from deskmate.db import make_engine, make_session_factory
    from deskmate.settings import get_settings

    monkeypatch.setenv("DESKMATE_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("DESKMATE_DATABASE_URL", raising=False)
    get_settings.cache_clear()
    url = get_settings().resolved_database_url
    migrate.upgrade(url)
    engine = make_engine(url)
    with make_session_factory(engine)() as session:
        old = utcnow() - timedelta(hours=2)
        session.add(SearchLog(query="q", decision="no_answer", created_at=old, updated_at=old))
        session.add(SearchLog(query="fresh", decision="no_answer"))
        session.commit()
    try:
        result = CliRunner().invoke(cli.app, ["kb", "settle"])
        assert result.exit_code == 0, result.output
        assert "settled 1 searches: 1 abandoned, 0 deflections" in result.output
        with make_session_factory(engine)() as session:
            outcomes = {log.query: log.outcome for log in session.scalars(select(SearchLog))}
        assert outcomes == {"q": SearchOutcome.ABANDONED, "fresh": None}
    finally:
        engine.dispose()
        get_settings.cache_clear()


def test_settle_ties_a_ticket_opened_in_the_same_conversation_to_the_search_before_it(
    session: Session, router: LanguageRouter
) -> None:
    """The assistant searches and opens tickets with the conversation id but reports neither
    to the other; the sweep matches them: the last search before the ticket, within the
    window, in that conversation only."""

    def ask(query: str, conversation: str) -> SearchLog:
        result = service.search(
            session, router=router, query=query, k=3, public_url="x", conversation_id=conversation
        )
        log = session.get(SearchLog, result.search_id)
        assert log is not None
        return log

    followed = ask("camera wifi setup", "chat-1")
    first = ask("camera wifi setup", "chat-2")
    second = ask("how do I connect my camera to wifi", "chat-2")
    too_late = ask("camera wifi setup", "chat-3")
    other = ask("camera wifi setup", "chat-4")
    assert {log.decision for log in (followed, first, second, too_late, other)} == {"answer"}
    ticket_1 = open_ticket(session, conversation_id="chat-1")
    open_ticket(session, conversation_id="chat-2")
    late = open_ticket(session, conversation_id="chat-3")
    late.created_at = utcnow() + timedelta(minutes=45)  # after the 30-minute window
    open_ticket(session, conversation_id="somebody-else")
    session.flush()

    report = feedback.settle(session, window_minutes=30, now=utcnow() + timedelta(minutes=31))
    assert (report.settled, report.tickets, report.deflected) == (5, 2, 3)
    assert followed.outcome == SearchOutcome.TICKET_OPENED
    assert followed.ticket_reference == ticket_1.reference and not followed.deflected
    assert second.outcome == SearchOutcome.TICKET_OPENED
    assert first.outcome == SearchOutcome.ABANDONED and first.deflected
    assert too_late.outcome == SearchOutcome.ABANDONED and too_late.deflected
    assert other.outcome == SearchOutcome.ABANDONED and other.deflected
    camera = _stats(session, followed.choices[0])
    assert (camera.shown, camera.deflections, camera.tickets_after) == (5, 3, 2)


def test_the_worker_settles_follow_ups_without_anyone_running_a_command(
    session_factory: sessionmaker[Session], router: LanguageRouter
) -> None:
    """'abandoned' and deflections are recorded by the worker's round (``deskmate up`` runs the
    worker as a thread), not only by ``deskmate kb settle`` from cron."""
    with session_factory() as session:
        log = _ask(session, router)
        log.created_at -= timedelta(minutes=31)
        session.commit()
        search_id = log.id
    done = worker.run_once(session_factory, followup_minutes=30)
    assert (done.followups.settled, done.followups.abandoned, done.followups.deflected) == (1, 1, 1)
    with session_factory() as session:
        settled = session.get_one(SearchLog, search_id)
        assert settled.outcome == SearchOutcome.ABANDONED and settled.deflected
        assert worker.run_once(session_factory).followups.settled == 0  # once only


def test_did_this_help_in_the_chat_votes_on_the_conversations_latest_answer(
    client: TestClient, session_factory: sessionmaker[Session]
) -> None:
    """The assistant reports the customer's yes/no by conversation id (it never sees the
    search id): the vote lands on the article of the latest answer in that conversation."""
    for q in ("refund for cloud", "camera wifi setup"):
        found = client.get("/api/v1/kb/search", params={"q": q, "conversation_id": "chat-9"})
        assert found.json()["decision"] == "answer"
    latest = found.json()
    url = "/api/v1/kb/conversations/chat-9/feedback"
    assert client.post(url, json={"helpful": False}).status_code == 401
    agent = {"Authorization": f"Bearer {token_for(session_factory, Role.AGENT)}"}
    assert client.post(url, json={"helpful": False}, headers=agent).status_code == 403
    integration = {"Authorization": f"Bearer {token_for(session_factory, Role.INTEGRATION)}"}
    wrong = client.post(
        url, json={"helpful": False, "article_id": str(uuid.uuid4())}, headers=integration
    )
    assert wrong.status_code == 400  # not among the articles shown
    voted = client.post(url, json={"helpful": False}, headers=integration)
    assert voted.status_code == 201, voted.text
    assert voted.json() == {
        "search_id": latest["search_id"],
        "article_id": latest["choices"][0],
        "helpful": False,
    }
    again = client.post(url, json={"helpful": True}, headers=integration)
    assert again.status_code == 409 and again.json()["error"] == "already_voted"
    nobody = client.post(
        "/api/v1/kb/conversations/chat-0/feedback", json={"helpful": True}, headers=integration
    )
    assert nobody.status_code == 404 and "chat-0" in nobody.json()["detail"]
    with session_factory() as session:
        log = session.get_one(SearchLog, uuid.UUID(latest["search_id"]))
        assert log.outcome == SearchOutcome.UNHELPFUL
        assert _stats(session, latest["choices"][0]).unhelpful == 1
