"""The customer chat page, driven in headless Chromium.

`test_chat_page_against_live_stack` goes through the real stack (app + Rasa + actions) via the
`live_stack` fixture. `test_bot_text_is_rendered_safely` needs only the browser: it serves the
static files and answers the chat API from Playwright routes, so the bot can be made to say
exactly the hostile things a real assistant might echo back.
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import unquote

import pytest
from playwright.sync_api import Browser, Page, Route, ViewportSize, expect

REPO_ROOT = Path(__file__).resolve().parents[2]
STATIC_DIR = REPO_ROOT / "deskmate" / "web" / "static"
SCREENSHOTS = REPO_ROOT / "var" / "screenshots"

DESKTOP = ViewportSize(width=1280, height=800)
MOBILE = ViewportSize(width=390, height=844)
# The first answer from a cold Rasa server can take a while.
REPLY_TIMEOUT_MS = 60_000


def _screenshot(page: Page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"chat-{name}.png"))


def _transcript(page: Page) -> list[tuple[str, str, int, tuple[str, ...], tuple[str, ...]]]:
    """(kind, text, line breaks, link targets, button titles) for every message, in order."""
    rows = page.locator("#messages .message").evaluate_all(
        """items => items.map(li => {
            const bubble = li.querySelector('.bubble');
            return [
                li.classList.contains('message-customer') ? 'customer'
                  : li.classList.contains('message-agent') ? 'agent' : 'bot',
                bubble ? bubble.textContent : '',
                bubble ? bubble.querySelectorAll('br').length : 0,
                Array.from(li.querySelectorAll('.bubble a'), a => a.href),
                Array.from(li.querySelectorAll('.quick-reply'), b => b.textContent),
            ];
        })"""
    )
    return [
        (kind, text, brs, tuple(links), tuple(titles)) for kind, text, brs, links, titles in rows
    ]


def _send(page: Page, text: str) -> None:
    box = page.get_by_label("Your message")
    box.fill(text)
    box.press("Enter")


def _wait_for_answer(page: Page, *, bots_before: int) -> None:
    """The customer's bubble stops being pending once the reply has been rendered with it."""
    expect(page.locator("#messages .message.pending")).to_have_count(0, timeout=REPLY_TIMEOUT_MS)
    expect(page.locator("#typing")).to_be_hidden()
    expect(page.locator("#messages .system-note.error")).to_have_count(0)
    assert page.locator("#messages .message-bot").count() > bots_before


@pytest.mark.browser
@pytest.mark.e2e
def test_chat_page_against_live_stack(chromium_browser: Browser, live_stack) -> None:
    context = chromium_browser.new_context(viewport=DESKTOP)
    page = context.new_page()
    page_errors: list[str] = []
    page.on("pageerror", lambda error: page_errors.append(str(error)))
    try:
        page.goto(f"{live_stack.app_url}/")
        expect(page.get_by_role("button", name="Send")).to_be_enabled()
        expect(page.locator("#welcome")).to_be_visible()
        conversation_id = page.evaluate("localStorage.getItem('deskmate.conversationId')")
        assert conversation_id, "the page must keep its conversation id in localStorage"
        _screenshot(page, "01-empty")

        # A greeting gets a bot reply.
        _send(page, "hello")
        customer = page.locator("#messages .message-customer")
        bot = page.locator("#messages .message-bot")
        expect(customer.last).to_contain_text("hello")
        _wait_for_answer(page, bots_before=0)
        expect(page.get_by_label("Your message")).to_have_value("")
        expect(page.get_by_label("Your message")).to_be_focused()
        _screenshot(page, "02-hello")

        # A how-to question gets an answer with a link and Yes/No buttons.
        bots_before = bot.count()
        _send(page, "how do I connect my camera to wifi")
        _wait_for_answer(page, bots_before=bots_before)
        link = page.locator("#messages .message-bot .bubble a").last
        expect(link).to_be_visible()
        expect(link).to_have_attribute("href", re.compile(r"^https?://"))
        expect(link).to_have_attribute("target", "_blank")
        expect(link).to_have_attribute("rel", re.compile(r"\bnoopener\b"))
        choices = page.locator("#messages .quick-replies").last
        yes = choices.get_by_role("button", name="Yes", exact=True)
        expect(yes).to_be_enabled()
        expect(choices.get_by_role("button", name="No", exact=True)).to_be_enabled()
        _screenshot(page, "03-howto")

        # Clicking "Yes" shows the title (not the payload) as the customer's message.
        bots_before = bot.count()
        yes.click()
        expect(customer.last.locator(".bubble")).to_have_text("You: Yes")
        expect(yes).to_be_disabled()
        expect(choices.get_by_role("button", name="No", exact=True)).to_be_disabled()
        _wait_for_answer(page, bots_before=bots_before)
        expect(yes).to_be_disabled()
        _screenshot(page, "04-after-yes")

        # The whole conversation survives a reload.
        before_reload = _transcript(page)
        assert [row[1] for row in before_reload if row[0] == "customer"] == [
            "You: hello",
            "You: how do I connect my camera to wifi",
            "You: Yes",
        ]
        page.reload()
        expect(page.locator("#messages .message")).to_have_count(len(before_reload))
        assert _transcript(page) == before_reload
        assert page.evaluate("localStorage.getItem('deskmate.conversationId')") == conversation_id
        expect(page.locator("#messages .message-bot .bubble a").first).to_be_visible()
        expect(page.locator("#welcome")).to_be_hidden()
        _screenshot(page, "05-reloaded")

        # Too long: the API's own explanation appears inline and nothing typed is lost.
        too_long = ("My camera keeps dropping off the network. " * 100)[:4100]
        messages_before = page.locator("#messages .message").count()
        box = page.get_by_label("Your message")
        box.fill(too_long)
        expect(page.locator("#char-counter")).to_contain_text("too long")
        with page.expect_response(lambda r: r.url.endswith("/api/v1/chat/messages")) as refused:
            page.get_by_role("button", name="Send").click()
        assert refused.value.status == 413
        detail = refused.value.json()["detail"]
        note = page.locator("#messages .system-note.error")
        expect(note).to_have_text(detail)
        expect(box).to_have_value(too_long)
        expect(page.locator("#messages .message")).to_have_count(messages_before)
        expect(page.get_by_role("button", name="Send")).to_be_enabled()
        _screenshot(page, "06-too-long")

        page.set_viewport_size(MOBILE)
        note.scroll_into_view_if_needed()
        _screenshot(page, "07-mobile")
        assert page_errors == []
    finally:
        context.close()


# ---- Browser-only: the renderer under hostile input --------------------------------------

FAKE_ORIGIN = "http://deskmate.test"
HOSTILE_REPLY = (
    "**Bold** then [guide](https://help.example/guide?a=1&b=2) and https://help.example/faq.\n"
    '[evil](javascript:alert(1)) <img src=x onerror="window.__pwned=1"> '
    "<script>window.__pwned=1</script> [data](data:text/html,<b>x</b>)"
)


def _serve_static_and_fake_api(route: Route) -> None:
    path = route.request.url.removeprefix(FAKE_ORIGIN).split("?")[0]
    if path == "/":
        route.fulfill(path=str(STATIC_DIR / "index.html"), content_type="text/html")
    elif path.startswith("/static/"):
        route.fulfill(path=str(STATIC_DIR / path.removeprefix("/static/")))
    elif path.startswith("/api/v1/chat/conversations/"):
        route.fulfill(status=404, json={"error": "not_found", "detail": "No conversation."})
    elif path == "/api/v1/chat/messages":
        body = route.request.post_data_json or {}
        route.fulfill(
            json={
                "conversation_id": body["conversation_id"],
                "messages": [
                    {"text": HOSTILE_REPLY},
                    {"text": "Did that help?", "buttons": [{"title": "Yes", "payload": "/affirm"}]},
                ],
            }
        )
    else:
        route.fulfill(status=404, body="")


@pytest.mark.browser
def test_bot_text_is_rendered_safely(chromium_browser: Browser) -> None:
    context = chromium_browser.new_context(viewport=DESKTOP)
    context.route(f"{FAKE_ORIGIN}/**", _serve_static_and_fake_api)
    page = context.new_page()
    page_errors: list[str] = []
    page.on("pageerror", lambda error: page_errors.append(str(error)))
    try:
        page.goto(f"{FAKE_ORIGIN}/")
        _send(page, "<b>not bold</b>")
        bubble = page.locator("#messages .message-bot .bubble").first
        expect(bubble).to_contain_text("<img src=x")

        # The customer's own markup is shown as typed.
        expect(page.locator("#messages .message-customer .bubble")).to_have_text(
            "You: <b>not bold</b>"
        )
        expect(page.locator("#messages .message-customer b")).to_have_count(0)

        expect(bubble.locator("strong")).to_have_text("Bold")
        expect(bubble.locator("br")).to_have_count(1)
        hrefs = bubble.locator("a").evaluate_all("links => links.map(a => a.href)")
        assert hrefs == ["https://help.example/guide?a=1&b=2", "https://help.example/faq"]
        expect(bubble.locator("img, script")).to_have_count(0)
        expect(bubble).to_contain_text("[evil](javascript:alert(1))")
        assert page.evaluate("window.__pwned") is None
        # Served over plain http, so the id comes from the getRandomValues fallback.
        conversation_id = page.evaluate("localStorage.getItem('deskmate.conversationId')")
        assert len(conversation_id) == 36
        assert page_errors == []
    finally:
        context.close()


# ---- Browser-only: a person's replies and the assistant's return arrive without a reload ----


class _FakeHandoffServer:
    """The chat API of a conversation that a person takes over, stored as the app stores it."""

    def __init__(self) -> None:
        self.messages: list[dict[str, object]] = []
        self.clock = 0
        self.polls_with_cursor: list[str] = []

    def add(self, sender: str, text: str) -> None:
        self.clock += 1
        stamp = f"2026-11-23T10:00:{self.clock:02d}+00:00"
        self.messages.append(
            {
                "sender": sender,
                "text": text,
                "buttons": [],
                "delivery": "delivered",
                "created_at": stamp,
            }
        )

    def handle(self, route: Route) -> None:
        url = route.request.url.removeprefix(FAKE_ORIGIN)
        path, _, query = url.partition("?")
        if path == "/":
            route.fulfill(path=str(STATIC_DIR / "index.html"), content_type="text/html")
        elif path.startswith("/static/"):
            route.fulfill(path=str(STATIC_DIR / path.removeprefix("/static/")))
        elif path == "/api/v1/chat/messages":
            body = route.request.post_data_json or {}
            self.add("customer", body["text"])
            self.add("bot", "I'm handing you over to a colleague.")
            route.fulfill(
                json={
                    "conversation_id": body["conversation_id"],
                    "messages": [{"text": "I'm handing you over to a colleague.", "buttons": []}],
                }
            )
        elif path.startswith("/api/v1/chat/conversations/"):
            if not self.messages:
                route.fulfill(status=404, json={"error": "not_found", "detail": "No conversation."})
                return
            after = None
            if query.startswith("after="):
                after = unquote(query.removeprefix("after="))
                self.polls_with_cursor.append(after)
            rows = [m for m in self.messages if after is None or str(m["created_at"]) > after]
            route.fulfill(json={"conversation_id": "c", "messages": rows})
        else:
            route.fulfill(status=404, body="")


@pytest.mark.browser
def test_agent_replies_and_the_handback_appear_without_a_reload(
    chromium_browser: Browser,
) -> None:
    server = _FakeHandoffServer()
    context = chromium_browser.new_context(viewport=DESKTOP)
    context.route(f"{FAKE_ORIGIN}/**", server.handle)
    page = context.new_page()
    try:
        page.goto(f"{FAKE_ORIGIN}/")
        _send(page, "I want to talk to a human")
        expect(page.locator("#messages .message-bot")).to_have_count(1)

        server.add("agent", "Hi, I'm Sam from support. How can I help?")
        agent = page.locator("#messages .message-agent .bubble")
        expect(agent).to_have_text(
            "Support agent: Hi, I'm Sam from support. How can I help?", timeout=10_000
        )

        server.add("bot", "The assistant is back. Is there anything else I can help you with?")
        expect(page.locator("#messages .message-bot")).to_have_count(2, timeout=10_000)
        expect(page.locator("#messages .message-bot .bubble").last).to_contain_text(
            "The assistant is back."
        )
        # The reply to the customer's own message was not shown twice, and polls ask only for
        # what is newer than what the page has.
        expect(page.locator("#messages .message-bot .bubble").first).to_contain_text(
            "handing you over"
        )
        assert server.polls_with_cursor
        assert page.locator("#messages .message-agent").count() == 1
    finally:
        context.close()
