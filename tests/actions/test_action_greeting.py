"""Greeting a known customer by name with their open tickets; a stranger gets the greeting."""

import asyncio
from typing import Any

import httpx
from rasa_sdk.executor import CollectingDispatcher

from actions.greeting import ActionGreet
from tests.actions.action_factories import SENDER_ID, FakeApi, make_tracker, texts

BY_IDENTITY = "/api/v1/customers/by-identity"


def profile(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "verified": True,
        "name": "Mei",
        "language": "zh",
        "tier": "core",
        "open_tickets": [
            {
                "reference": "DM-000124",
                "status": "triaged",
                "type": "fault",
                "product": "Lumora Cam",
            },
            {"reference": "DM-000120", "status": "new", "type": "request", "product": None},
        ],
    }
    body.update(overrides)
    return body


def greet(api: FakeApi, language: str = "en") -> CollectingDispatcher:
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(text="hi", intent="greet", slots={"language": language})
    assert asyncio.run(ActionGreet(api.client).run(dispatcher, tracker, {})) == []
    return dispatcher


def test_a_known_customer_is_greeted_by_name_and_reminded_of_open_tickets(api: FakeApi) -> None:
    api.on("GET", BY_IDENTITY, 200, profile())

    dispatcher = greet(api)

    assert dict(api.requests[0].url.params) == {"channel": "web", "external_id": SENDER_ID}
    assert texts(dispatcher) == [
        "Hello Mei, welcome back! How can I help you today?",
        "Your open tickets: DM-000124 (Lumora Cam, triaged); DM-000120 (new).",
    ]


def test_the_greeting_is_in_the_conversations_language(api: FakeApi) -> None:
    api.on("GET", BY_IDENTITY, 200, profile(open_tickets=[profile()["open_tickets"][0]]))

    dispatcher = greet(api, language="zh")

    assert texts(dispatcher) == [
        "Mei，您好，欢迎回来！今天有什么可以帮您？",
        "您未结的工单：DM-000124 (Lumora 摄像头, triaged)。",
    ]


def test_no_open_tickets_means_no_reminder(api: FakeApi) -> None:
    api.on("GET", BY_IDENTITY, 200, profile(open_tickets=[]))

    assert texts(greet(api)) == ["Hello Mei, welcome back! How can I help you today?"]


def test_a_stranger_or_a_nameless_customer_gets_the_plain_greeting(api: FakeApi) -> None:
    api.on("GET", BY_IDENTITY, 404, {"error": "not_found", "detail": "nobody"})
    assert greet(api).messages[0]["response"] == "utter_greet"

    api.on("GET", BY_IDENTITY, 200, profile(name=None))
    assert greet(api).messages[0]["response"] == "utter_greet"


def test_an_unverified_identity_is_greeted_like_a_stranger(api: FakeApi) -> None:
    # Linked by an email someone typed: even if an API answered with a name and tickets,
    # the assistant reveals neither.
    api.on("GET", BY_IDENTITY, 200, profile(verified=False))
    dispatcher = greet(api)
    assert [m.get("response") for m in dispatcher.messages] == ["utter_greet"]
    assert not any("Mei" in str(m) or "DM-" in str(m) for m in dispatcher.messages)

    # An answer without the flag (an older API) counts as unverified too.
    unflagged = profile()
    del unflagged["verified"]
    api.on("GET", BY_IDENTITY, 200, unflagged)
    assert [m.get("response") for m in greet(api).messages] == ["utter_greet"]


def test_the_api_down_still_greets(api: FakeApi) -> None:
    api.fail_with(httpx.ConnectError("refused"))

    (message,) = greet(api).messages
    assert message["response"] == "utter_greet"
