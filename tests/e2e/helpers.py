"""What the end-to-end conversation tests share: a chat client and reply helpers."""

from __future__ import annotations

import re
import uuid
from typing import Any

import httpx

from tests.stack import LiveStack

REFERENCE = re.compile(r"DM-\d{6}")


class Chat:
    def __init__(self, stack: LiveStack) -> None:
        self.client = httpx.Client(base_url=stack.app_url, timeout=60.0)
        self.conversation_id = f"e2e-{uuid.uuid4()}"

    def say(self, text: str) -> list[dict[str, Any]]:
        response = self.client.post(
            "/api/v1/chat/messages", json={"conversation_id": self.conversation_id, "text": text}
        )
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["conversation_id"] == self.conversation_id
        messages: list[dict[str, Any]] = body["messages"]
        assert messages, f"no reply to {text!r}"
        return messages


def texts(messages: list[dict[str, Any]]) -> str:
    return "\n".join(m["text"] for m in messages)


def buttons(messages: list[dict[str, Any]]) -> list[tuple[str, str]]:
    return [(b["title"], b["payload"]) for m in messages for b in m.get("buttons", [])]
