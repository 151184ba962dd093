import asyncio
from typing import Any

import httpx
import pytest
from rasa_sdk.executor import CollectingDispatcher

from actions.tickets import (
    ActionCancelTicket,
    ActionCreateTicket,
    ActionSaveContact,
    ActionTicketStatus,
)
from tests.actions.action_factories import (
    FORM_ACTIVATED_AT,
    SENDER_ID,
    FakeApi,
    form_activated_event,
    make_tracker,
    texts,
    ticket_body,
)

TICKETS = "/api/v1/tickets"
BY_IDENTITY = "/api/v1/customers/by-identity"
NOT_FOUND_EN = (
    "I can't find a ticket {reference} of yours. If you opened it with another email "
    "address, tell me that address and ask again."
)
FILLED_FORM = {
    "ticket_description": "The camera stops recording at night",
    "ticket_product": "Lumora Cam",
    "contact_email": "anna@example.com",
    "last_question": "camera stops recording at night",
}


def create(api: FakeApi, language: str = "en") -> tuple[list[str], list[dict[str, Any]]]:
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(
        text="anna@example.com",
        intent="open_ticket",
        slots={**FILLED_FORM, "language": language},
        events_before=[form_activated_event()],
    )
    events = asyncio.run(ActionCreateTicket(api.client).run(dispatcher, tracker, {}))
    return texts(dispatcher), events


def status(
    api: FakeApi,
    text: str,
    *,
    entities: list[dict[str, Any]] | None = None,
    slots: dict[str, Any] | None = None,
    found: bool = True,
) -> list[str]:
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(text=text, intent="ticket_status", entities=entities, slots=slots)
    events = asyncio.run(ActionTicketStatus(api.client).run(dispatcher, tracker, {}))
    # A found status is a success: the count of failed turns starts again; nothing else changes.
    expected = [{"name": "kb_failures", "value": 0}] if found else []
    assert [{"name": e["name"], "value": e["value"]} for e in events] == expected
    return texts(dispatcher)


def profile(*, verified: bool, open_tickets: list[str]) -> dict[str, Any]:
    return {
        "verified": verified,
        "name": "Anna",
        "language": "en",
        "tier": "general",
        "open_tickets": [
            {"reference": r, "status": "new", "type": "fault", "product": "Lumora Cam"}
            for r in open_tickets
        ],
    }


def reference_entity(value: str) -> list[dict[str, Any]]:
    return [{"entity": "ticket_reference", "value": value, "extractor": "RegexEntityExtractor"}]


def test_create_ticket_posts_the_form_and_confirms(api: FakeApi) -> None:
    api.on("POST", TICKETS, 201, ticket_body(reference="DM-000123"))

    messages, events = create(api)

    assert api.last_json() == {
        "description": "The camera stops recording at night",
        "product": "Lumora Cam",
        "email": "anna@example.com",
        "channel": "web",
        "conversation_id": SENDER_ID,
        "language": "en",
        "type": "consultation",  # the ticket follows an unanswered question
        "category": None,
        "channel_identity": {"channel": "web", "external_id": SENDER_ID},
    }
    request = api.requests[-1]
    assert request.headers["Idempotency-Key"] == f"{SENDER_ID}:{FORM_ACTIVATED_AT}"
    assert request.headers["Authorization"] == "Bearer test-token"
    assert messages == [
        "I've opened ticket DM-000123 for you. We'll email you at anna@example.com."
    ]
    assert {e["name"]: e["value"] for e in events} == {
        "last_ticket_reference": "DM-000123",
        "last_question": None,
        "kb_failures": 0,  # a completed form is a success
        "ticket_description": None,
        "ticket_product": None,
        "complaint_category": None,
        "info_reference": None,
    }


def test_create_ticket_in_chinese(api: FakeApi) -> None:
    api.on("POST", TICKETS, 201, ticket_body(reference="DM-000124"))

    messages, _ = create(api, language="zh")

    assert api.last_json()["language"] == "zh"
    assert messages == ["已为您创建工单 DM-000124。我们会通过 anna@example.com 与您联系。"]


def test_a_retried_submission_sends_the_same_idempotency_key(api: FakeApi) -> None:
    api.on("POST", TICKETS, 201, ticket_body())

    create(api)
    create(api)

    first, second = (r.headers["Idempotency-Key"] for r in api.requests)
    assert first == second


def test_a_new_form_run_gets_a_new_idempotency_key(api: FakeApi) -> None:
    api.on("POST", TICKETS, 201, ticket_body())
    create(api)
    tracker = make_tracker(
        slots=FILLED_FORM,
        events_before=[form_activated_event(), form_activated_event(FORM_ACTIVATED_AT + 60)],
    )
    asyncio.run(ActionCreateTicket(api.client).run(CollectingDispatcher(), tracker, {}))

    first, second = (r.headers["Idempotency-Key"] for r in api.requests)
    assert first != second


@pytest.mark.parametrize(
    "failure",
    [
        httpx.ConnectError("connection refused"),
        httpx.ReadTimeout("too slow"),
    ],
)
def test_create_ticket_api_down_is_polite_and_keeps_the_form(
    api: FakeApi, failure: Exception
) -> None:
    api.fail_with(failure)

    messages, events = create(api)

    assert messages == [
        "Sorry, I couldn't open the ticket right now. Please try again in a moment."
    ]
    assert events == []


def test_create_ticket_api_error_is_polite(api: FakeApi) -> None:
    api.on("POST", TICKETS, 422, {"error": "validation_error", "detail": "email: invalid"})

    messages, events = create(api, language="zh")

    assert messages == ["抱歉，暂时无法创建工单，请稍后再试。"]
    assert events == []


def test_create_ticket_without_form_slots_does_not_call_the_api(api: FakeApi) -> None:
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(slots={"ticket_product": "Lumora Cam"})

    events = asyncio.run(ActionCreateTicket(api.client).run(dispatcher, tracker, {}))

    assert api.requests == []
    assert texts(dispatcher) == [
        "Sorry, I couldn't open the ticket right now. Please try again in a moment."
    ]
    assert events == []


def test_cancel_forgets_the_form() -> None:
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(text="算了", intent="cancel", slots={**FILLED_FORM, "language": "zh"})

    events = asyncio.run(ActionCancelTicket().run(dispatcher, tracker, {}))

    assert texts(dispatcher) == ["好的，没有创建工单。"]
    assert {e["name"]: e["value"] for e in events} == {
        "last_question": None,
        "ticket_description": None,
        "ticket_product": None,
        "complaint_category": None,
        "info_reference": None,
    }


def test_cancel_in_english() -> None:
    dispatcher = CollectingDispatcher()
    asyncio.run(ActionCancelTicket().run(dispatcher, make_tracker(text="cancel"), {}))

    assert texts(dispatcher) == ["OK, no ticket was opened."]


def test_status_of_a_ticket_under_the_email_given_here(api: FakeApi) -> None:
    api.on("GET", f"{TICKETS}/DM-000123", 200, ticket_body(email="Anna@Example.com"))

    messages = status(
        api,
        "status of DM-000123",
        entities=reference_entity("DM-000123"),
        slots={"contact_email": " anna@example.COM "},
    )

    assert messages == ["Ticket DM-000123 (Lumora Cam) is **new**."]
    assert api.requests[0].headers["Authorization"] == "Bearer test-token"


def test_status_in_chinese_from_a_reference_inside_chinese_text(api: FakeApi) -> None:
    api.on(
        "GET",
        f"{TICKETS}/DM-000123",
        200,
        ticket_body(status="resolved", conversation_id=SENDER_ID),
    )

    messages = status(
        api,
        "查询dm-000123的状态",
        entities=reference_entity("dm-000123"),
        slots={"language": "zh"},
    )

    assert messages == ["工单 DM-000123（Lumora 摄像头）状态：**已解决**"]


def test_status_reference_found_in_the_text_when_there_is_no_entity(api: FakeApi) -> None:
    api.on(
        "GET",
        f"{TICKETS}/DM-000777",
        200,
        ticket_body(reference="DM-000777", product=None, conversation_id=SENDER_ID),
    )

    messages = status(api, "any news on dm-000777?")

    assert api.requests[0].url.path == f"{TICKETS}/DM-000777"
    assert messages == ["Ticket DM-000777 is **new**."]


def test_status_of_the_ticket_opened_in_this_conversation(api: FakeApi) -> None:
    api.on(
        "GET",
        f"{TICKETS}/DM-000042",
        200,
        ticket_body(reference="DM-000042", conversation_id=SENDER_ID),
    )

    messages = status(
        api, "what's the status of my ticket", slots={"last_ticket_reference": "DM-000042"}
    )

    assert messages == ["Ticket DM-000042 (Lumora Cam) is **new**."]


def test_status_reference_in_the_message_wins_over_the_opened_ticket(api: FakeApi) -> None:
    api.on(
        "GET",
        f"{TICKETS}/DM-000555",
        200,
        ticket_body(reference="DM-000555", conversation_id=SENDER_ID),
    )

    status(
        api,
        "is DM-000555 closed",
        entities=reference_entity("DM-000555"),
        slots={"last_ticket_reference": "DM-000042"},
    )

    assert api.requests[0].url.path == f"{TICKETS}/DM-000555"


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("en", "Please give me your ticket reference, it looks like DM-000123."),
        ("zh", "请提供您的工单编号，格式类似 DM-000123。"),
    ],
)
def test_status_without_any_reference_asks_for_it(
    api: FakeApi, language: str, expected: str
) -> None:
    messages = status(
        api, "what's the status of my ticket", slots={"language": language}, found=False
    )

    assert messages == [expected]
    assert api.requests == []


def test_status_of_an_unknown_ticket(api: FakeApi) -> None:
    api.on("GET", f"{TICKETS}/DM-000999", 404, {"error": "not_found", "detail": "no ticket"})

    messages = status(
        api, "status of DM-000999", entities=reference_entity("DM-000999"), found=False
    )

    assert messages == [NOT_FOUND_EN.format(reference="DM-000999")]


def test_status_of_an_unknown_ticket_in_chinese(api: FakeApi) -> None:
    api.on("GET", f"{TICKETS}/DM-000999", 404, {"error": "not_found", "detail": "no ticket"})

    messages = status(api, "DM-000999 的进度", slots={"language": "zh"}, found=False)

    assert messages == [
        "找不到您名下编号为 DM-000999 的工单。"
        "如果提交时用的是其他邮箱，请告诉我那个邮箱后再问一次。"
    ]


def test_status_of_someone_elses_ticket_is_answered_as_unknown(api: FakeApi) -> None:
    # It exists, but was opened elsewhere, under another email, and the customer behind this
    # channel identity is a stranger: the reply is word for word the one for no such ticket.
    api.on("GET", f"{TICKETS}/DM-000123", 200, ticket_body(conversation_id="conv-other"))
    api.on("GET", BY_IDENTITY, 404, {"error": "not_found", "detail": "unknown identity"})

    messages = status(
        api,
        "status of DM-000123",
        entities=reference_entity("DM-000123"),
        slots={"contact_email": "mallory@example.com"},
        found=False,
    )

    assert messages == [NOT_FOUND_EN.format(reference="DM-000123")]
    assert "Lumora" not in messages[0] and "new" not in messages[0]


@pytest.mark.parametrize(("verified", "shown"), [(True, True), (False, False)])
def test_status_for_the_customer_behind_this_identity_only_when_verified(
    api: FakeApi, verified: bool, shown: bool
) -> None:
    api.on("GET", f"{TICKETS}/DM-000123", 200, ticket_body(conversation_id="conv-other"))
    api.on("GET", BY_IDENTITY, 200, profile(verified=verified, open_tickets=["DM-000123"]))

    messages = status(
        api, "status of DM-000123", entities=reference_entity("DM-000123"), found=shown
    )

    expected = (
        "Ticket DM-000123 (Lumora Cam) is **new**."
        if shown
        else NOT_FOUND_EN.format(reference="DM-000123")
    )
    assert messages == [expected]


def test_status_api_down_is_polite(api: FakeApi) -> None:
    api.fail_with(httpx.ConnectError("connection refused"))

    messages = status(
        api, "status of DM-000123", entities=reference_entity("DM-000123"), found=False
    )

    assert messages == ["Sorry, I can't look up tickets right now. Please try again in a moment."]


def test_status_api_error_is_polite(api: FakeApi) -> None:
    api.on("GET", f"{TICKETS}/DM-000123", 500, {"error": "internal", "detail": "boom"})

    messages = status(
        api, "status of DM-000123", entities=reference_entity("DM-000123"), found=False
    )

    assert messages == ["Sorry, I can't look up tickets right now. Please try again in a moment."]


@pytest.mark.parametrize(
    ("form", "slots", "expected", "confirmation"),
    [
        (
            "fault_form",
            {"ticket_product": "Lumora Hub"},
            {"type": "fault", "product": "Lumora Hub", "category": None},
            "I've logged your fault report as ticket DM-000777. "
            "We'll email you at kim@example.com.",
        ),
        (
            "complaint_form",
            {"ticket_product": "no product", "complaint_category": "billing"},
            {"type": "complaint", "product": None, "category": "billing"},
            "I'm sorry for the trouble. Your complaint is recorded as ticket DM-000777; "
            "we'll email you at kim@example.com.",
        ),
        (
            "suggestion_form",
            {"ticket_product": "Lumora App"},
            {"type": "suggestion", "product": "Lumora App", "category": "product"},
            "Thank you for the idea! It's recorded as DM-000777; "
            "we'll email you at kim@example.com.",
        ),
        (
            "ticket_form",
            {"ticket_product": "Lumora Cam"},
            {"type": "request", "product": "Lumora Cam", "category": None},
            "I've opened ticket DM-000777 for you. We'll email you at kim@example.com.",
        ),
    ],
)
def test_each_form_opens_a_ticket_of_its_type(
    api: FakeApi,
    form: str,
    slots: dict[str, Any],
    expected: dict[str, Any],
    confirmation: str,
) -> None:
    api.on("POST", TICKETS, 201, ticket_body(reference="DM-000777"))
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(
        text="kim@example.com",
        intent="inform",
        slots={
            "ticket_description": "The app forgets my login every day",
            "contact_email": "kim@example.com",
            **slots,
        },
        events_before=[form_activated_event(form=form)],
    )

    events = asyncio.run(ActionCreateTicket(api.client).run(dispatcher, tracker, {}))

    body = api.last_json()
    assert {key: body[key] for key in expected} == expected
    assert api.requests[-1].headers["Idempotency-Key"] == f"{SENDER_ID}:{FORM_ACTIVATED_AT}"
    assert texts(dispatcher) == [confirmation]
    assert {e["name"]: e["value"] for e in events}["last_ticket_reference"] == "DM-000777"
    # The contact details are kept for the next form; the ticket's own slots are not.
    assert "contact_email" not in {e["name"] for e in events}
    assert {e["name"]: e["value"] for e in events}["ticket_description"] is None


def test_save_contact_confirms_the_details() -> None:
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(
        text="13812345678",
        intent="inform",
        slots={"contact_email": "kim@example.com", "contact_phone": "13812345678"},
    )

    events = asyncio.run(ActionSaveContact().run(dispatcher, tracker, {}))

    assert events == []
    assert texts(dispatcher) == [
        "Thanks, I'll use kim@example.com and 13812345678 for anything we open for you."
    ]


def complaint_tracker(description: str) -> Any:
    return make_tracker(
        text="kim@example.com",
        intent="inform",
        slots={
            "ticket_description": description,
            "ticket_product": "Lumora Hub",
            "complaint_category": "product",
            "contact_email": "kim@example.com",
        },
        events_before=[form_activated_event(form="complaint_form")],
    )


def test_a_serious_complaint_goes_to_a_person_at_once(api: FakeApi) -> None:
    api.on("POST", TICKETS, 201, ticket_body(reference="DM-000555", type="complaint"))
    api.on(
        "POST",
        f"/api/v1/conversations/{SENDER_ID}/handoff",
        201,
        {"conversation_id": SENDER_ID, "state": "waiting"},
    )
    dispatcher = CollectingDispatcher()

    asyncio.run(
        ActionCreateTicket(api.client).run(
            dispatcher, complaint_tracker("The hub started to smoke and burnt my shelf"), {}
        )
    )

    handoff = api.last_json()
    assert (handoff["reason"], handoff["ticket_reference"]) == ("complaint", "DM-000555")
    assert texts(dispatcher)[-1] == (
        "I'm handing you over to a colleague (ticket DM-000555). "
        "They'll see our conversation; please stay here."
    )


def test_an_ordinary_complaint_stays_with_the_assistant(api: FakeApi) -> None:
    api.on("POST", TICKETS, 201, ticket_body(reference="DM-000556", type="complaint"))
    dispatcher = CollectingDispatcher()

    asyncio.run(
        ActionCreateTicket(api.client).run(
            dispatcher, complaint_tracker("The hub was delivered two days late"), {}
        )
    )

    assert [r.url.path for r in api.requests] == [TICKETS]
    assert len(texts(dispatcher)) == 1
