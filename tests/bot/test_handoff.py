"""Handoff: the assistant hands over, the gateway stops forwarding, a person replies and hands
back, and the assistant is told (Rasa is answered at its HTTP boundary)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from bot.assistant import RasaRestAssistant
from deskmate.auth.models import Role
from knowledge.embedding import Embedder
from tests.apps import client_for, make_app, token_for

CONVERSATION = "web-conv-7"


@pytest.fixture
def rasa_calls() -> list[tuple[str, dict[str, Any]]]:
    return []


@pytest.fixture
def client(
    data_dir: Path,
    session_factory: sessionmaker[Session],
    embedder: Embedder,
    rasa_calls: list[tuple[str, dict[str, Any]]],
) -> TestClient:
    def rasa(request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        rasa_calls.append((request.url.path, body))
        if request.url.path.endswith("/execute"):
            return httpx.Response(
                200,
                json={
                    "tracker": {},
                    "messages": [{"recipient_id": "x", "text": "The assistant is back."}],
                },
            )
        return httpx.Response(200, json=[{"recipient_id": body["sender"], "text": "Bot reply"}])

    assistant = RasaRestAssistant("http://rasa", transport=httpx.MockTransport(rasa))
    return client_for(
        make_app(
            data_dir=data_dir,
            session_factory=session_factory,
            embedder=embedder,
            assistant=assistant,
        )
    )


def headers(factory: sessionmaker[Session], role: Role) -> dict[str, str]:
    return {"Authorization": f"Bearer {token_for(factory, role)}"}


def say(client: TestClient, text: str) -> list[dict[str, Any]]:
    response = client.post(
        "/api/v1/chat/messages", json={"conversation_id": CONVERSATION, "text": text}
    )
    assert response.status_code == 200, response.text
    messages: list[dict[str, Any]] = response.json()["messages"]
    return messages


HANDOFF_BODY = {
    "reason": "request",
    "ticket_reference": "DM-000321",
    "language": "en",
    "transcript": [{"who": "customer", "text": "wifi wont connect"}],
    "articles": [{"article_id": "a1", "title": "Wi-Fi", "score": 0.71}],
    "intents": ["ask_question", "talk_to_human"],
}


def test_full_handoff_round_trip(
    client: TestClient,
    session_factory: sessionmaker[Session],
    rasa_calls: list[tuple[str, dict[str, Any]]],
) -> None:
    assert say(client, "I want a human") == [{"text": "Bot reply", "buttons": []}]
    integration = headers(session_factory, Role.INTEGRATION)
    agent = headers(session_factory, Role.AGENT)

    created = client.post(
        f"/api/v1/conversations/{CONVERSATION}/handoff", json=HANDOFF_BODY, headers=integration
    )
    assert created.status_code == 201, created.text
    assert created.json()["state"] == "waiting"
    again = client.post(
        f"/api/v1/conversations/{CONVERSATION}/handoff", json=HANDOFF_BODY, headers=integration
    )
    assert again.json()["created_at"] == created.json()["created_at"]  # one open handoff

    waiting = client.get("/api/v1/conversations", headers=agent).json()["items"]
    assert [(h["conversation_id"], h["state"]) for h in waiting] == [(CONVERSATION, "waiting")]
    detail = client.get(f"/api/v1/conversations/{CONVERSATION}", headers=agent).json()
    assert detail["articles"] == HANDOFF_BODY["articles"]
    assert detail["intents"] == ["ask_question", "talk_to_human"]
    assert detail["ticket_reference"] == "DM-000321"

    # While handed off the customer's message is stored but not forwarded; no bot reply.
    calls_before = len(rasa_calls)
    assert say(client, "hello? anyone?") == []
    assert len(rasa_calls) == calls_before

    taken = client.post(f"/api/v1/conversations/{CONVERSATION}/take", headers=agent)
    assert taken.json()["state"] == "active"
    posted = client.post(
        f"/api/v1/conversations/{CONVERSATION}/messages",
        json={"text": "Hi, I'm Sam from support."},
        headers=agent,
    )
    assert posted.status_code == 201
    since = posted.json()["created_at"]

    history = client.get(f"/api/v1/chat/conversations/{CONVERSATION}/messages").json()
    assert [(m["sender"], m["text"]) for m in history["messages"]][-2:] == [
        ("customer", "hello? anyone?"),
        ("agent", "Hi, I'm Sam from support."),
    ]

    back = client.post(f"/api/v1/conversations/{CONVERSATION}/handback", headers=agent)
    assert back.status_code == 200
    assert back.json()["state"] == "ended"
    assert back.json()["messages"] == [{"text": "The assistant is back.", "buttons": []}]
    assert rasa_calls[-1] == (f"/conversations/{CONVERSATION}/execute", {"name": "action_handback"})

    newer = client.get(
        f"/api/v1/chat/conversations/{CONVERSATION}/messages", params={"after": since}
    ).json()
    assert [(m["sender"], m["text"]) for m in newer["messages"]] == [
        ("bot", "The assistant is back.")
    ]
    # Back with the assistant: messages are forwarded again.
    assert say(client, "thanks") == [{"text": "Bot reply", "buttons": []}]
    assert client.get("/api/v1/conversations", headers=agent).json()["items"] == []


def test_permissions_and_errors(client: TestClient, session_factory: sessionmaker[Session]) -> None:
    say(client, "hi")
    knowledge_manager = headers(session_factory, Role.KNOWLEDGE_MANAGER)
    agent = headers(session_factory, Role.AGENT)

    assert client.get("/api/v1/conversations").status_code == 401
    assert client.get("/api/v1/conversations", headers=knowledge_manager).status_code == 403
    refused = client.post(
        f"/api/v1/conversations/{CONVERSATION}/handoff",
        json=HANDOFF_BODY,
        headers=knowledge_manager,
    )
    assert refused.status_code == 403

    not_handed_off = client.post(f"/api/v1/conversations/{CONVERSATION}/take", headers=agent)
    assert not_handed_off.status_code == 404
    assert not_handed_off.json()["error"] == "not_found"

    unknown = client.post("/api/v1/conversations/nobody/handoff", json=HANDOFF_BODY, headers=agent)
    assert unknown.status_code == 404

    bad = client.post(
        f"/api/v1/conversations/{CONVERSATION}/handoff",
        json={**HANDOFF_BODY, "reason": "bored"},
        headers=agent,
    )
    assert bad.status_code == 422


def test_a_second_agent_cannot_take_an_active_conversation(
    client: TestClient, session_factory: sessionmaker[Session]
) -> None:
    say(client, "hi")
    client.post(
        f"/api/v1/conversations/{CONVERSATION}/handoff",
        json=HANDOFF_BODY,
        headers=headers(session_factory, Role.INTEGRATION),
    )
    first = headers(session_factory, Role.AGENT)
    second = headers(session_factory, Role.SUPERVISOR)
    assert client.post(f"/api/v1/conversations/{CONVERSATION}/take", headers=first).is_success
    conflict = client.post(f"/api/v1/conversations/{CONVERSATION}/take", headers=second)
    assert conflict.status_code == 409
    blocked = client.post(
        f"/api/v1/conversations/{CONVERSATION}/messages", json={"text": "me too"}, headers=second
    )
    assert blocked.status_code == 409


def test_the_handoff_list_pages_filters_and_sorts(
    client: TestClient, session_factory: sessionmaker[Session]
) -> None:
    integration = headers(session_factory, Role.INTEGRATION)
    agent = headers(session_factory, Role.AGENT)
    conversations = [f"web-list-{n}" for n in range(3)]
    for n, conversation in enumerate(conversations):
        client.post("/api/v1/chat/messages", json={"conversation_id": conversation, "text": "hi"})
        body = HANDOFF_BODY | {"reason": "complaint" if n == 2 else "request"}
        created = client.post(
            f"/api/v1/conversations/{conversation}/handoff", json=body, headers=integration
        )
        assert created.status_code == 201, created.text
    assert client.post(f"/api/v1/conversations/{conversations[1]}/take", headers=agent).is_success

    def listed(query: str) -> dict[str, Any]:
        response = client.get(f"/api/v1/conversations?{query}", headers=agent)
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    first = listed("per_page=2")
    assert (first["total"], first["page"], first["per_page"]) == (3, 1, 2)
    second = listed("per_page=2&page=2")
    ids = [h["conversation_id"] for h in first["items"] + second["items"]]
    assert ids == conversations  # oldest first, no overlap between pages
    newest = [h["conversation_id"] for h in listed("sort=-created_at")["items"]]
    assert newest == conversations[::-1]
    assert [h["conversation_id"] for h in listed("state=active")["items"]] == [conversations[1]]
    unclaimed = [h["conversation_id"] for h in listed("agent=none")["items"]]
    assert unclaimed == [conversations[0], conversations[2]]
    assert [h["conversation_id"] for h in listed("reason=complaint")["items"]] == [conversations[2]]
    for bad in ("per_page=101", "page=0", "sort=reason", "state=lost"):
        assert client.get(f"/api/v1/conversations?{bad}", headers=agent).status_code == 422, bad
