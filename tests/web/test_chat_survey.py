"""The satisfaction survey arrives in the open chat page without the customer typing, and is
answered with its buttons (headless Chromium against the live stack)."""

from __future__ import annotations

import httpx
import pytest
from playwright.sync_api import Browser, expect

from deskmate.auth.models import Role
from deskmate.auth.service import create_token
from deskmate.db import get_engine, make_session_factory, session_scope
from tests.e2e.helpers import REFERENCE
from tests.stack import LiveStack
from tests.web.test_chat_page import DESKTOP, _screenshot, _send, _wait_for_answer

SURVEY_TIMEOUT_MS = 60_000


def agent_token(live_stack: LiveStack) -> str:
    factory = make_session_factory(get_engine(live_stack.settings.resolved_database_url))
    with session_scope(factory) as session:
        return create_token(session, role=Role.AGENT, name="survey-browser")


@pytest.mark.browser
@pytest.mark.e2e
def test_the_survey_appears_and_is_answered_with_buttons(
    chromium_browser: Browser, live_stack: LiveStack
) -> None:
    context = chromium_browser.new_context(viewport=DESKTOP)
    page = context.new_page()
    page_errors: list[str] = []
    page.on("pageerror", lambda error: page_errors.append(str(error)))
    try:
        page.goto(f"{live_stack.app_url}/")
        bot = page.locator("#messages .message-bot")
        for text in ("/report_fault", "Lumora Hub", "It reboots every hour", "pia@example.com"):
            before = bot.count()
            _send(page, text)
            _wait_for_answer(page, bots_before=before)
        confirmation = bot.last.inner_text()
        match = REFERENCE.search(confirmation)
        assert match is not None, confirmation
        reference = match.group(0)

        # An agent resolves the ticket elsewhere; the customer types nothing.
        headers = {"Authorization": f"Bearer {agent_token(live_stack)}"}
        for status in ("triaged", "resolved"):
            response = httpx.post(
                f"{live_stack.app_url}/api/v1/tickets/{reference}/transitions",
                json={"to": status, "outcome": "fixed", "reason": "Firmware updated"},
                headers=headers,
                timeout=30,
            )
            assert response.status_code == 200, response.text
        survey = bot.filter(has_text=f"Your ticket {reference} has been resolved")
        expect(survey).to_have_count(1, timeout=SURVEY_TIMEOUT_MS)
        expect(survey.locator(".quick-reply")).to_have_text(["1", "2", "3", "4", "5", "Skip"])
        _screenshot(page, "20-survey")

        before = bot.count()
        survey.get_by_role("button", name="4").click()
        _wait_for_answer(page, bots_before=before)
        expect(bot.last).to_contain_text("Anything you'd like to tell us?")
        before = bot.count()
        bot.last.get_by_role("button", name="Skip").click()
        _wait_for_answer(page, bots_before=before)
        expect(bot.last).to_contain_text(f"Thank you for rating {reference} with 4/5!")
        _screenshot(page, "21-rated")
        ticket = httpx.get(
            f"{live_stack.app_url}/api/v1/tickets/{reference}", headers=headers, timeout=30
        ).json()
        assert (ticket["csat"]["rating"], ticket["csat"]["comment"]) == (4, None)
        assert page_errors == []
    finally:
        context.close()
