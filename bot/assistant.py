"""The assistant (Rasa) as the gateway sees it: a protocol, and the REST-channel implementation."""

from __future__ import annotations

from typing import Any, Protocol
from urllib.parse import quote

import httpx

from bot.schemas import Button, OutgoingMessage


class AssistantUnavailable(Exception):
    """The assistant could not be reached or answered with an error."""


class Assistant(Protocol):
    def send(
        self, *, sender_id: str, text: str, metadata: dict[str, Any]
    ) -> list[OutgoingMessage]: ...

    def resume(self, *, sender_id: str) -> list[OutgoingMessage]:
        """Tells the assistant a person handed the conversation back; returns what it says."""
        ...

    def trigger(
        self, *, sender_id: str, intent: str, entities: dict[str, str]
    ) -> list[OutgoingMessage]:
        """Starts something in the conversation without a customer message (an external
        event, e.g. a resolved ticket); returns what the assistant says."""
        ...

    def is_ready(self) -> bool: ...


class RasaRestAssistant:
    """Talks to a Rasa server through its REST channel (``/webhooks/rest/webhook``)."""

    def __init__(
        self, base_url: str, *, timeout: float = 10.0, transport: httpx.BaseTransport | None = None
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self._client = httpx.Client(
            timeout=httpx.Timeout(timeout, connect=2.0), transport=transport
        )

    def send(self, *, sender_id: str, text: str, metadata: dict[str, Any]) -> list[OutgoingMessage]:
        try:
            response = self._client.post(
                f"{self.base_url}/webhooks/rest/webhook",
                json={"sender": sender_id, "message": text, "metadata": metadata},
            )
            response.raise_for_status()
            items = response.json()
        except (httpx.HTTPError, ValueError) as exc:
            raise AssistantUnavailable(str(exc) or exc.__class__.__name__) from exc
        if not isinstance(items, list):
            raise AssistantUnavailable("unexpected reply from the assistant")
        return [message for item in items if (message := _to_message(item)) is not None]

    def resume(self, *, sender_id: str) -> list[OutgoingMessage]:
        """Runs `action_handback` in the conversation through the tracker API (--enable-api)."""
        return self._tracker_api(sender_id, "execute", {"name": "action_handback"})

    def trigger(
        self, *, sender_id: str, intent: str, entities: dict[str, str]
    ) -> list[OutgoingMessage]:
        """Rasa's `trigger_intent` through the tracker API (--enable-api)."""
        return self._tracker_api(
            sender_id, "trigger_intent", {"name": intent, "entities": entities}
        )

    def _tracker_api(
        self, sender_id: str, endpoint: str, body: dict[str, Any]
    ) -> list[OutgoingMessage]:
        try:
            response = self._client.post(
                f"{self.base_url}/conversations/{quote(sender_id, safe='')}/{endpoint}",
                json=body,
            )
            response.raise_for_status()
            payload = response.json()
        except (httpx.HTTPError, ValueError) as exc:
            raise AssistantUnavailable(str(exc) or exc.__class__.__name__) from exc
        items = payload.get("messages") if isinstance(payload, dict) else None
        return [message for item in items or [] if (message := _to_message(item)) is not None]

    def is_ready(self) -> bool:
        try:
            status = self._client.get(f"{self.base_url}/status", timeout=2.0)
            return status.status_code == 200 and bool(status.json().get("model_file"))
        except (httpx.HTTPError, ValueError):
            return False

    def close(self) -> None:
        self._client.close()


def _to_message(item: Any) -> OutgoingMessage | None:
    if not isinstance(item, dict):
        return None
    text = str(item.get("text") or "")
    if item.get("image"):
        text = f"{text}\n{item['image']}".strip()
    buttons = [
        Button(title=str(b.get("title", "")), payload=str(b.get("payload", "")))
        for b in item.get("buttons") or []
        if isinstance(b, dict)
    ]
    if not text and not buttons:
        return None
    return OutgoingMessage(text=text, buttons=buttons)
