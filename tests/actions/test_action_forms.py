import asyncio
from typing import Any

import pytest
from rasa_sdk.executor import CollectingDispatcher

from actions.forms import ValidateTicketForm, find_email
from tests.actions.action_factories import (
    action_event,
    make_tracker,
    slot_event,
    texts,
)


def validate(slot: str, value: Any, language: str = "en") -> tuple[Any, list[str]]:
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(text=str(value), slots={"language": language})
    method = getattr(ValidateTicketForm(), f"validate_{slot}")
    result = method(value, dispatcher, tracker, {})
    return result[slot], texts(dispatcher)


def run_form_validation(
    domain: dict[str, Any],
    *,
    text: str,
    intent: str,
    slots: dict[str, Any] | None = None,
    events_before: list[dict[str, Any]] | None = None,
    candidates: dict[str, Any] | None = None,
) -> tuple[dict[str, Any], list[str]]:
    """Runs validate_ticket_form the way the form calls it: candidates appended as SlotSets."""
    events_after = [
        slot_event("requested_slot", (slots or {}).get("requested_slot")),
        action_event("ticket_form"),
        *(slot_event(name, value) for name, value in (candidates or {}).items()),
    ]
    tracker = make_tracker(
        text=text,
        intent=intent,
        slots={**(slots or {}), **(candidates or {})},
        events_before=events_before,
        events_after=events_after,
        active_loop="ticket_form",
    )
    dispatcher = CollectingDispatcher()
    events = asyncio.run(ValidateTicketForm().run(dispatcher, tracker, domain))
    return {e["name"]: e["value"] for e in events if e["event"] == "slot"}, texts(dispatcher)


def test_valid_description_is_kept_stripped() -> None:
    assert validate("ticket_description", "  My camera stops recording at night  ") == (
        "My camera stops recording at night",
        [],
    )


@pytest.mark.parametrize(("language", "message"), [("en", "at least 10"), ("zh", "至少 10")])
def test_short_description_is_asked_again(language: str, message: str) -> None:
    value, messages = validate("ticket_description", "broken", language)

    assert value is None
    assert message in messages[0]


def test_description_over_2000_characters_is_asked_again() -> None:
    value, messages = validate("ticket_description", "x" * 2001)

    assert value is None
    assert "2000" in messages[0]


@pytest.mark.parametrize(
    ("text", "product"),
    [
        ("Lumora Cam", "Lumora Cam"),
        ("lumora thermostat", "Lumora Thermostat"),
        ("Lumora 智能中枢", "Lumora Hub"),
        ("Lumora 摄像头", "Lumora Cam"),
        ("Lumora 温控器", "Lumora Thermostat"),
        ("Lumora 门铃", "Lumora Doorbell"),
        ("Lumora App", "Lumora App"),
        ("Lumora 云服务", "Lumora Cloud"),
        ("it's the doorbell", "Lumora Doorbell"),
        ("my camera", "Lumora Cam"),
        ("门铃", "Lumora Doorbell"),
    ],
)
def test_product_maps_to_the_canonical_name(text: str, product: str) -> None:
    assert validate("ticket_product", text) == (product, [])


@pytest.mark.parametrize("text", ["washing machine", "洗衣机", "the app and the camera", ""])
def test_unknown_or_ambiguous_product_is_asked_again(text: str) -> None:
    value, messages = validate("ticket_product", text)

    assert value is None
    assert messages == ["Sorry, I don't know that product. Please pick one of the Lumora products."]


@pytest.mark.parametrize(
    ("text", "email"),
    [
        ("kim@example.com", "kim@example.com"),
        ("  Anna.Lee+lumora@mail.example.org ", "Anna.Lee+lumora@mail.example.org"),
        ("my email is bob@example.co.uk", "bob@example.co.uk"),
        ("我的邮箱是li.wei@example.cn", "li.wei@example.cn"),
    ],
)
def test_valid_email(text: str, email: str) -> None:
    assert validate("contact_email", text) == (email, [])


@pytest.mark.parametrize(
    "text",
    ["not-an-email", "kim@example", "kim@@example.com", "a@b.c", "a@x.com b@y.com", "kim@exa..com"],
)
def test_invalid_email_is_asked_again_saying_it_looked_invalid(text: str) -> None:
    value, messages = validate("contact_email", text)

    assert value is None
    assert messages == ["That email address looks invalid."]


def test_invalid_email_message_in_chinese() -> None:
    assert validate("contact_email", "不知道", "zh") == (None, ["这个邮箱地址似乎无效。"])


def test_find_email_rejects_overlong_addresses() -> None:
    assert find_email("a" * 250 + "@example.com") is None


def test_form_run_rejects_an_invalid_email(domain: dict[str, Any]) -> None:
    slots, messages = run_form_validation(
        domain,
        text="not-an-email",
        intent="deny",
        slots={
            "requested_slot": "contact_email",
            "ticket_description": "The doorbell does not ring",
            "ticket_product": "Lumora Doorbell",
        },
        candidates={"contact_email": "not-an-email"},
    )

    assert slots == {"contact_email": None}
    assert messages == ["That email address looks invalid."]


def test_form_prefills_the_description_after_no_answer(domain: dict[str, Any]) -> None:
    """/open_ticket right after "I couldn't find an answer": the question is the description."""
    slots, messages = run_form_validation(
        domain,
        text="/open_ticket",
        intent="open_ticket",
        slots={"last_question": "can I get a job at lumora", "kb_decision": "no_answer"},
        events_before=[action_event("action_answer_question")],
    )

    assert slots == {"ticket_description": "can I get a job at lumora"}
    assert messages == []


def test_form_prefills_the_description_after_an_unhelpful_answer(
    domain: dict[str, Any],
) -> None:
    slots, _ = run_form_validation(
        domain,
        text="yes",
        intent="affirm",
        slots={"last_question": "the hub keeps dropping off wifi", "kb_decision": "answer"},
        events_before=[
            action_event("action_answer_question"),
            action_event("action_answer_not_helpful"),
        ],
    )

    assert slots == {"ticket_description": "the hub keeps dropping off wifi"}


@pytest.mark.parametrize(
    ("kb_decision", "previous_action"),
    [
        ("no_answer", "utter_greet"),  # a ticket asked for later, about something else
        ("answer", "action_answer_question"),  # "open a ticket" after an answer, not offered
    ],
)
def test_form_does_not_prefill_outside_an_offer(
    domain: dict[str, Any], kb_decision: str, previous_action: str
) -> None:
    slots, _ = run_form_validation(
        domain,
        text="open a ticket",
        intent="open_ticket",
        slots={"last_question": "can I get a job at lumora", "kb_decision": kb_decision},
        events_before=[action_event(previous_action)],
    )

    assert "ticket_description" not in slots


def test_form_does_not_prefill_a_too_short_question(domain: dict[str, Any]) -> None:
    slots, messages = run_form_validation(
        domain,
        text="/open_ticket",
        intent="open_ticket",
        slots={"last_question": "wifi", "kb_decision": "no_answer"},
        events_before=[action_event("action_answer_question")],
    )

    assert slots == {}
    assert messages == []


def test_form_does_not_replace_the_description_once_asking(domain: dict[str, Any]) -> None:
    slots, _ = run_form_validation(
        domain,
        text="Lumora Cam",
        intent="ask_question",
        slots={
            "requested_slot": "ticket_product",
            "ticket_description": "The camera stops recording",
            "last_question": "can I get a job at lumora",
            "kb_decision": "no_answer",
        },
        events_before=[action_event("action_answer_question")],
        candidates={"ticket_product": "Lumora Cam"},
    )

    assert slots == {"ticket_product": "Lumora Cam"}
