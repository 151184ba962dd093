"""After repeated failed turns the assistant hands the conversation over by itself."""

import asyncio
from typing import Any

import pytest
from rasa_sdk.executor import CollectingDispatcher

from actions.knowledge import ActionAnswerNotHelpful, ActionAnswerQuestion, ActionNotUnderstood
from tests.actions.action_factories import SENDER_ID, FakeApi, make_tracker, texts, ticket_body

SEARCH = "/api/v1/kb/search"
TICKETS = "/api/v1/tickets"
HANDOFF = f"/api/v1/conversations/{SENDER_ID}/handoff"
NO_ANSWER = {"query": "q", "decision": "no_answer", "results": []}
TRIED = [{"query": "warranty", "article_id": "a1", "title": "Warranty", "score": 0.41}]


def slots(events: list[dict[str, Any]]) -> dict[str, Any]:
    return {e["name"]: e["value"] for e in events if e["event"] == "slot"}


def ready_to_hand_over(api: FakeApi) -> None:
    api.on("GET", SEARCH, 200, NO_ANSWER)
    api.on("POST", TICKETS, 201, ticket_body(reference="DM-000555", type="request"))
    api.on("POST", HANDOFF, 201, {"conversation_id": SENDER_ID, "state": "waiting"})


def test_the_second_no_answer_in_a_row_hands_over(api: FakeApi) -> None:
    ready_to_hand_over(api)
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(
        text="warranty in mars", slots={"kb_failures": 1, "kb_articles_tried": TRIED}
    )

    events = asyncio.run(ActionAnswerQuestion(api.client).run(dispatcher, tracker, {}))

    paths = [r.url.path for r in api.requests]
    assert paths == [SEARCH, TICKETS, HANDOFF]
    handoff = FakeApi.json_of(api.requests[-1])
    assert handoff["reason"] == "repeated_failure"
    assert handoff["articles"] == TRIED
    assert handoff["intents"] == ["ask_question"]
    assert handoff["transcript"][-1] == {"who": "customer", "text": "warranty in mars"}
    assert texts(dispatcher) == [
        "I'm sorry I couldn't help with this. I'm handing you over to a colleague "
        "(ticket DM-000555); they'll see our conversation, please stay here."
    ]
    found = slots(events)
    assert found["kb_failures"] == 0  # counting starts again after the handoff
    assert found["handoff_reason"] == "repeated_failure"
    assert found["last_ticket_reference"] == "DM-000555"


def test_the_first_failure_only_offers_help(api: FakeApi) -> None:
    ready_to_hand_over(api)
    dispatcher = CollectingDispatcher()

    events = asyncio.run(
        ActionAnswerQuestion(api.client).run(dispatcher, make_tracker(text="warranty"), {})
    )

    assert [r.url.path for r in api.requests] == [SEARCH]
    payloads = [b["payload"] for b in dispatcher.messages[0]["buttons"]]
    assert payloads == ["/open_ticket", "/find_expert", "/deny"]
    assert slots(events)["kb_failures"] == 1


def test_didnt_help_after_a_failure_hands_over(api: FakeApi) -> None:
    ready_to_hand_over(api)
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(text="no", intent="deny", slots={"kb_failures": 1, "language": "zh"})

    events = asyncio.run(ActionAnswerNotHelpful(api.client).run(dispatcher, tracker, {}))

    assert [r.url.path for r in api.requests] == [TICKETS, HANDOFF]
    assert texts(dispatcher) == [
        "抱歉没能帮到您。我正在为您转接人工客服（工单 DM-000555），他们能看到我们的对话，请稍候。"
    ]
    assert slots(events)["kb_choices"] is None


def test_not_understood_counts_and_then_hands_over(api: FakeApi) -> None:
    ready_to_hand_over(api)
    first = CollectingDispatcher()
    events = asyncio.run(
        ActionNotUnderstood(api.client).run(first, make_tracker(intent="nlu_fallback"), {})
    )
    assert first.messages[0]["response"] == "utter_default"
    assert slots(events) == {"kb_failures": 1}
    assert api.requests == []

    second = CollectingDispatcher()
    events = asyncio.run(
        ActionNotUnderstood(api.client).run(
            second, make_tracker(intent="nlu_fallback", slots={"kb_failures": 1}), {}
        )
    )
    assert [r.url.path for r in api.requests] == [TICKETS, HANDOFF]
    assert "handing you over" in texts(second)[0]
    assert slots(events)["kb_failures"] == 0


def test_the_limit_is_configurable(api: FakeApi, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DESKMATE_FAILURES_BEFORE_PERSON", "3")
    ready_to_hand_over(api)
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(text="warranty", slots={"kb_failures": 1})

    events = asyncio.run(ActionAnswerQuestion(api.client).run(dispatcher, tracker, {}))

    assert [r.url.path for r in api.requests] == [SEARCH]  # 2 of 3: not yet
    payloads = [b["payload"] for b in dispatcher.messages[0]["buttons"]]
    assert "/talk_to_human" in payloads  # but a person is offered
    assert slots(events)["kb_failures"] == 2


def test_a_failed_handoff_ticket_still_offers_the_choices(api: FakeApi) -> None:
    api.on("GET", SEARCH, 200, NO_ANSWER)
    api.on("POST", TICKETS, 500, {"error": "internal", "detail": "boom"})
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(text="warranty", slots={"kb_failures": 1})

    events = asyncio.run(ActionAnswerQuestion(api.client).run(dispatcher, tracker, {}))

    assert texts(dispatcher)[0] == (
        "Sorry, I couldn't open the ticket right now. Please try again in a moment."
    )
    payloads = [b["payload"] for b in dispatcher.messages[1]["buttons"]]
    assert "/talk_to_human" in payloads
    assert slots(events)["kb_failures"] == 2
