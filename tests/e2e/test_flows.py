"""Issue 5's flows end to end: gateway → real Rasa → real actions → app (one live stack)."""

from __future__ import annotations

import httpx
import pytest

from tests.e2e.helpers import REFERENCE, Chat, buttons, texts
from tests.stack import LiveStack

pytestmark = pytest.mark.e2e


def ticket(live_stack: LiveStack, token: str, reference: str) -> dict[str, object]:
    response = httpx.get(
        f"{live_stack.app_url}/api/v1/tickets/{reference}",
        headers={"Authorization": f"Bearer {token}"},
        timeout=10,
    )
    assert response.status_code == 200, response.text
    body: dict[str, object] = response.json()
    return body


def reference_in(reply: str) -> str:
    match = REFERENCE.search(reply)
    assert match is not None, reply
    return match.group(0)


def test_fault_report_with_a_question_in_the_middle(
    chat: Chat, live_stack: LiveStack, api_token: str
) -> None:
    asked = texts(chat.say("/report_fault"))
    assert "Which product" in asked
    # A question in the middle is answered, then the form asks for the product again.
    interrupted = texts(chat.say("/ask_question"))
    assert "Which product" in interrupted
    assert "What's wrong with it?" in texts(chat.say("Lumora Hub"))
    assert "email" in texts(chat.say("It does not power on at all since Monday"))
    done = texts(chat.say("pat@example.com"))
    found = ticket(live_stack, api_token, reference_in(done))
    assert (found["type"], found["product"]) == ("fault", "Lumora Hub")


def test_complaint_in_chinese_records_category_and_product(
    chat: Chat, live_stack: LiveStack, api_token: str
) -> None:
    assert "投诉的是哪方面" in texts(chat.say("我要投诉"))
    # The customer clicks the buttons (their payloads carry the value as an entity).
    assert "涉及哪个产品" in texts(chat.say('/inform{"category": "billing"}'))
    chat.say('/inform{"product": "Lumora Cloud"}')
    chat.say("五月份云服务被重复扣费了两次")
    done = texts(chat.say("wang@example.cn"))
    assert "投诉已记录" in done
    found = ticket(live_stack, api_token, reference_in(done))
    assert (found["type"], found["category"], found["product"], found["language"]) == (
        "complaint",
        "billing",
        "Lumora Cloud",
        "zh",
    )


def test_contact_details_are_not_asked_again_and_suggestion_has_no_product(
    chat: Chat, live_stack: LiveStack, api_token: str
) -> None:
    chat.say("/update_contact")
    chat.say("sam@example.org")
    saved = texts(chat.say("+44 7700 900123"))
    assert "sam@example.org" in saved and "+447700900123" in saved

    chat.say("/suggest")
    chat.say("Please add a dark mode to all your apps")
    # No email question afterwards: it is known already.
    done = texts(chat.say('/inform{"product": "no product"}'))
    found = ticket(live_stack, api_token, reference_in(done))
    assert (found["type"], found["product"], found["category"], found["email"]) == (
        "suggestion",
        None,
        "general",
        "sam@example.org",
    )
    assert "+447700900123" in str(found["description"])


def test_cancel_at_any_point(chat: Chat) -> None:
    chat.say("/report_fault")
    chat.say("Lumora Cam")
    assert "OK, no ticket was opened." in texts(chat.say("/cancel"))
    assert "describe the problem" in texts(chat.say("/open_ticket"))


def test_expert_lookup_without_yellow_pages_offers_a_ticket(chat: Chat) -> None:
    reply = chat.say("/find_expert")
    assert "Shall I open a ticket" in texts(reply)
    assert ("Open a ticket", "/open_ticket") in buttons(reply)


def test_handoff_silence_agent_reply_and_handback(
    chat: Chat, live_stack: LiveStack, api_token: str
) -> None:
    chat.say("/inform")
    chat.say("kim@example.com")
    handed = texts(chat.say("/talk_to_human"))
    reference = reference_in(handed)
    assert "handing you over" in handed

    agent = {"Authorization": f"Bearer {api_token}"}
    detail = httpx.get(
        f"{live_stack.app_url}/api/v1/conversations/{chat.conversation_id}",
        headers=agent,
        timeout=10,
    ).json()
    assert detail["ticket_reference"] == reference
    assert "talk_to_human" in detail["intents"]
    assert "Handoff to a person" in str(ticket(live_stack, api_token, reference)["description"])

    silent = chat.client.post(
        "/api/v1/chat/messages",
        json={"conversation_id": chat.conversation_id, "text": "hello? is someone there?"},
    )
    assert silent.status_code == 200 and silent.json()["messages"] == []

    posted = httpx.post(
        f"{live_stack.app_url}/api/v1/conversations/{chat.conversation_id}/messages",
        json={"text": "Hi, this is Sam."},
        headers=agent,
        timeout=10,
    )
    assert posted.status_code == 201
    back = httpx.post(
        f"{live_stack.app_url}/api/v1/conversations/{chat.conversation_id}/handback",
        headers=agent,
        timeout=30,
    ).json()
    assert "The assistant is back" in texts(back["messages"])
    history = chat.client.get(f"/api/v1/chat/conversations/{chat.conversation_id}/messages").json()[
        "messages"
    ]
    assert [m["sender"] for m in history][-3:] == ["customer", "agent", "bot"]
    # The assistant answers again.
    assert "Goodbye" in texts(chat.say("/goodbye"))
