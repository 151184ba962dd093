"""Issue 5 points 4-6 and "add information" end to end: gateway → real Rasa → real actions →
app, on one live stack (the survey sender runs in the app, every few seconds)."""

from __future__ import annotations

import time
import uuid
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from bot.identify import sign
from deskmate.db import get_engine, make_session_factory, session_scope
from knowledge.models import ArticleStats, SearchLog, SearchVote
from tests.e2e.helpers import REFERENCE, Chat, texts
from tests.stack import E2E_WIDGET_SECRET, LiveStack
from ticketing.customers.models import Customer, CustomerTier

pytestmark = pytest.mark.e2e


def api(live_stack: LiveStack, token: str, method: str, path: str, **kwargs: Any) -> Any:
    response = httpx.request(
        method,
        f"{live_stack.app_url}{path}",
        headers={"Authorization": f"Bearer {token}"},
        timeout=30,
        **kwargs,
    )
    assert response.is_success, response.text
    return response.json()


def reference_in(reply: str) -> str:
    match = REFERENCE.search(reply)
    assert match is not None, reply
    return match.group(0)


def report_fault(chat: Chat, email: str, description: str = "It reboots every hour") -> str:
    chat.say("/report_fault")
    chat.say("Lumora Hub")
    chat.say(description)
    return reference_in(texts(chat.say(email)))


def add_customer(live_stack: LiveStack, *, name: str, tier: CustomerTier) -> str:
    email = f"{name.split()[0].lower()}-{uuid.uuid4().hex[:8]}@example.com"
    factory = make_session_factory(get_engine(live_stack.settings.resolved_database_url))
    with session_scope(factory) as session:
        session.add(Customer(name=name, email=email, language="en", tier=tier))
    return email


def quietly(chat: Chat, text: str) -> list[dict[str, Any]]:
    """Says something that may get no reply (a person has the conversation)."""
    response = chat.client.post(
        "/api/v1/chat/messages", json={"conversation_id": chat.conversation_id, "text": text}
    )
    assert response.status_code == 200, response.text
    messages: list[dict[str, Any]] = response.json()["messages"]
    return messages


def identify(chat: Chat, email: str, signature: str) -> httpx.Response:
    body = {
        "conversation_id": chat.conversation_id,
        "identity": {"email": email, "signature": signature},
    }
    return chat.client.post("/api/v1/chat/identify", json=body)


def test_a_typed_email_reveals_nothing_and_raises_no_priority(
    chat: Chat, live_stack: LiveStack, api_token: str
) -> None:
    email = add_customer(live_stack, name="Mei Lin", tier=CustomerTier.CORE)
    # The real customer has an open ticket, opened in a signed-in session of their own.
    own = Chat(live_stack)
    identify(own, email, sign(E2E_WIDGET_SECRET, email)).raise_for_status()
    theirs = report_fault(own, email, description="The camera is offline since Monday")

    # Someone else types Mei's email into the form: the ticket attaches to her record for staff,
    # but her tier does not raise it...
    reference = report_fault(chat, email)
    ticket = api(live_stack, api_token, "GET", f"/api/v1/tickets/{reference}")
    assert (ticket["customer_tier"], ticket["priority"]) == ("core", "normal")
    assert "core customer" not in str(ticket["events"])
    # ...and the chat does not greet them as Mei nor show her tickets.
    greeting = texts(chat.say("/greet"))
    assert "Mei" not in greeting
    assert theirs not in greeting and reference not in greeting


def test_a_signed_in_customer_is_greeted_by_name_with_open_tickets(
    chat: Chat, live_stack: LiveStack, api_token: str
) -> None:
    email = add_customer(live_stack, name="Mei Lin", tier=CustomerTier.CORE)
    response = identify(chat, email, sign(E2E_WIDGET_SECRET, email))
    assert response.status_code == 200, response.text
    reference = report_fault(chat, email)
    ticket = api(live_stack, api_token, "GET", f"/api/v1/tickets/{reference}")
    # The verified customer's tier raised the priority; nobody mentioned it in the chat.
    assert (ticket["customer_tier"], ticket["priority"]) == ("core", "high")
    assert "core customer" in str(ticket["events"])

    greeting = texts(chat.say("/greet"))
    assert "Hello Mei Lin, welcome back!" in greeting
    assert f"{reference} (Lumora Hub, new)" in greeting

    # A general customer's ticket keeps the normal priority.
    other = Chat(live_stack)
    plain = report_fault(other, f"gen-{uuid.uuid4().hex[:8]}@example.com")
    plain_ticket = api(live_stack, api_token, "GET", f"/api/v1/tickets/{plain}")
    assert (plain_ticket["customer_tier"], plain_ticket["priority"]) == ("general", "normal")


def test_a_forged_identity_is_refused_and_the_visitor_stays_a_stranger(
    chat: Chat, live_stack: LiveStack
) -> None:
    email = add_customer(live_stack, name="Mei Lin", tier=CustomerTier.CORE)
    owner = Chat(live_stack)
    identify(owner, email, sign(E2E_WIDGET_SECRET, email)).raise_for_status()
    report_fault(owner, email)

    forged = identify(chat, email, sign("a-guessed-secret", email))
    assert forged.status_code == 403
    assert "signature does not match" in forged.json()["detail"]
    greeting = texts(chat.say("/greet"))
    assert "Mei" not in greeting and "DM-" not in greeting


def test_information_is_added_to_the_customers_own_ticket_only(
    chat: Chat, live_stack: LiveStack, api_token: str
) -> None:
    reference = report_fault(chat, f"ann-{uuid.uuid4().hex[:8]}@example.com")
    chat.say("/add_ticket_info")
    chat.say(reference)
    added = texts(chat.say("It also beeps twice before it reboots"))
    assert f"I've added that to your ticket {reference}" in added
    ticket = api(live_stack, api_token, "GET", f"/api/v1/tickets/{reference}")
    assert [(m["author_kind"], m["body"]) for m in ticket["messages"]] == [
        ("customer", "It also beeps twice before it reboots")
    ]

    # Someone else, in Chinese, naming the same reference: refused, nothing added.
    stranger = Chat(live_stack)
    stranger.say("/add_ticket_info")
    stranger.say(reference)
    stranger.say("晚上九点以后它会断线")
    refused = texts(stranger.say("wang@example.cn"))
    assert f"没有找到属于您的工单 {reference}" in refused
    again = api(live_stack, api_token, "GET", f"/api/v1/tickets/{reference}")
    assert len(again["messages"]) == 1


def test_repeated_failure_hands_over_then_silence_and_handback(
    chat: Chat, live_stack: LiveStack, api_token: str
) -> None:
    first = texts(chat.say("how do I pair the hub with my lawnmower"))
    assert "couldn't find an answer" in first
    assert "Read the full article" in texts(chat.say("how do I connect my camera to wifi"))
    handed = texts(chat.say("/deny"))  # "didn't help": the second failed turn
    assert "I'm handing you over to a colleague" in handed
    reference = reference_in(handed)

    detail = api(live_stack, api_token, "GET", f"/api/v1/conversations/{chat.conversation_id}")
    assert detail["reason"] == "repeated_failure"
    assert detail["ticket_reference"] == reference
    assert any(a.get("score") for a in detail["articles"])  # what was tried, with scores
    assert "deny" in detail["intents"] and "ask_question" in detail["intents"]
    assert quietly(chat, "hello?") == []  # the assistant stays silent

    back = api(
        live_stack, api_token, "POST", f"/api/v1/conversations/{chat.conversation_id}/handback"
    )
    assert "The assistant is back" in texts(back["messages"])
    assert "Goodbye" in texts(chat.say("/goodbye"))


def votes_of(live_stack: LiveStack, conversation_id: str) -> list[tuple[bool, int, int]]:
    """(helpful, the article's helpful count, its unhelpful count) of each vote in the chat."""
    factory = make_session_factory(get_engine(live_stack.settings.resolved_database_url))
    with session_scope(factory) as session:
        rows = session.execute(
            select(SearchVote.helpful, ArticleStats.helpful, ArticleStats.unhelpful)
            .join(SearchLog, SearchLog.id == SearchVote.search_id)
            .join(ArticleStats, ArticleStats.article_id == SearchVote.article_id)
            .where(SearchLog.conversation_id == conversation_id)
        )
        return [(bool(a), int(b), int(c)) for a, b, c in rows]


def test_a_helpful_answer_between_failures_starts_the_count_again(
    chat: Chat, live_stack: LiveStack
) -> None:
    assert "couldn't find an answer" in texts(chat.say("how do I pair the hub with my lawnmower"))
    assert "Read the full article" in texts(chat.say("how do I connect my camera to wifi"))
    chat.say("/affirm")  # it helped: a success, and a helpful vote on the article
    assert [helpful for helpful, _, _ in votes_of(live_stack, chat.conversation_id)] == [True]
    # Two failed turns so far, but not in a row: no handoff yet.
    again = texts(chat.say("how do I pair the hub with my lawnmower"))
    assert "couldn't find an answer" in again and "handing you over" not in again
    # The second failure in a row hands over.
    handed = texts(chat.say("how do I pair the hub with my lawnmower"))
    assert "I'm handing you over to a colleague" in handed


def test_a_chat_no_is_an_unhelpful_vote_on_the_article(chat: Chat, live_stack: LiveStack) -> None:
    answer = texts(chat.say("how do I connect my camera to wifi"))
    assert "Read the full article" in answer
    assert votes_of(live_stack, chat.conversation_id) == []
    reply = texts(chat.say("/deny"))  # "didn't help": one failed turn, no handoff yet
    assert "handing you over" not in reply
    ((helpful, _, unhelpful),) = votes_of(live_stack, chat.conversation_id)
    assert helpful is False and unhelpful >= 1


def wait_for_survey(chat: Chat, marker: str, timeout: float = 60.0) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        history = chat.client.get(f"/api/v1/chat/conversations/{chat.conversation_id}/messages")
        for message in history.json()["messages"]:
            if message["sender"] == "bot" and marker in message["text"]:
                found: dict[str, Any] = message
                return found
        time.sleep(1)
    raise AssertionError(f"no survey in the conversation after {timeout:.0f} s")


def resolve(live_stack: LiveStack, token: str, reference: str) -> None:
    for status in ("triaged", "resolved"):
        api(
            live_stack,
            token,
            "POST",
            f"/api/v1/tickets/{reference}/transitions",
            json={"to": status, "outcome": "fixed", "reason": "Firmware updated"},
        )


def test_a_resolved_ticket_is_rated_in_the_chat(
    chat: Chat, live_stack: LiveStack, api_token: str
) -> None:
    reference = report_fault(chat, f"rosa-{uuid.uuid4().hex[:8]}@example.com")
    resolve(live_stack, api_token, reference)

    survey = wait_for_survey(chat, f"Your ticket {reference} has been resolved")
    assert [b["payload"] for b in survey["buttons"]] == ["1", "2", "3", "4", "5", "skip"]
    assert "Please rate from 1 to 5" in texts(chat.say("7"))
    assert "Anything you'd like to tell us?" in texts(chat.say("4 stars"))
    assert f"Thank you for rating {reference} with 4/5!" in texts(chat.say("Quick fix, thanks"))
    ticket = api(live_stack, api_token, "GET", f"/api/v1/tickets/{reference}")
    assert (ticket["csat"]["rating"], ticket["csat"]["comment"]) == (4, "Quick fix, thanks")
    assert [e["kind"] for e in ticket["events"]].count("csat_requested") == 1


def test_a_survey_in_chinese_with_the_comment_skipped(
    chat: Chat, live_stack: LiveStack, api_token: str
) -> None:
    chat.say("你好")
    chat.say("/report_fault")
    chat.say('/inform{"product": "Lumora Cam"}')
    chat.say("摄像头晚上经常自动重启")
    reference = reference_in(texts(chat.say(f"li-{uuid.uuid4().hex[:8]}@example.cn")))
    resolve(live_stack, api_token, reference)

    wait_for_survey(chat, f"您的工单 {reference} 已解决")
    assert "还有什么想告诉我们的吗" in texts(chat.say("五分"))
    assert f"感谢您为工单 {reference} 打了 5 分" in texts(chat.say("跳过"))
    ticket = api(live_stack, api_token, "GET", f"/api/v1/tickets/{reference}")
    assert (ticket["csat"]["rating"], ticket["csat"]["comment"]) == (5, None)


def test_a_serious_complaint_goes_to_a_person_and_comes_back(
    chat: Chat, live_stack: LiveStack, api_token: str
) -> None:
    assert "投诉的是哪方面" in texts(chat.say("我要投诉"))
    chat.say('/inform{"category": "product"}')
    chat.say('/inform{"product": "Lumora Hub"}')
    chat.say("充电时智能中枢冒烟了，还有烧焦的味道，太危险了")
    done = texts(chat.say(f"zhao-{uuid.uuid4().hex[:8]}@example.cn"))
    reference = reference_in(done)
    detail = api(live_stack, api_token, "GET", f"/api/v1/conversations/{chat.conversation_id}")
    assert (detail["reason"], detail["ticket_reference"]) == ("complaint", reference)
    assert quietly(chat, "有人吗？") == []  # a person has it: the assistant is silent
    back = api(
        live_stack, api_token, "POST", f"/api/v1/conversations/{chat.conversation_id}/handback"
    )
    assert "智能助手回来了" in texts(back["messages"])
