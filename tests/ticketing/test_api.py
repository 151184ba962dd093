from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from deskmate.auth.models import Role
from knowledge.embedding import Embedder
from tests.apps import client_for, make_app, token_for

TICKET = {
    "description": "The doorbell stopped ringing",
    "product": "Lumora Doorbell",
    "email": "Kim@Example.com",
    "channel": "web",
    "conversation_id": "c-1",
    "language": "en",
}


@pytest.fixture
def client(
    data_dir: Path, session_factory: sessionmaker[Session], embedder: Embedder
) -> TestClient:
    return client_for(
        make_app(data_dir=data_dir, session_factory=session_factory, embedder=embedder)
    )


@pytest.fixture
def auth(session_factory: sessionmaker[Session]) -> dict[str, str]:
    return {"Authorization": f"Bearer {token_for(session_factory, Role.INTEGRATION)}"}


def test_create_read_and_list(client: TestClient, auth: dict[str, str]) -> None:
    created = client.post("/api/v1/tickets", json=TICKET, headers=auth)
    assert created.status_code == 201
    ticket = created.json()
    assert ticket["reference"].startswith("DM-") and ticket["status"] == "new"
    assert ticket["email"] == "kim@example.com"

    read = client.get(f"/api/v1/tickets/{ticket['reference']}", headers=auth)
    assert read.status_code == 200
    assert read.json()["description"] == TICKET["description"]
    assert [e["kind"] for e in read.json()["events"]] == ["created", "routed"]

    for i in range(4):
        client.post("/api/v1/tickets", json=TICKET | {"description": f"issue {i}"}, headers=auth)
    page = client.get("/api/v1/tickets?per_page=2&page=2", headers=auth).json()
    assert page["total"] == 5 and page["page"] == 2 and len(page["items"]) == 2
    newest_first = client.get("/api/v1/tickets?per_page=5", headers=auth).json()["items"]
    assert next(t["description"] for t in newest_first) == "issue 3"
    assert client.get("/api/v1/tickets?status=resolved", headers=auth).json()["total"] == 0
    assert client.get("/api/v1/tickets?per_page=500", headers=auth).status_code == 422
    assert client.get("/api/v1/tickets?status=bogus", headers=auth).status_code == 422


def test_idempotency_key_never_opens_a_second_ticket(
    client: TestClient, auth: dict[str, str]
) -> None:
    headers = auth | {"Idempotency-Key": "conv-1:form-1"}
    first = client.post("/api/v1/tickets", json=TICKET, headers=headers)
    second = client.post("/api/v1/tickets", json=TICKET, headers=headers)
    assert (first.status_code, second.status_code) == (201, 200)
    assert first.json()["reference"] == second.json()["reference"]
    assert client.get("/api/v1/tickets", headers=auth).json()["total"] == 1
    different = client.post(
        "/api/v1/tickets", json=TICKET | {"description": "other"}, headers=headers
    )
    assert different.status_code == 409 and different.json()["error"] == "conflict"


def test_tokens_are_required_and_checked(
    client: TestClient, session_factory: sessionmaker[Session]
) -> None:
    missing = client.get("/api/v1/tickets")
    assert missing.status_code == 401 and missing.json()["error"] == "not_authenticated"
    wrong = client.get("/api/v1/tickets", headers={"Authorization": "Bearer dm_nope"})
    assert wrong.status_code == 401
    basic = client.get("/api/v1/tickets", headers={"Authorization": "Basic abc"})
    assert basic.status_code == 401
    km = {"Authorization": f"Bearer {token_for(session_factory, Role.KNOWLEDGE_MANAGER)}"}
    refused = client.post("/api/v1/tickets", json=TICKET, headers=km)
    assert refused.status_code == 403 and refused.json()["error"] == "not_permitted"


@pytest.mark.parametrize(
    "change",
    [
        {"email": "not-an-email"},
        {"description": ""},
        {"description": "x" * 10_001},
        {"type": "praise"},
        {"language": "fr"},
        {"unknown_field": 1},
    ],
)
def test_invalid_tickets_are_422(
    client: TestClient, auth: dict[str, str], change: dict[str, object]
) -> None:
    response = client.post("/api/v1/tickets", json=TICKET | change, headers=auth)
    assert response.status_code == 422
    assert response.json()["error"] == "validation_error"


def test_unknown_reference_is_404(client: TestClient, auth: dict[str, str]) -> None:
    response = client.get("/api/v1/tickets/DM-424242", headers=auth)
    assert response.status_code == 404
    assert response.json() == {
        "error": "not_found",
        "detail": "No ticket with reference 'DM-424242'.",
    }
