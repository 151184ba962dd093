"""The walking skeleton's conversations, end to end: gateway → real Rasa → real actions → app."""

from __future__ import annotations

import re

import httpx
import pytest

from tests.e2e.helpers import REFERENCE, Chat, buttons, texts
from tests.stack import LiveStack

pytestmark = pytest.mark.e2e


def test_the_stack_is_ready(live_stack: LiveStack) -> None:
    ready = httpx.get(f"{live_stack.app_url}/readyz", timeout=10).json()
    assert ready == {
        "status": "ready",
        "checks": {"database": True, "index": True, "rasa": True, "actions": True},
    }


def test_greeting_and_goodbye_in_english_and_chinese(chat: Chat, live_stack: LiveStack) -> None:
    assert re.search(r"[A-Za-z]", texts(chat.say("hello")))
    assert re.search(r"[A-Za-z]", texts(chat.say("bye")))
    chinese = Chat(live_stack)
    assert re.search(r"[\u4e00-\u9fff]", texts(chinese.say("你好")))


def test_how_to_question_gets_an_article_then_did_this_help(chat: Chat) -> None:
    reply = chat.say("how do I connect my camera to wifi")
    answer = texts(reply)
    assert "Read the full article](http" in answer
    url = re.search(r"\((http[^)]+/kb/articles/[0-9a-f-]+)\)", answer)
    assert url is not None
    page = httpx.get(url.group(1), timeout=10)
    assert page.status_code == 200 and "Wi" in page.text
    assert "Did this help?" in answer
    assert buttons(reply) == [("Yes", "/affirm"), ("No", "/deny")]
    assert texts(chat.say("/affirm"))


def test_chinese_question_gets_a_chinese_answer(chat: Chat) -> None:
    reply = texts(chat.say("摄像头连不上Wi-Fi，是不是因为路由器是5GHz"))
    assert "[阅读全文](http" in reply
    assert "这解决您的问题了吗" in reply


def test_no_answer_offers_a_ticket_the_form_validates_and_status_works(
    chat: Chat, live_stack: LiveStack, api_token: str
) -> None:
    # (An unanswerable how-to question: "can I get a job at lumora" is now taken as `inform`
    # by the model, a known NLU weakness; see deskmate bench nlu.)
    offer = chat.say("how do I pair the hub with my lawnmower")
    assert "couldn't find an answer" in texts(offer)
    assert ("Open a ticket", "/open_ticket") in buttons(offer)
    assert ("Find an expert", "/find_expert") in buttons(offer)

    chat.say("/open_ticket")
    # The question that failed is the description; the form goes on with the product.
    chat.say("Lumora Cam")
    invalid = texts(chat.say("not-an-email"))
    assert "looks invalid" in invalid
    done = texts(chat.say("kim@example.com"))
    match = REFERENCE.search(done)
    assert match is not None, done
    reference = match.group(0)
    assert "kim@example.com" in done

    ticket = httpx.get(
        f"{live_stack.app_url}/api/v1/tickets/{reference}",
        headers={"Authorization": f"Bearer {api_token}"},
        timeout=10,
    ).json()
    assert ticket["product"] == "Lumora Cam"
    assert ticket["email"] == "kim@example.com"
    assert ticket["conversation_id"] == chat.conversation_id
    assert ticket["channel"] == "web"
    assert "lawnmower" in ticket["description"]

    status = texts(chat.say(f"what is the status of {reference}"))
    assert reference in status and "new" in status

    # Someone else, in another conversation, learns nothing from the reference alone ...
    stranger = Chat(live_stack)
    refused = texts(stranger.say(f"what is the status of {reference}"))
    assert f"can't find a ticket {reference} of yours" in refused
    assert "**new**" not in refused
    # ... while the customer, back in a new conversation, gets it with the email they used.
    again = Chat(live_stack)
    shown = texts(again.say(f"what is the status of {reference}? my email is kim@example.com"))
    assert reference in shown and "**new**" in shown


def test_opening_a_ticket_directly_asks_for_everything(chat: Chat) -> None:
    chat.say("I want to open a ticket")
    chat.say("My doorbell stopped ringing after the last firmware update")
    chat.say("Lumora Doorbell")
    done = texts(chat.say("lee@example.com"))
    assert REFERENCE.search(done), done


def test_unknown_reference_is_said_to_be_unknown(chat: Chat) -> None:
    reply = texts(chat.say("status of DM-999999"))
    assert "can't find a ticket DM-999999 of yours" in reply


def test_every_customer_message_is_stored(chat: Chat) -> None:
    chat.say("hello")
    chat.say("how do I reset the hub")
    history = chat.client.get(f"/api/v1/chat/conversations/{chat.conversation_id}/messages").json()
    customer = [m["text"] for m in history["messages"] if m["sender"] == "customer"]
    assert customer == ["hello", "how do I reset the hub"]
    assert all(m["delivery"] == "delivered" for m in history["messages"])


def test_bad_input_through_the_real_stack(chat: Chat) -> None:
    too_long = chat.client.post(
        "/api/v1/chat/messages",
        json={"conversation_id": chat.conversation_id, "text": "x" * 20_000},
    )
    assert too_long.status_code == 413
    empty = chat.client.post(
        "/api/v1/chat/messages", json={"conversation_id": chat.conversation_id, "text": ""}
    )
    assert empty.status_code == 422
    history = chat.client.get(f"/api/v1/chat/conversations/{chat.conversation_id}/messages").json()
    assert [m["delivery"] for m in history["messages"]] == ["rejected"]
    assert len(history["messages"][0]["text"]) == 20_000
