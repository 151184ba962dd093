"""The knowledge console in headless Chromium: an author writes and submits an article, a
knowledge manager approves and publishes it, and the knowledge search finds it.

The app runs in a thread (uvicorn on a free loopback port) on a migrated SQLite file, with the
real MiniLM embedder; screenshots go to results/screenshots/console-*.png.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect

from deskmate.app import create_app
from deskmate.auth.models import Role
from deskmate.auth.users import create_user
from deskmate.db import make_engine, make_session_factory
from knowledge.embedding import Embedder
from tests.knowledge.factories import add_article
from tests.web.console_kit import PASSWORD, console_database, serve, shot, sign_in, sign_out
from tests.web.test_chat_page import DESKTOP

TITLE = "Pair the Lumora doorbell with the chime"
BODY = (
    "The chime pairs with the doorbell over 868 MHz, no Wi-Fi needed.\n\n"
    "## Steps\n\n1. Hold the chime's button for **5 seconds**.\n2. Press the doorbell once.\n"
    "3. The chime plays a tune when it is paired.\n\n<script>alert('x')</script>"
)


@dataclass
class ConsoleServer:
    url: str


@pytest.fixture(scope="module")
def console_server(
    tmp_path_factory: pytest.TempPathFactory, embedder: Embedder
) -> Iterator[ConsoleServer]:
    db = console_database(tmp_path_factory.mktemp("console"), embedder)
    settings, engine, factory, router = db.settings, db.engine, db.session_factory, db.router
    with factory() as session:
        create_user(
            session, email="ann@lumora.test", name="Ann Author", role=Role.AGENT, password=PASSWORD
        )
        create_user(
            session,
            email="kim@lumora.test",
            name="Kim Manager",
            role=Role.KNOWLEDGE_MANAGER,
            password=PASSWORD,
        )
        add_article(session)  # one published article, so search has something else to rank
        add_article(
            session,
            external_id="old",
            title="Old router guide",
            publish=False,
            review_by="2020-01-01",
        )
        session.commit()
        router.rebuild(session)
    app = create_app(settings, retriever=router)
    try:
        with serve(app, settings.port) as url:
            yield ConsoleServer(url=url)
    finally:
        engine.dispose()


@pytest.mark.browser
def test_author_writes_reviewer_approves_manager_publishes(
    chromium_browser: Browser,
    console_server: ConsoleServer,
) -> None:
    url = console_server.url
    context = chromium_browser.new_context(viewport=DESKTOP)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    external: list[str] = []
    page.on(
        "request",
        lambda request: (
            external.append(request.url) if not request.url.startswith((url, "data:")) else None
        ),
    )
    try:
        # A wrong password is shown as an error on the form.
        page.goto(f"{url}/login")
        page.get_by_label("E-mail").fill("ann@lumora.test")
        page.get_by_label("Password").fill("wrong password")
        page.get_by_role("button", name="Sign in").click()
        expect(page.locator("#login-error")).to_contain_text("Wrong e-mail or password")
        shot(page, "01-login-error")

        # The author: list, filters, then a new article with a live preview.
        sign_in(page, url, "ann@lumora.test")
        rows = page.locator("tr.row-link")
        expect(rows).to_have_count(2)
        page.get_by_label("Staleness").select_option("true")
        expect(rows).to_have_count(1)
        expect(rows.first).to_contain_text("Old router guide")
        expect(rows.first.locator(".badge.stale")).to_be_visible()
        shot(page, "02-list-stale")
        page.get_by_label("Staleness").select_option("")
        expect(rows).to_have_count(2)

        page.get_by_role("button", name="New article").click()
        page.get_by_label("Title").fill(TITLE)
        page.get_by_label("Category").fill("devices")
        page.get_by_label("Product").fill("Lumora Bell")
        page.get_by_label("Tags").fill("doorbell, chime")
        page.get_by_label("Body (Markdown)").fill(BODY)
        preview = page.locator(".preview")
        expect(preview.locator("h2")).to_have_text("Steps")
        expect(preview.locator("strong")).to_have_text("5 seconds")
        expect(preview).to_contain_text("<script>alert('x')</script>")  # shown as text
        expect(preview.locator("script")).to_have_count(0)
        shot(page, "03-editor-preview")
        page.get_by_role("button", name="Create draft").click()
        expect(page).to_have_url(re.compile(r"#articles/[0-9a-f-]{36}$"))
        expect(page.locator(".meta-line .status-draft")).to_be_visible()

        # A second save makes version 2 (for the diff later), then submit.
        page.get_by_label("Body (Markdown)").fill(BODY.replace("5 seconds", "8 seconds"))
        page.get_by_role("button", name="Save", exact=True).click()
        expect(page.locator(".meta-line")).to_contain_text("version 2 by ann@lumora.test")
        page.get_by_role("button", name="Submit for review").click()
        expect(page.locator(".meta-line .status-in_review")).to_be_visible()
        # The author cannot approve their own work (the API refuses it too, see test_lifecycle).
        expect(page.get_by_role("button", name="Approve")).to_be_disabled()
        expect(page.locator(".hint", has_text="someone else must review it")).to_be_visible()
        expect(page.locator(".preview h2")).to_have_text("Steps")
        shot(page, "04-submitted-self-review-refused")
        sign_out(page)

        # The knowledge manager reviews and publishes from the queue.
        sign_in(page, url, "kim@lumora.test")
        page.get_by_role("link", name="Review queue").click()
        card = page.locator(".review-card", has_text=TITLE)
        expect(card).to_be_visible()
        expect(card.locator(".preview strong")).to_have_text("8 seconds")
        shot(page, "05-review-queue")
        card.get_by_label(f"Review comment for {TITLE}").fill("Checked against the manual.")
        card.get_by_role("button", name="Approve").click()
        expect(card.locator(".badge.approved")).to_contain_text("kim@lumora.test")
        card.get_by_role("button", name="Publish now").click()
        expect(page.locator("#notice")).to_contain_text("Published")
        expect(page.locator(".review-card", has_text=TITLE)).to_have_count(0)

        # The knowledge search finds it at once.
        found = httpx.get(f"{url}/api/v1/kb/search", params={"q": "pair my doorbell chime"})
        assert found.status_code == 200
        assert found.json()["results"][0]["title"] == TITLE

        # History: versions, the diff between them, and the activity with the comment.
        page.get_by_role("link", name="Articles").click()
        page.locator("tr.row-link", has_text=TITLE).click()
        expect(page.locator(".meta-line .status-published")).to_be_visible()
        expect(page.locator(".preview h2")).to_have_text("Steps")  # read-only, still previewed
        page.get_by_role("button", name="Show diff").click()
        expect(page.locator(".diff .diff-del")).to_contain_text(["5 seconds"])
        expect(page.locator(".diff .diff-add")).to_contain_text(["8 seconds"])
        events = page.locator(".events li")
        expect(events.first).to_contain_text("published")
        expect(page.locator(".events")).to_contain_text("Checked against the manual.")
        shot(page, "06-published-history-diff")

        # Roll back to version 1: a new version 3 with the old text, served at once.
        page.get_by_role("button", name="Roll back to v1").click()
        expect(page.locator(".meta-line")).to_contain_text("version 3 by kim@lumora.test")
        expect(page.get_by_label("Body (Markdown)")).to_have_value(BODY)
        public = httpx.get(f"{url}/kb/articles/{page.url.rsplit('/', 1)[1]}")
        assert public.status_code == 200 and "5 seconds" in public.text

        # Archive: gone from answers at once.
        page.get_by_role("button", name="Archive").click()
        expect(page.locator(".meta-line .status-archived")).to_be_visible()
        gone = httpx.get(f"{url}/api/v1/kb/search", params={"q": "pair my doorbell chime"})
        assert TITLE not in [r["title"] for r in gone.json()["results"]]
        shot(page, "07-archived")
        assert errors == []
        assert external == [], f"the console must load nothing from other sites: {external}"
    finally:
        context.close()


SPRINKLER_TITLE = "Set a rain delay on the Lumora Sprinkler"
SPRINKLER_BODY = (
    "A rain delay pauses every watering schedule of the Lumora Sprinkler for 24, 48 or 72 "
    "hours, then resumes them on its own.\n\n## Steps\n\n1. Open the Sprinkler in the app.\n"
    "2. Tap **Rain delay** and pick how long.\n3. To end it early, tap **Resume watering**."
)


def _write_and_submit(page: Page, title: str, body: str) -> None:
    page.get_by_role("button", name="New article").click()
    page.get_by_label("Title").fill(title)
    page.get_by_label("Category").fill("devices")
    page.get_by_label("Body (Markdown)").fill(body)
    page.get_by_role("button", name="Create draft").click()
    expect(page.locator(".meta-line .status-draft")).to_be_visible()
    page.get_by_role("button", name="Submit for review").click()
    expect(page.locator(".meta-line .status-in_review")).to_be_visible()


def _approve_and_publish(page: Page, title: str) -> None:
    page.get_by_role("link", name="Review queue").click()
    card = page.locator(".review-card", has_text=title)
    card.get_by_role("button", name="Approve").click()
    expect(card.locator(".badge.approved")).to_be_visible()
    card.get_by_role("button", name="Publish now").click()
    # Publishing waits for the index update, which re-embeds with both embedders here.
    expect(page.locator("#notice")).to_contain_text("Published", timeout=120_000)


@pytest.mark.browser
@pytest.mark.e2e
def test_a_published_article_answers_in_the_web_chat(
    chromium_browser: Browser,
    live_stack,
) -> None:
    url = live_stack.app_url
    engine = make_engine(live_stack.settings.resolved_database_url)
    with make_session_factory(engine)() as session:
        for email, name, role in (
            ("writer@lumora.test", "Wendy Writer", Role.EXPERT),
            ("manager@lumora.test", "Max Manager", Role.KNOWLEDGE_MANAGER),
        ):
            create_user(session, email=email, name=name, role=role, password=PASSWORD)
        session.commit()
    engine.dispose()
    question = "how do I set a rain delay on my sprinkler"
    before = httpx.get(f"{url}/api/v1/kb/search", params={"q": question}).json()
    assert SPRINKLER_TITLE not in [r["title"] for r in before["results"]]

    context = chromium_browser.new_context(viewport=DESKTOP)
    page = context.new_page()
    try:
        page.goto(f"{url}/console")
        page.get_by_label("E-mail").fill("writer@lumora.test")
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        _write_and_submit(page, SPRINKLER_TITLE, SPRINKLER_BODY)
        sign_out(page)
        page.get_by_label("E-mail").fill("manager@lumora.test")
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        _approve_and_publish(page, SPRINKLER_TITLE)

        page.goto(f"{url}/")
        box = page.get_by_label("Your message")
        box.fill(question)
        box.press("Enter")
        answer = page.locator("#messages .message-bot .bubble", has_text=SPRINKLER_TITLE)
        expect(answer).to_be_visible(timeout=60_000)
        found = httpx.get(f"{url}/api/v1/kb/search", params={"q": question}).json()
        assert found["results"][0]["title"] == SPRINKLER_TITLE
        link = page.locator("#messages .message-bot .bubble a").last
        expect(link).to_have_attribute("href", found["results"][0]["url"])
        shot(page, "08-chat-answers-with-the-new-article")
    finally:
        context.close()
