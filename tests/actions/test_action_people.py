"""Experts from the yellow pages, handing over to a person, and handing back."""

import asyncio
from typing import Any

from rasa_sdk.executor import CollectingDispatcher

from actions.context import is_serious
from actions.people import ActionFindExpert, ActionHandback, ActionHandoff
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

EXPERTS = "/api/v1/experts/search"
TICKETS = "/api/v1/tickets"
HANDOFF = f"/api/v1/conversations/{SENDER_ID}/handoff"


def experts_body() -> dict[str, Any]:
    return {
        "query": "thermostat wiring",
        "results": [
            {
                "expert_id": "e1",
                "name": "Mei Chen",
                "reasons": ["thermostat", "wiring"],
                "score": 0.9,
                "available": True,
            },
            {
                "expert_id": "e2",
                "name": "Tom Berg",
                "reasons": [],
                "score": 0.6,
                "available": False,
            },
        ],
    }


def find(api: FakeApi, **tracker_args: Any) -> CollectingDispatcher:
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(intent="find_expert", **tracker_args)
    assert asyncio.run(ActionFindExpert(api.client).run(dispatcher, tracker, {})) == []
    return dispatcher


def test_experts_are_listed_then_a_ticket_is_offered(api: FakeApi) -> None:
    api.on("GET", EXPERTS, 200, experts_body())

    dispatcher = find(api, text="find a thermostat expert")

    assert api.requests[0].url.params["q"] == "find a thermostat expert"
    assert api.requests[0].url.params["k"] == "3"
    listing, offer = texts(dispatcher)
    assert listing == (
        "These colleagues know this best:\n"
        "- **Mei Chen** (available now): thermostat, wiring\n"
        "- **Tom Berg** (busy): -"
    )
    assert offer == "Shall I open a ticket so one of them can follow up?"
    assert [b["payload"] for b in dispatcher.messages[1]["buttons"]] == ["/open_ticket", "/deny"]


def test_the_open_question_is_what_experts_are_looked_up_by(api: FakeApi) -> None:
    api.on("GET", EXPERTS, 200, experts_body())

    find(api, text="/find_expert", slots={"last_question": "zigbee mesh with 40 bulbs"})

    assert api.requests[0].url.params["q"] == "zigbee mesh with 40 bulbs"


def test_no_yellow_pages_yet_offers_a_ticket_politely(api: FakeApi) -> None:
    # No route: the fake API answers 404, as the app does before the yellow pages exist.
    dispatcher = find(api, text="找一个温控器专家", slots={"language": "zh"})

    assert texts(dispatcher) == ["暂时没有找到合适的专家。需要我为您创建工单吗？"]
    assert dispatcher.messages[0]["buttons"][0]["payload"] == "/open_ticket"


def test_server_error_or_no_experts_offer_a_ticket(api: FakeApi) -> None:
    api.on("GET", EXPERTS, 503, {"error": "unavailable", "detail": "down"})
    assert texts(find(api, text="expert please"))[0].startswith("I couldn't find an expert")

    api.on("GET", EXPERTS, 200, {"query": "x", "results": []})
    assert texts(find(api, text="expert please"))[0].startswith("I couldn't find an expert")


def handoff_tracker(**slots: Any) -> Any:
    history = [
        action_event("action_listen"),
        user_event(
            {"text": "wifi wont connect", "intent": {"name": "ask_question"}, "entities": []}
        ),
        action_event("action_answer_question"),
        {"event": "bot", "text": "**Connect your Lumora Cam to Wi-Fi** ...", "timestamp": 1.0},
        slot_event("kb_decision", "answer"),
    ]
    return make_tracker(
        text="I want to talk to a human",
        intent="talk_to_human",
        slots={
            "contact_email": "anna@example.com",
            "kb_articles_tried": [
                {"query": "wifi wont connect", "article_id": "a1", "title": "Wi-Fi", "score": 0.71}
            ],
            **slots,
        },
        events_before=history,
    )


def test_handoff_opens_a_ticket_with_a_summary_and_hands_over(api: FakeApi) -> None:
    api.on("POST", TICKETS, 201, ticket_body(reference="DM-000321", type="request"))
    api.on(
        "POST",
        HANDOFF,
        201,
        {"conversation_id": SENDER_ID, "state": "waiting", "ticket_reference": "DM-000321"},
    )
    dispatcher = CollectingDispatcher()

    events = asyncio.run(ActionHandoff(api.client).run(dispatcher, handoff_tracker(), {}))

    ticket_request, handoff_request = api.requests
    ticket = FakeApi.json_of(ticket_request)
    assert ticket["type"] == "request"
    assert ticket["category"] == "handoff"
    assert ticket["email"] == "anna@example.com"
    assert ticket["description"] == (
        "Handoff to a person (reason: request).\n\n"
        "Conversation:\n"
        "customer: wifi wont connect\n"
        "customer: I want to talk to a human\n\n"
        "Articles tried:\n"
        "- Wi-Fi (score 0.71)\n\n"
        "Intents seen: ask_question, talk_to_human"
    )
    handoff = FakeApi.json_of(handoff_request)
    assert handoff["reason"] == "request"
    assert handoff["ticket_reference"] == "DM-000321"
    assert handoff["intents"] == ["ask_question", "talk_to_human"]
    assert handoff["articles"][0]["score"] == 0.71
    assert handoff["transcript"] == [
        {"who": "customer", "text": "wifi wont connect"},
        {"who": "bot", "text": "**Connect your Lumora Cam to Wi-Fi** ..."},
        {"who": "customer", "text": "I want to talk to a human"},
    ]
    assert texts(dispatcher) == [
        "I'm handing you over to a colleague (ticket DM-000321). "
        "They'll see our conversation; please stay here."
    ]
    assert {e["name"]: e["value"] for e in events} == {
        "last_ticket_reference": "DM-000321",
        "handoff_reason": "request",
    }


def test_handoff_after_repeated_failures_says_so(api: FakeApi) -> None:
    api.on("POST", TICKETS, 201, ticket_body(reference="DM-000322"))
    api.on("POST", HANDOFF, 201, {"conversation_id": SENDER_ID, "state": "waiting"})

    asyncio.run(
        ActionHandoff(api.client).run(CollectingDispatcher(), handoff_tracker(kb_failures=2), {})
    )

    assert FakeApi.json_of(api.requests[1])["reason"] == "repeated_failure"


def test_handoff_api_down_still_leaves_a_ticket(api: FakeApi) -> None:
    api.on("POST", TICKETS, 201, ticket_body(reference="DM-000323"))
    api.on("POST", HANDOFF, 503, {"error": "unavailable", "detail": "down"})
    dispatcher = CollectingDispatcher()

    events = asyncio.run(
        ActionHandoff(api.client).run(dispatcher, handoff_tracker(language="zh"), {})
    )

    assert texts(dispatcher) == [
        "暂时无法转接人工，已为您创建工单 DM-000323（附上了我们的对话），"
        "我们会通过 anna@example.com 联系您。"
    ]
    assert {e["name"]: e["value"] for e in events}["last_ticket_reference"] == "DM-000323"


def test_handoff_ticket_failure_is_reported_and_nothing_is_handed_over(api: FakeApi) -> None:
    api.on("POST", TICKETS, 500, {"error": "internal", "detail": "boom"})
    dispatcher = CollectingDispatcher()

    events = asyncio.run(ActionHandoff(api.client).run(dispatcher, handoff_tracker(), {}))

    assert events == []
    assert [r.url.path for r in api.requests] == [TICKETS]
    assert texts(dispatcher) == [
        "Sorry, I couldn't open the ticket right now. Please try again in a moment."
    ]


def test_handback_welcomes_the_customer_back_and_resets_the_failures() -> None:
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(slots={"handoff_reason": "request", "kb_failures": 2})

    events = asyncio.run(ActionHandback().run(dispatcher, tracker, {}))

    assert texts(dispatcher) == [
        "The assistant is back. Is there anything else I can help you with?"
    ]
    assert [(e["event"], e.get("name"), e.get("value")) for e in events] == [
        ("slot", "handoff_reason", None),
        ("slot", "kb_failures", 0),
        ("action", "action_listen", None),
    ]


def test_serious_complaints_are_recognised_in_both_languages() -> None:
    assert is_serious("The thermostat gave me an electric shock")
    assert is_serious("我要找律师起诉你们")
    assert is_serious("摄像头冒烟了")
    assert not is_serious("This issue is annoying, the pressure of waiting")  # no "sue"/"press"
    assert not is_serious("快递晚了两天")
    assert not is_serious(None)
