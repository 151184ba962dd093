"""Issue 5 point 5 and the chat's votes: failed turns are counted in a row (a success starts
the count again), and "did this help?" reaches the knowledge base's votes."""

import asyncio
from typing import Any

import httpx
from rasa_sdk.executor import CollectingDispatcher

from actions.handover import failures_before_answer
from actions.knowledge import ActionAnswerHelpful, ActionAnswerNotHelpful, ActionAnswerQuestion
from tests.actions.action_factories import (
    SENDER_ID,
    FakeApi,
    action_event,
    make_tracker,
    slot_event,
    texts,
    ticket_body,
    user_event,
)

VOTE = f"/api/v1/kb/conversations/{SENDER_ID}/feedback"
SEARCH = "/api/v1/kb/search"
TICKETS = "/api/v1/tickets"
HANDOFF = f"/api/v1/conversations/{SENDER_ID}/handoff"
ARTICLE = "5b0c6a52-3f7e-4b43-9d0e-1f6f0f6f9a01"
TRIED = [{"query": "wifi", "article_id": ARTICLE, "title": "Wi-Fi", "score": 0.8}]


def said(text: str, intent: str = "ask_question") -> dict[str, Any]:
    return user_event({"text": text, "intent": {"name": intent}, "entities": []})


def no_answer_then_answer() -> list[dict[str, Any]]:
    """A failed turn (no answer), then a turn answered with ARTICLE (count back to 0)."""
    return [
        action_event("action_listen"),
        said("pair the hub with my lawnmower"),
        action_event("action_answer_question"),
        slot_event("kb_failures", 1),
        slot_event("kb_decision", "no_answer"),
        action_event("action_listen"),
        said("wifi wont connect"),
        action_event("action_answer_question"),
        slot_event("kb_articles_tried", TRIED),
        slot_event("kb_failures", 0),
        slot_event("kb_decision", "answer"),
    ]


def after_answer(intent: str, **slots: Any) -> Any:
    return make_tracker(
        text=f"/{intent}",
        intent=intent,
        slots={"kb_decision": "answer", "kb_failures": 0, "kb_articles_tried": TRIED, **slots},
        events_before=no_answer_then_answer(),
    )


def slots_of(events: list[dict[str, Any]]) -> dict[str, Any]:
    return {e["name"]: e["value"] for e in events if e["event"] == "slot"}


def test_didnt_help_puts_back_the_failures_before_the_answer() -> None:
    assert failures_before_answer(after_answer("deny")) == 1
    # Without an answer in the previous turn, the slot's count is the count.
    assert (
        failures_before_answer(make_tracker(text="no", intent="deny", slots={"kb_failures": 1}))
        == 1
    )
    assert failures_before_answer(make_tracker(text="no", intent="deny")) == 0


def test_no_answer_answer_didnt_help_is_two_failures_in_a_row(api: FakeApi) -> None:
    api.on("POST", VOTE, 201, {"search_id": "s", "article_id": ARTICLE, "helpful": False})
    api.on("POST", TICKETS, 201, ticket_body(reference="DM-000555", type="request"))
    api.on("POST", HANDOFF, 201, {"conversation_id": SENDER_ID, "state": "waiting"})
    dispatcher = CollectingDispatcher()

    events = asyncio.run(
        ActionAnswerNotHelpful(api.client).run(dispatcher, after_answer("deny"), {})
    )

    assert [r.url.path for r in api.requests] == [VOTE, TICKETS, HANDOFF]
    assert FakeApi.json_of(api.requests[0]) == {"helpful": False, "article_id": ARTICLE}
    assert "handing you over" in texts(dispatcher)[0]
    assert slots_of(events)["kb_failures"] == 0


def test_a_failure_after_a_helpful_answer_is_the_first_in_a_row(api: FakeApi) -> None:
    # The answer set the count back to 0; the customer moved on without saying "no".
    api.on("GET", SEARCH, 200, {"query": "q", "decision": "no_answer", "results": []})
    tracker = make_tracker(
        text="pair the hub with my lawnmower",
        slots={"kb_decision": "answer", "kb_failures": 0},
        events_before=no_answer_then_answer(),
    )
    dispatcher = CollectingDispatcher()

    events = asyncio.run(ActionAnswerQuestion(api.client).run(dispatcher, tracker, {}))

    assert [r.url.path for r in api.requests] == [SEARCH]  # no handoff
    assert slots_of(events)["kb_failures"] == 1


def test_yes_is_a_helpful_vote_on_the_answered_article(api: FakeApi) -> None:
    api.on("POST", VOTE, 201, {"search_id": "s", "article_id": ARTICLE, "helpful": True})
    dispatcher = CollectingDispatcher()

    events = asyncio.run(
        ActionAnswerHelpful(api.client).run(dispatcher, after_answer("affirm"), {})
    )

    assert [r.url.path for r in api.requests] == [VOTE]
    assert api.requests[0].headers["Authorization"] == "Bearer test-token"
    assert FakeApi.json_of(api.requests[0]) == {"helpful": True, "article_id": ARTICLE}
    assert slots_of(events) == {"kb_failures": 0}
    assert dispatcher.messages == []  # the rules follow with utter_glad_to_help


def test_the_picked_choice_is_the_article_voted_on(api: FakeApi) -> None:
    api.on("POST", VOTE, 201, {"search_id": "s", "article_id": "picked", "helpful": True})
    picked = user_event(
        {
            "text": '/ask_question{"article_id": "picked-id"}',
            "intent": {"name": "ask_question"},
            "entities": [{"entity": "article_id", "value": "picked-id"}],
        }
    )
    tracker = make_tracker(
        text="/affirm",
        intent="affirm",
        slots={"kb_decision": "answer"},
        events_before=[
            action_event("action_listen"),
            said("wifi"),
            action_event("action_answer_question"),
            slot_event("kb_articles_tried", TRIED),
            slot_event("kb_decision", "clarify"),
            action_event("action_listen"),
            picked,
            action_event("action_answer_question"),
            slot_event("kb_decision", "answer"),
        ],
    )
    asyncio.run(ActionAnswerHelpful(api.client).run(CollectingDispatcher(), tracker, {}))
    assert FakeApi.json_of(api.requests[0]) == {"helpful": True, "article_id": "picked-id"}


def test_already_voted_or_nothing_to_vote_on_is_silent(api: FakeApi) -> None:
    for status in (409, 404):
        api.on("POST", VOTE, status, {"error": "conflict", "detail": "already voted"})
        dispatcher = CollectingDispatcher()
        events = asyncio.run(
            ActionAnswerHelpful(api.client).run(dispatcher, after_answer("affirm"), {})
        )
        assert dispatcher.messages == [] and slots_of(events) == {"kb_failures": 0}


def test_the_api_down_does_not_stop_didnt_help(api: FakeApi) -> None:
    api.fail_with(httpx.ConnectError("refused"))
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(text="/deny", intent="deny", slots={"kb_decision": "answer"})

    events = asyncio.run(ActionAnswerNotHelpful(api.client).run(dispatcher, tracker, {}))

    # The vote failed and nothing was handed over (one failure); the offer is still made.
    (offer,) = dispatcher.messages
    assert [b["payload"] for b in offer["buttons"]][:2] == ["/open_ticket", "/find_expert"]
    assert slots_of(events)["kb_failures"] == 1


def test_none_of_these_after_a_clarification_is_no_vote(api: FakeApi) -> None:
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(text="/deny", intent="deny", slots={"kb_decision": "clarify"})

    events = asyncio.run(ActionAnswerNotHelpful(api.client).run(dispatcher, tracker, {}))

    assert api.requests == []
    assert slots_of(events)["kb_failures"] == 1
