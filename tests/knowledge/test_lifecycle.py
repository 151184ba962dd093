"""The article lifecycle through the API, as authors, reviewers and knowledge managers use it."""

from __future__ import annotations

import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from deskmate import migrate
from deskmate.auth.models import Role
from deskmate.auth.service import create_token
from deskmate.db import make_engine, make_session_factory
from knowledge import tasks
from knowledge.embedding import Embedder
from tests.apps import client_for, make_app

WIFI = {
    "title": "Connect the doorbell to Wi-Fi",
    "body": "The doorbell needs a 2.4 GHz network.\n\n## Steps\n\n1. Hold the button.\n2. Pick "
    "the network in the app.",
    "category": "connectivity",
    "product": "Lumora Bell",
    "tags": ["wifi", "doorbell"],
    "language": "en",
}


class Team:
    """API clients for an author, a second author (the reviewer) and a knowledge manager."""

    def __init__(self, client: TestClient, session_factory: sessionmaker[Session]) -> None:
        self.client = client
        with session_factory() as session:
            self.tokens = {
                "ann": create_token(session, role=Role.AGENT, name="ann"),
                "eve": create_token(session, role=Role.EXPERT, name="eve"),
                "kim": create_token(session, role=Role.KNOWLEDGE_MANAGER, name="kim"),
                "sue": create_token(session, role=Role.SUPERVISOR, name="sue"),
            }
            session.commit()

    def call(self, who: str, method: str, path: str, **kwargs: Any) -> Any:
        headers = {"Authorization": f"Bearer {self.tokens[who]}"}
        return self.client.request(method, path, headers=headers, **kwargs)

    def ok(self, who: str, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        response = self.call(who, method, path, **kwargs)
        assert response.status_code in (200, 201), response.text
        return dict(response.json())

    def create(self, **overrides: Any) -> dict[str, Any]:
        return self.ok("ann", "POST", "/api/v1/kb/articles", json={**WIFI, **overrides})

    def published(self, **overrides: Any) -> dict[str, Any]:
        article = self.create(**overrides)
        path = f"/api/v1/kb/articles/{article['id']}"
        self.ok("ann", "POST", f"{path}/submit")
        self.ok("eve", "POST", f"{path}/approve")
        return self.ok("kim", "POST", f"{path}/publish")

    def search_titles(self, q: str) -> list[str]:
        body = self.client.get("/api/v1/kb/search", params={"q": q, "k": 5}).json()
        return [hit["title"] for hit in body["results"]]


@pytest.fixture
def team(data_dir: Path, session_factory: sessionmaker[Session], embedder: Embedder) -> Team:
    app = make_app(
        data_dir=data_dir,
        session_factory=session_factory,
        embedder=embedder,
        kb_schedule_interval=0,
    )
    return Team(client_for(app), session_factory)


def _error(response: Any, status: int, code: str) -> str:
    assert response.status_code == status, response.text
    assert response.json()["error"] == code
    return str(response.json()["detail"])


def test_draft_review_publish_archive_and_who_may_do_what(team: Team) -> None:
    article = team.create()
    path = f"/api/v1/kb/articles/{article['id']}"
    assert (article["status"], article["version"], article["author"]) == ("draft", 1, "token:ann")
    assert article["owner"] == "token:ann"
    assert team.search_titles("doorbell wifi") == []  # drafts are not served

    detail = _error(team.call("kim", "POST", f"{path}/publish"), 409, "invalid_transition")
    assert "draft" in detail and "in_review" in detail
    team.ok("ann", "POST", f"{path}/submit")
    detail = _error(team.call("ann", "POST", f"{path}/approve"), 403, "self_review")
    assert "reviewer other than the author" in detail
    _error(team.call("sue", "POST", f"{path}/approve"), 403, "not_permitted")
    detail = _error(team.call("kim", "POST", f"{path}/publish"), 409, "invalid_transition")
    assert "not been approved" in detail

    approved = team.ok("eve", "POST", f"{path}/approve", json={"comment": "Clear steps."})
    assert approved["approved"] is True and approved["approved_by"] == "token:eve"
    _error(team.call("eve", "POST", f"{path}/publish"), 403, "not_permitted")  # experts don't
    published = team.ok("kim", "POST", f"{path}/publish")
    assert published["status"] == "published" and published["published_at"]
    assert team.search_titles("doorbell wifi") == [WIFI["title"]]
    assert team.client.get(f"/kb/articles/{article['id']}").status_code == 200

    _error(team.call("ann", "POST", f"{path}/archive"), 403, "not_permitted")
    team.ok("kim", "POST", f"{path}/archive")
    assert team.search_titles("doorbell wifi") == []  # gone from answers at once
    assert team.client.get(f"/kb/articles/{article['id']}").status_code == 404
    _error(team.call("kim", "POST", f"{path}/archive"), 409, "invalid_transition")

    revived = team.ok("ann", "POST", f"{path}/reopen", json={"comment": "Needed again"})
    assert revived["status"] == "draft" and revived["approved"] is False
    events = team.call("ann", "GET", f"{path}/events").json()["items"]
    assert [e["kind"] for e in events] == [
        "created",
        "submitted",
        "approved",
        "published",
        "archived",
        "reopened",
    ]
    assert events[2]["comment"] == "Clear steps." and events[3]["actor"] == "token:kim"


def test_reject_sends_it_back_with_the_reason_and_edits_make_new_versions(team: Team) -> None:
    article = team.create()
    path = f"/api/v1/kb/articles/{article['id']}"
    team.ok("ann", "POST", f"{path}/submit")
    _error(team.call("eve", "POST", f"{path}/reject", json={}), 422, "validation_error")
    rejected = team.ok("eve", "POST", f"{path}/reject", json={"comment": "Add the reset step."})
    assert rejected["status"] == "draft"

    edited = team.ok(
        "ann", "PATCH", path, json={"version": 1, "body": WIFI["body"] + "\n3. Reset it."}
    )
    assert edited["version"] == 2
    same = team.ok("ann", "PATCH", path, json={"version": 2, "title": WIFI["title"]})
    assert same["version"] == 2  # nothing changed, no new version
    detail = _error(
        team.call("eve", "PATCH", path, json={"version": 1, "title": "Stale edit"}),
        409,
        "stale_version",
    )
    assert "version 1" in detail and "version 2" in detail
    _error(
        team.call("ann", "PATCH", path, json={"version": 2, "language": "fr"}),
        422,
        "validation_error",
    )

    team.ok("ann", "POST", f"{path}/submit")
    _error(
        team.call("ann", "PATCH", path, json={"version": 2, "title": "X"}),
        409,
        "invalid_transition",
    )
    # Eve edits nothing, so she may review; after Eve's own edit she could not.
    team.ok("eve", "POST", f"{path}/approve")
    versions = team.call("ann", "GET", f"{path}/versions").json()["items"]
    assert [v["version"] for v in versions] == [2, 1]


def test_diff_and_rollback_serve_an_earlier_version_again(team: Team) -> None:
    article = team.published()
    path = f"/api/v1/kb/articles/{article['id']}"
    team.ok("kim", "POST", f"{path}/reopen")
    team.ok(
        "ann",
        "PATCH",
        path,
        json={"version": 1, "title": "Doorbell Wi-Fi (new firmware)", "tags": ["wifi"]},
    )
    team.ok("ann", "POST", f"{path}/submit")
    team.ok("kim", "POST", f"{path}/approve")
    team.ok("kim", "POST", f"{path}/publish")

    diff = team.ok("ann", "GET", f"{path}/diff", params={"from": 1, "to": 2})["diff"]
    assert "-title: Connect the doorbell to Wi-Fi" in diff
    assert "+title: Doorbell Wi-Fi (new firmware)" in diff
    assert '-tags: ["doorbell", "wifi"]' in diff and '+tags: ["wifi"]' in diff
    _error(team.call("ann", "GET", f"{path}/diff", params={"from": 1, "to": 9}), 404, "not_found")

    _error(team.call("ann", "POST", f"{path}/rollback", json={"version": 1}), 403, "not_permitted")
    _error(team.call("kim", "POST", f"{path}/rollback", json={"version": 2}), 400, "bad_request")
    rolled = team.ok("kim", "POST", f"{path}/rollback", json={"version": 1})
    assert (rolled["version"], rolled["status"], rolled["title"]) == (3, "published", WIFI["title"])
    assert team.search_titles("doorbell wifi") == [WIFI["title"]]
    assert team.ok("kim", "GET", f"{path}/diff", params={"from": 1, "to": 3})["diff"] == ""


def test_agents_cannot_take_a_published_article_down(team: Team) -> None:
    article = team.published()
    path = f"/api/v1/kb/articles/{article['id']}"
    detail = _error(team.call("ann", "POST", f"{path}/reopen"), 403, "not_permitted")
    assert "knowledge manager" in detail
    _error(team.call("kim", "POST", f"{path}/submit"), 409, "invalid_transition")
    _error(team.call("kim", "POST", f"{path}/rollback", json={"version": 1}), 400, "bad_request")


def test_scheduled_publishing_happens_when_due(
    team: Team, session_factory: sessionmaker[Session]
) -> None:
    article = team.create()
    path = f"/api/v1/kb/articles/{article['id']}"
    team.ok("ann", "POST", f"{path}/submit")
    soon = (datetime.now(UTC) + timedelta(milliseconds=800)).isoformat()
    _error(
        team.call("kim", "POST", f"{path}/schedule", json={"publish_at": soon}),
        409,
        "invalid_transition",
    )
    team.ok("eve", "POST", f"{path}/approve")
    past = (datetime.now(UTC) - timedelta(minutes=1)).isoformat()
    _error(
        team.call("kim", "POST", f"{path}/schedule", json={"publish_at": past}), 400, "bad_request"
    )
    naive = datetime.now().replace(microsecond=0).isoformat()
    _error(
        team.call("kim", "POST", f"{path}/schedule", json={"publish_at": naive}),
        422,
        "validation_error",
    )

    scheduled = team.ok("kim", "POST", f"{path}/schedule", json={"publish_at": soon})
    assert scheduled["status"] == "in_review" and scheduled["publish_at"]
    router = team.client.app.state.retriever  # type: ignore[attr-defined]
    assert tasks.publish_due(session_factory, router=router) == []  # not yet

    time.sleep(1.0)
    assert [str(i) for i in tasks.publish_due(session_factory, router=router)] == [article["id"]]
    now = team.ok("ann", "GET", path)
    assert now["status"] == "published" and now["publish_at"] is None
    assert team.search_titles("doorbell wifi") == [WIFI["title"]]
    assert tasks.publish_due(session_factory, router=router) == []


def test_list_searches_filters_sorts_pages_and_flags_stale(team: Team) -> None:
    yesterday = (date.today() - timedelta(days=1)).isoformat()
    team.create(title="Old router guide", review_by=yesterday, category="network")
    team.create(title="Reset the hub", language="en", category="devices")
    team.create(title="重置网关", language="zh", category="devices", review_by="2099-01-01")
    team.published(title="Doorbell battery life", category="devices")

    def titles(**params: Any) -> list[str]:
        body = team.ok("sue", "GET", "/api/v1/kb/articles", params={"sort": "title", **params})
        return [a["title"] for a in body["items"]]

    assert titles(stale=True) == ["Old router guide"]
    stale = team.ok("sue", "GET", "/api/v1/kb/articles", params={"stale": True})["items"][0]
    assert stale["stale"] is True
    assert titles(language="zh") == ["重置网关"]
    assert titles(category="devices", status="draft") == ["Reset the hub", "重置网关"]
    assert titles(status="published") == ["Doorbell battery life"]
    assert titles(q="ROUTER") == ["Old router guide"]
    assert titles(q="100%") == []
    page = team.ok("sue", "GET", "/api/v1/kb/articles", params={"per_page": 2, "page": 2})
    assert page["total"] == 4 and len(page["items"]) == 2
    _error(
        team.call("sue", "GET", "/api/v1/kb/articles", params={"sort": "x"}),
        422,
        "validation_error",
    )
    _error(team.call("sue", "POST", "/api/v1/kb/articles", json=WIFI), 403, "not_permitted")
    assert team.client.get("/api/v1/kb/articles").status_code == 401
    categories = team.call("sue", "GET", "/api/v1/kb/categories").json()
    assert categories == ["devices", "network"]


def test_bad_input_is_refused_clearly(team: Team) -> None:
    _error(
        team.call("ann", "POST", "/api/v1/kb/articles", json={**WIFI, "title": ""}),
        422,
        "validation_error",
    )
    _error(
        team.call("ann", "POST", "/api/v1/kb/articles", json={**WIFI, "status": "published"}),
        422,
        "validation_error",
    )
    team.create(external_id="kb-1")
    _error(
        team.call("ann", "POST", "/api/v1/kb/articles", json={**WIFI, "external_id": "kb-1"}),
        409,
        "conflict",
    )
    missing = "/api/v1/kb/articles/00000000-0000-0000-0000-000000000000"
    _error(team.call("ann", "GET", missing), 404, "not_found")
    _error(team.call("ann", "POST", missing + "/submit"), 404, "not_found")
    preview = team.ok("ann", "POST", "/api/v1/kb/preview", json={"body": "**hi** <b>x</b>"})
    assert preview["html"] == "<p><strong>hi</strong> &lt;b&gt;x&lt;/b&gt;</p>\n"


def test_the_app_publishes_scheduled_articles_by_itself(
    data_dir: Path, tmp_path: Path, embedder: Embedder
) -> None:
    # Its own database: the scheduler's thread and the requests use connections at the same
    # time, which the shared one-transaction test connection cannot do.
    url = f"sqlite:///{tmp_path / 'scheduler.db'}"
    migrate.upgrade(url)
    engine = make_engine(url)
    session_factory = make_session_factory(engine)
    app = make_app(
        data_dir=data_dir,
        session_factory=session_factory,
        embedder=embedder,
        kb_schedule_interval=0.2,
    )
    with client_for(app) as client:  # runs the lifespan, and with it the scheduler
        team = Team(client, session_factory)
        article = team.create()
        path = f"/api/v1/kb/articles/{article['id']}"
        team.ok("ann", "POST", f"{path}/submit")
        team.ok("eve", "POST", f"{path}/approve")
        when = (datetime.now(UTC) + timedelta(seconds=0.5)).isoformat()
        team.ok("kim", "POST", f"{path}/schedule", json={"publish_at": when})
        deadline = time.monotonic() + 10
        while team.ok("ann", "GET", path)["status"] != "published":
            assert time.monotonic() < deadline, "the scheduled article was not published"
            time.sleep(0.1)
        assert team.search_titles("doorbell wifi") == [WIFI["title"]]
    engine.dispose()
