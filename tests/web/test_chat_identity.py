"""The chat page sends the embedding site's signed identity before the first message, for each
conversation; a page without one sends none. Browser only (Playwright routes answer the API)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Route, expect

STATIC_DIR = Path(__file__).resolve().parents[2] / "deskmate" / "web" / "static"
ORIGIN = "http://deskmate.test"
SIGNATURE = "ab" * 32


class _FakeChatApi:
    def __init__(self, identify_status: int = 200) -> None:
        self.calls: list[tuple[str, dict[str, object]]] = []
        self.identify_status = identify_status

    def handle(self, route: Route) -> None:
        path = route.request.url.removeprefix(ORIGIN).split("?")[0]
        if path == "/":
            route.fulfill(path=str(STATIC_DIR / "index.html"), content_type="text/html")
        elif path.startswith("/static/"):
            route.fulfill(path=str(STATIC_DIR / path.removeprefix("/static/")))
        elif path.startswith("/api/v1/chat/conversations/"):
            route.fulfill(status=404, json={"error": "not_found", "detail": "No conversation."})
        elif path in ("/api/v1/chat/identify", "/api/v1/chat/messages"):
            body = route.request.post_data_json or {}
            self.calls.append((path.rsplit("/", 1)[-1], body))
            if path.endswith("identify"):
                refused = {"error": "identity_refused", "detail": "no"}
                ok = {"conversation_id": body["conversation_id"], "verified": True}
                route.fulfill(
                    status=self.identify_status, json=ok if self.identify_status == 200 else refused
                )
            else:
                reply = {"text": "Hello Mei Lin, welcome back!"}
                route.fulfill(
                    json={"conversation_id": body["conversation_id"], "messages": [reply]}
                )
        else:
            route.fulfill(status=404, body="")


def _open(
    browser: Browser, api: _FakeChatApi, config: object | None
) -> tuple[BrowserContext, Page]:
    context = browser.new_context()
    if config is not None:
        context.add_init_script(f"window.DeskmateChatConfig = {json.dumps(config)};")
    context.route(f"{ORIGIN}/**", api.handle)
    page = context.new_page()
    page.goto(f"{ORIGIN}/")
    return context, page


def _send(page: Page, text: str) -> None:
    box = page.get_by_label("Your message")
    box.fill(text)
    box.press("Enter")
    expect(page.locator("#messages .message.pending")).to_have_count(0)


@pytest.mark.browser
def test_the_signed_identity_goes_first_for_each_conversation(chromium_browser: Browser) -> None:
    api = _FakeChatApi()
    identity = {"email": "mei@example.com", "signature": SIGNATURE}
    context, page = _open(chromium_browser, api, {"identity": identity})
    try:
        _send(page, "hi")
        first_id = page.evaluate("localStorage.getItem('deskmate.conversationId')")
        assert api.calls == [
            ("identify", {"conversation_id": first_id, "identity": identity}),
            ("messages", {"conversation_id": first_id, "text": "hi"}),
        ]
        page.get_by_text("New conversation").click()
        _send(page, "hello again")
        second_id = page.evaluate("localStorage.getItem('deskmate.conversationId')")
        assert second_id != first_id
        assert api.calls[2:] == [
            ("identify", {"conversation_id": second_id, "identity": identity}),
            ("messages", {"conversation_id": second_id, "text": "hello again"}),
        ]
    finally:
        context.close()


@pytest.mark.browser
@pytest.mark.parametrize(
    "config",
    [
        None,
        {},
        {"identity": {"email": "mei@example.com"}},
        {"identity": {"email": "x", "signature": "nothex"}},
    ],
)
def test_no_or_malformed_identity_sends_none(chromium_browser: Browser, config: object) -> None:
    api = _FakeChatApi()
    context, page = _open(chromium_browser, api, config)
    try:
        _send(page, "hi")
        assert [name for name, _ in api.calls] == ["messages"]
    finally:
        context.close()


@pytest.mark.browser
def test_a_refused_identity_does_not_stop_the_chat(chromium_browser: Browser) -> None:
    api = _FakeChatApi(identify_status=403)
    identity = {"email": "mei@example.com", "signature": SIGNATURE}
    context, page = _open(chromium_browser, api, {"identity": identity})
    try:
        _send(page, "hi")
        assert [name for name, _ in api.calls] == ["identify", "messages"]
        expect(page.locator("#messages .system-note.error")).to_have_count(0)
    finally:
        context.close()
