from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from deskmate.auth.models import Role
from knowledge.embedding import Embedder
from tests.apps import client_for, make_app, token_for

TICKET = {"description": "Camera offline since Tuesday", "email": "ana@example.org"}


@pytest.fixture
def client(
    data_dir: Path, session_factory: sessionmaker[Session], embedder: Embedder
) -> TestClient:
    return client_for(
        make_app(data_dir=data_dir, session_factory=session_factory, embedder=embedder)
    )


def _auth(session_factory: sessionmaker[Session], role: Role) -> dict[str, str]:
    return {"Authorization": f"Bearer {token_for(session_factory, role)}"}


def test_a_change_through_the_api_is_logged_with_its_actor_and_request(
    client: TestClient, session_factory: sessionmaker[Session]
) -> None:
    agent = _auth(session_factory, Role.AGENT)
    admin = _auth(session_factory, Role.ADMIN)
    # Only this test's entries: tests that really commit leave theirs (the log is append-only).
    since = f"since={datetime.now(UTC).strftime('%Y-%m-%dT%H:%M:%S.%fZ')}"
    created = client.post("/api/v1/tickets", json=TICKET, headers=agent | {"X-Request-ID": "r-42"})
    assert created.status_code == 201 and created.headers["X-Request-ID"] == "r-42"

    page = client.get(f"/api/v1/audit?entity_type=tickets&{since}", headers=admin).json()
    assert page["total"] == 1  # routing found no team (none seeded): no update to record
    (entry,) = page["items"]
    assert entry["action"] == "insert" and entry["entity_id"] == entry["after"]["id"]
    assert (entry["actor"], entry["actor_role"]) == ("token:test-agent", "agent")
    assert entry["request_id"] == "r-42"
    assert entry["after"]["contact_email"] == "[personal data]"
    assert entry["after"]["description"] == "[personal data]"
    assert "ana@example.org" not in str(page) and "Camera" not in str(page)

    events = client.get(f"/api/v1/audit?entity_type=ticket_events&{since}", headers=admin).json()
    assert events["total"] == 2
    assert {e["request_id"] for e in events["items"]} == {"r-42"}
    by_actor = client.get(f"/api/v1/audit?actor=token:test-agent&per_page=1&{since}", headers=admin)
    # the ticket, its two events, and the customer found or created from the contact email
    assert by_actor.json()["total"] == 4 and len(by_actor.json()["items"]) == 1
    mine = f"/api/v1/audit?actor=token:test-agent&{since}"
    newest = client.get(mine, headers=admin).json()["items"]
    oldest = client.get(mine + "&sort=created_at", headers=admin).json()["items"]
    assert [e["id"] for e in oldest] == [e["id"] for e in reversed(newest)]
    assert [e["id"] for e in newest] == sorted((e["id"] for e in newest), reverse=True)
    one = client.get(f"/api/v1/audit?entity_id={entry['entity_id']}", headers=admin).json()
    assert [e["id"] for e in one["items"]] == [entry["id"]]
    later = client.get("/api/v1/audit?since=2999-01-01T00:00:00Z", headers=admin).json()
    assert later["total"] == 0
    earlier = client.get("/api/v1/audit?until=2000-01-01T00:00:00Z", headers=admin).json()
    assert earlier["total"] == 0


def test_bad_filters_get_clear_errors(
    client: TestClient, session_factory: sessionmaker[Session]
) -> None:
    admin = _auth(session_factory, Role.ADMIN)
    naive = client.get("/api/v1/audit?since=2026-01-01T00:00:00", headers=admin)
    assert naive.status_code == 400 and naive.json()["error"] == "bad_request"
    garbage = client.get("/api/v1/audit?since=yesterday", headers=admin)
    assert garbage.status_code == 422 and garbage.json()["error"] == "validation_error"
    assert client.get("/api/v1/audit?per_page=101", headers=admin).status_code == 422
    assert client.get("/api/v1/audit?sort=actor", headers=admin).status_code == 422


def test_only_admins_read_and_nobody_writes(
    client: TestClient, session_factory: sessionmaker[Session]
) -> None:
    supervisor = _auth(session_factory, Role.SUPERVISOR)
    admin = _auth(session_factory, Role.ADMIN)
    assert client.get("/api/v1/audit", headers=supervisor).status_code == 403
    assert client.get("/api/v1/audit").status_code == 401
    for method in ("POST", "PUT", "PATCH", "DELETE"):
        answer = client.request(method, "/api/v1/audit", json={}, headers=admin)
        assert answer.status_code == 405, method
        assert client.request(method, "/api/v1/audit/1", headers=admin).status_code == 404
