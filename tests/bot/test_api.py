from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.assistant import RasaRestAssistant
from bot.models import ChatMessage, Conversation, Delivery, Sender
from knowledge.embedding import Embedder
from tests.apps import client_for, make_app


def _messages(factory: sessionmaker[Session]) -> list[ChatMessage]:
    with factory() as session:
        return list(session.scalars(select(ChatMessage).order_by(ChatMessage.created_at)))


@pytest.fixture
def rasa_calls() -> list[dict[str, object]]:
    return []


@pytest.fixture
def client(
    data_dir: Path,
    session_factory: sessionmaker[Session],
    embedder: Embedder,
    rasa_calls: list[dict[str, object]],
) -> TestClient:
    """The app with Rasa's REST channel answered at the HTTP boundary, as Rasa answers it."""

    def rasa(request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        rasa_calls.append(body)
        assert request.url.path == "/webhooks/rest/webhook"
        return httpx.Response(
            200,
            json=[
                {"recipient_id": body["sender"], "text": "Hi! How can I help?"},
                {
                    "recipient_id": body["sender"],
                    "text": "Did this help?",
                    "buttons": [
                        {"title": "Yes", "payload": "/affirm"},
                        {"title": "No", "payload": "/deny"},
                    ],
                },
            ],
        )

    assistant = RasaRestAssistant("http://rasa", transport=httpx.MockTransport(rasa))
    return client_for(
        make_app(
            data_dir=data_dir,
            session_factory=session_factory,
            embedder=embedder,
            assistant=assistant,
        )
    )


def test_a_message_is_stored_forwarded_and_answered(
    client: TestClient, session_factory: sessionmaker[Session], rasa_calls: list[dict[str, object]]
) -> None:
    response = client.post(
        "/api/v1/chat/messages", json={"conversation_id": "c-1", "text": " hello "}
    )
    assert response.status_code == 200
    body = response.json()
    assert body["conversation_id"] == "c-1"
    assert body["messages"][0] == {"text": "Hi! How can I help?", "buttons": []}
    assert body["messages"][1]["buttons"][1] == {"title": "No", "payload": "/deny"}
    assert rasa_calls == [
        {"sender": "c-1", "message": "hello", "metadata": {"channel": "web", "language": "en"}}
    ]
    stored = _messages(session_factory)
    assert [(m.sender, m.text, m.delivery) for m in stored] == [
        (Sender.CUSTOMER, "hello", Delivery.DELIVERED),
        (Sender.BOT, "Hi! How can I help?", Delivery.DELIVERED),
        (Sender.BOT, "Did this help?", Delivery.DELIVERED),
    ]
    history = client.get("/api/v1/chat/conversations/c-1/messages").json()
    assert [m["sender"] for m in history["messages"]] == ["customer", "bot", "bot"]
    assert history["messages"][2]["buttons"][0]["payload"] == "/affirm"


def test_chinese_text_marks_the_conversation_chinese(
    client: TestClient, session_factory: sessionmaker[Session], rasa_calls: list[dict[str, object]]
) -> None:
    client.post("/api/v1/chat/messages", json={"conversation_id": "c-zh", "text": "你好"})
    assert rasa_calls[0]["metadata"] == {"channel": "web", "language": "zh"}
    with session_factory() as session:
        conversation = session.scalar(
            select(Conversation).where(Conversation.external_id == "c-zh")
        )
        assert conversation is not None and conversation.language == "zh"


def test_rasa_down_gives_a_polite_message_and_keeps_the_customer_message(
    data_dir: Path, session_factory: sessionmaker[Session], embedder: Embedder
) -> None:
    client = client_for(
        make_app(data_dir=data_dir, session_factory=session_factory, embedder=embedder)
    )
    response = client.post(
        "/api/v1/chat/messages", json={"conversation_id": "c-2", "text": "help me"}
    )
    assert response.status_code == 200
    assert "unavailable" in response.json()["messages"][0]["text"]
    stored = _messages(session_factory)
    assert [(m.sender, m.delivery) for m in stored] == [
        (Sender.CUSTOMER, Delivery.FAILED),
        (Sender.SYSTEM, Delivery.DELIVERED),
    ]
    assert stored[0].text == "help me"


def test_a_huge_message_is_refused_with_413_but_stored(
    client: TestClient, session_factory: sessionmaker[Session], rasa_calls: list[dict[str, object]]
) -> None:
    text = "x" * 20_000
    response = client.post("/api/v1/chat/messages", json={"conversation_id": "c-3", "text": text})
    assert response.status_code == 413
    assert response.json()["error"] == "message_too_long"
    assert "20000 characters" in response.json()["detail"]
    assert rasa_calls == []
    stored = _messages(session_factory)
    assert len(stored) == 1 and stored[0].text == text and stored[0].delivery == Delivery.REJECTED


@pytest.mark.parametrize(
    ("body", "status", "error"),
    [
        ({"conversation_id": "c-4", "text": ""}, 422, "empty_message"),
        ({"conversation_id": "c-4", "text": "   \n "}, 422, "empty_message"),
        ({"text": "hello"}, 422, "validation_error"),
        ({"conversation_id": "", "text": "hello"}, 422, "validation_error"),
        ({"conversation_id": "has spaces and <tags>", "text": "hello"}, 422, "validation_error"),
        ({"conversation_id": "c-4", "text": 12}, 422, "validation_error"),
    ],
)
def test_bad_messages_get_clear_errors(
    client: TestClient,
    rasa_calls: list[dict[str, object]],
    body: dict[str, object],
    status: int,
    error: str,
) -> None:
    response = client.post("/api/v1/chat/messages", json=body)
    assert response.status_code == status
    assert response.json()["error"] == error
    assert response.json()["detail"]
    assert rasa_calls == []


def test_invalid_json_is_400(client: TestClient) -> None:
    response = client.post(
        "/api/v1/chat/messages",
        content=b'{"conversation_id": "c", "text": ',
        headers={"content-type": "application/json"},
    )
    assert response.status_code == 400
    assert response.json() == {
        "error": "invalid_json",
        "detail": "The request body is not valid JSON.",
    }


def test_a_body_over_a_megabyte_is_refused_before_parsing(client: TestClient) -> None:
    response = client.post(
        "/api/v1/chat/messages",
        content=b"x" * 1_000_001,
        headers={"content-type": "application/json"},
    )
    assert response.status_code == 413
    assert response.json()["error"] == "payload_too_large"


def test_rate_limit_per_conversation_keeps_the_message(
    data_dir: Path, session_factory: sessionmaker[Session], embedder: Embedder
) -> None:
    client = client_for(
        make_app(
            data_dir=data_dir,
            session_factory=session_factory,
            embedder=embedder,
            chat_rate_per_minute=2,
        )
    )
    codes = [
        client.post(
            "/api/v1/chat/messages", json={"conversation_id": "c-5", "text": f"m{i}"}
        ).status_code
        for i in range(3)
    ]
    assert codes == [200, 200, 429]
    customer = [m for m in _messages(session_factory) if m.sender == Sender.CUSTOMER]
    assert [m.text for m in customer] == ["m0", "m1", "m2"]
    assert customer[-1].delivery == Delivery.REJECTED


def test_unknown_conversation_history_is_404(client: TestClient) -> None:
    response = client.get("/api/v1/chat/conversations/nope/messages")
    assert response.status_code == 404
    assert response.json()["error"] == "not_found"
