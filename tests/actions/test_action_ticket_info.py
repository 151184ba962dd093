"""Adding information to an existing ticket: appended to the customer's own ticket, refused
politely for anyone else's."""

import asyncio
import hashlib
from typing import Any

from rasa_sdk.executor import CollectingDispatcher

from actions.tickets import ActionCreateTicket
from tests.actions.action_factories import (
    FORM_ACTIVATED_AT,
    SENDER_ID,
    FakeApi,
    form_activated_event,
    make_tracker,
    texts,
    ticket_body,
)

TICKET = "/api/v1/tickets/DM-000123"
MESSAGES = "/api/v1/tickets/DM-000123/messages"
BY_IDENTITY = "/api/v1/customers/by-identity"
DIGEST = hashlib.sha256(f"{SENDER_ID}:{FORM_ACTIVATED_AT}".encode()).hexdigest()[:40]


def info_tracker(**slots: Any) -> Any:
    return make_tracker(
        text="kim@example.com",
        intent="inform",
        slots={
            "info_reference": "DM-000123",
            "ticket_description": "It only drops after 9 pm",
            "contact_email": "kim@example.com",
            **slots,
        },
        events_before=[form_activated_event(form="add_info_form")],
    )


def run(api: FakeApi, **slots: Any) -> tuple[CollectingDispatcher, list[dict[str, Any]]]:
    dispatcher = CollectingDispatcher()
    events = asyncio.run(ActionCreateTicket(api.client).run(dispatcher, info_tracker(**slots), {}))
    return dispatcher, events


def test_information_is_appended_to_the_ticket_opened_in_this_conversation(api: FakeApi) -> None:
    api.on("GET", TICKET, 200, ticket_body(email="someone@else.com", conversation_id=SENDER_ID))
    api.on("POST", MESSAGES, 201, {})

    dispatcher, events = run(api)

    assert [(r.method, r.url.path) for r in api.requests] == [("GET", TICKET), ("POST", MESSAGES)]
    assert api.last_json() == {
        "author_kind": "customer",
        "body": "It only drops after 9 pm",
        "channel": "web",
        # The same form run gives the same id (a retried call stores the message once); only
        # a digest of it is sent, so the conversation id does not reach the ticket.
        "channel_message_id": f"assistant-{DIGEST}",
    }
    assert api.requests[-1].headers["Idempotency-Key"] == f"assistant-{DIGEST}"
    assert SENDER_ID not in api.requests[-1].content.decode()
    assert texts(dispatcher) == [
        "Thanks, I've added that to your ticket DM-000123; the team will see it there."
    ]
    values = {e["name"]: e["value"] for e in events}
    assert values["last_ticket_reference"] == "DM-000123"
    assert values["ticket_description"] is None and values["info_reference"] is None
    # Nothing was opened: no POST /api/v1/tickets.
    assert all(r.url.path != "/api/v1/tickets" for r in api.requests)


def test_a_ticket_with_the_email_given_here_is_the_customers_in_chinese(api: FakeApi) -> None:
    api.on("GET", TICKET, 200, ticket_body(email="KIM@example.com", conversation_id="other"))
    api.on("POST", MESSAGES, 201, {})

    dispatcher, _ = run(api, language="zh")

    assert api.requests[-1].url.path == MESSAGES
    assert texts(dispatcher) == [
        "谢谢，已将补充信息添加到您的工单 DM-000123，处理人员会在工单中看到。"
    ]


def test_an_open_ticket_of_the_identitys_customer_is_theirs(api: FakeApi) -> None:
    api.on("GET", TICKET, 200, ticket_body(email="old@example.com", conversation_id="earlier"))
    api.on(
        "GET",
        BY_IDENTITY,
        200,
        {
            "verified": True,
            "name": "Kim",
            "language": "en",
            "tier": "core",
            "open_tickets": [{"reference": "DM-000123", "status": "new", "type": "fault"}],
        },
    )
    api.on("POST", MESSAGES, 201, {})

    run(api)

    lookup = next(r for r in api.requests if r.url.path == BY_IDENTITY)
    assert dict(lookup.url.params) == {"channel": "web", "external_id": SENDER_ID}
    assert api.requests[-1].url.path == MESSAGES


def test_an_unverified_identitys_tickets_are_not_theirs(api: FakeApi) -> None:
    api.on("GET", TICKET, 200, ticket_body(email="old@example.com", conversation_id="earlier"))
    api.on(
        "GET",
        BY_IDENTITY,
        200,
        {
            "verified": False,
            "name": "Kim",
            "language": "en",
            "tier": "general",
            "open_tickets": [{"reference": "DM-000123", "status": "new", "type": "fault"}],
        },
    )

    dispatcher, _ = run(api)

    assert all(r.url.path != MESSAGES for r in api.requests)
    assert "can't find a ticket DM-000123 of yours" in texts(dispatcher)[0]


def test_someone_elses_ticket_is_refused_and_nothing_is_added(api: FakeApi) -> None:
    api.on("GET", TICKET, 200, ticket_body(email="other@example.com", conversation_id="other"))
    api.on("GET", BY_IDENTITY, 404, {"error": "not_found", "detail": "nobody"})

    dispatcher, events = run(api)

    assert all(r.url.path != MESSAGES for r in api.requests)
    assert texts(dispatcher) == [
        "Sorry, I can't find a ticket DM-000123 of yours. Please check the reference "
        "(it's in the confirmation we sent you), or I can open a new ticket."
    ]
    assert "last_ticket_reference" not in {e["name"] for e in events}


def test_an_unknown_reference_gets_the_same_refusal_in_chinese(api: FakeApi) -> None:
    api.on("GET", TICKET, 404, {"error": "not_found", "detail": "no ticket"})

    dispatcher, _ = run(api, language="zh")

    assert [r.url.path for r in api.requests] == [TICKET]
    assert texts(dispatcher) == [
        "抱歉，没有找到属于您的工单 DM-000123。"
        "请核对编号（在我们发给您的确认中），或者我可以为您新建工单。"
    ]


def test_api_down_while_adding_is_polite(api: FakeApi) -> None:
    api.on("GET", TICKET, 200, ticket_body(conversation_id=SENDER_ID))
    api.on("POST", MESSAGES, 503, {"error": "unavailable", "detail": "down"})

    dispatcher, events = run(api)

    assert texts(dispatcher) == [
        "Sorry, I couldn't add that to DM-000123 right now. Please try again in a moment."
    ]
    assert "last_ticket_reference" not in {e["name"] for e in events}
