"""Factories for the action tests: trackers, the domain, a fake app API (httpx.MockTransport).

Only HTTP is faked; the actions, the client and its models are the real ones.
"""

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import yaml
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.client import DeskmateClient

REPO_ROOT = Path(__file__).resolve().parents[2]
API_URL = "http://deskmate.test"
API_TOKEN = "test-token"
SENDER_ID = "conv-42"
FORM_ACTIVATED_AT = 1_790_000_000.25


def load_domain() -> dict[str, Any]:
    """The domain as Rasa merges the files of domain/: lists concatenated, mappings merged."""
    domain: dict[str, Any] = {}
    for path in sorted((REPO_ROOT / "domain").glob("*.yml")):
        part = yaml.safe_load(path.read_text(encoding="utf-8"))
        for key, value in part.items():
            if isinstance(value, list):
                domain.setdefault(key, []).extend(value)
            elif isinstance(value, dict):
                domain.setdefault(key, {}).update(value)
            else:
                domain[key] = value
    return domain


def action_event(name: str, timestamp: float = 1_790_000_000.0) -> dict[str, Any]:
    return {"event": "action", "name": name, "timestamp": timestamp}


def slot_event(name: str, value: Any) -> dict[str, Any]:
    return {"event": "slot", "name": name, "value": value, "timestamp": 1_790_000_000.0}


def form_activated_event(
    timestamp: float = FORM_ACTIVATED_AT, form: str = "ticket_form"
) -> dict[str, Any]:
    return {"event": "active_loop", "name": form, "timestamp": timestamp}


def user_event(message: dict[str, Any]) -> dict[str, Any]:
    return {
        "event": "user",
        "text": message["text"],
        "parse_data": message,
        "timestamp": 1_790_000_001.0,
    }


def make_tracker(
    *,
    text: str = "",
    intent: str = "ask_question",
    entities: list[dict[str, Any]] | None = None,
    slots: dict[str, Any] | None = None,
    events_before: list[dict[str, Any]] | None = None,
    events_after: list[dict[str, Any]] | None = None,
    active_loop: str | None = None,
) -> Tracker:
    """A tracker as Rasa sends it: every domain slot present, the latest user message last.

    `events_before` go before the latest user message, `events_after` after it (e.g. the
    events the form appends before calling its validation action).
    """
    slot_values: dict[str, Any] = dict.fromkeys(load_domain()["slots"])
    slot_values["language"] = "en"
    slot_values.update(slots or {})
    message = {
        "text": text,
        "intent": {"name": intent, "confidence": 0.98},
        "entities": entities or [],
    }
    events = [
        *(events_before or []),
        action_event("action_listen"),
        user_event(message),
        *(events_after or []),
    ]
    return Tracker(
        SENDER_ID,
        slot_values,
        message,
        events,
        False,
        None,
        {"name": active_loop} if active_loop else {},
        "action_listen",
    )


@dataclass
class FakeApi:
    """The app API as the actions see it: canned responses per route, requests recorded."""

    routes: dict[tuple[str, str], Callable[[httpx.Request], httpx.Response]] = field(
        default_factory=dict
    )
    requests: list[httpx.Request] = field(default_factory=list)

    def on(self, method: str, path: str, status: int, body: Any) -> None:
        self.routes[(method, path)] = lambda request: httpx.Response(status, json=body)

    def fail_with(self, error: Exception) -> None:
        """Every request fails at the transport level (API down, timeout)."""

        def fail(request: httpx.Request) -> httpx.Response:
            raise error

        self.routes.clear()
        self.routes[("*", "*")] = fail

    def handle(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        handler = self.routes.get((request.method, request.url.path)) or self.routes.get(("*", "*"))
        if handler is None:
            return httpx.Response(404, json={"error": "not_found", "detail": "no such route"})
        return handler(request)

    def client(self) -> DeskmateClient:
        return DeskmateClient(
            base_url=API_URL,
            token=API_TOKEN,
            timeout=2,
            transport=httpx.MockTransport(self.handle),
        )

    def last_json(self) -> Any:
        return json.loads(self.requests[-1].content)

    @staticmethod
    def json_of(request: httpx.Request) -> Any:
        return json.loads(request.content)


def ticket_body(**overrides: Any) -> dict[str, Any]:
    """A ticket as `POST /api/v1/tickets` and `GET /api/v1/tickets/{ref}` return it."""
    body: dict[str, Any] = {
        "reference": "DM-000123",
        "status": "new",
        "product": "Lumora Cam",
        "description": "The camera stops recording at night",
        "email": "anna@example.com",
        "type": "fault",
        "created_at": "2026-11-22T13:00:00+00:00",
        "team": None,
        "assignee": None,
    }
    body.update(overrides)
    return body


def texts(dispatcher: CollectingDispatcher) -> list[str]:
    return [message["text"] for message in dispatcher.messages]
