"""The value, gaps and experts tabs inside the real console, in headless Chromium.

The real app runs in a thread on a migrated SQLite file with the MiniLM embedder. The data is
made the way production makes it: searches through ``GET /api/v1/kb/search``, "did this help?"
votes and a ticket follow-up through their API routes, experts in the yellow pages (one with a
name that is an HTML injection attempt). Then a knowledge manager, a supervisor and an agent
sign in and each sees the tabs and controls of their role. Screenshots of every tab go to
results/screenshots/console-tab-*.png.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect

from deskmate.app import create_app
from deskmate.auth.models import Role
from deskmate.auth.service import create_token
from deskmate.auth.users import create_user
from knowledge.embedding import Embedder
from tests.experts.factories import add_expert
from tests.knowledge.factories import add_article
from tests.web.console_kit import (
    PASSWORD,
    console_database,
    serve,
    shot,
    sign_in,
    sign_out,
    tab_names,
)
from tests.web.test_chat_page import DESKTOP

EVIL = '<img src=x onerror="window.__pwned=1">'
WIFI = "Connect the camera to Wi-Fi"
REFUND = "Get a refund for Lumora Cloud"
LAWNMOWER = (
    "can I pair the hub with my lawnmower",
    "does the hub work with a robot lawnmower",
    "connect my lawn mower to the Lumora hub",
)
CAKE = "how do I bake a chocolate cake"


@dataclass
class Seeded:
    url: str
    gap_queries: int


def _seed_usage(url: str, token: str) -> int:
    """Searches, votes and a ticket through the API, as the chat and the assistant make them."""
    with httpx.Client(base_url=url, timeout=30) as client:

        def search(q: str) -> dict:
            response = client.get("/api/v1/kb/search", params={"q": q})
            assert response.status_code == 200, response.text
            return response.json()

        def vote(found: dict, helpful: bool) -> None:
            article = found["results"][0]["article_id"]
            response = client.post(
                f"/api/v1/kb/searches/{found['search_id']}/feedback",
                json={"helpful": helpful, "article_id": article},
            )
            assert response.status_code == 201, response.text

        for question in (
            "how do I connect my camera to wifi",
            "camera wifi setup",
            "my camera won't join the wifi",
        ):
            found = search(question)
            assert found["decision"] == "answer" and found["results"][0]["title"] == WIFI
            vote(found, helpful=question != "camera wifi setup")
        refund = search("how do I get a refund for Lumora Cloud")
        assert refund["decision"] == "answer" and refund["results"][0]["title"] == REFUND
        vote(refund, helpful=False)
        ticket = client.post(
            f"/api/v1/kb/searches/{refund['search_id']}/ticket",
            json={"reference": "DM-000042"},
            headers={"Authorization": f"Bearer {token}"},
        )
        assert ticket.status_code == 200, ticket.text
        weak = [search(q) for q in (*LAWNMOWER, CAKE)]
        assert [w["decision"] for w in weak] == ["no_answer"] * 4
    return len(weak)


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory, embedder: Embedder) -> Iterator[Seeded]:
    db = console_database(tmp_path_factory.mktemp("console-tabs"), embedder)
    settings, engine, factory, router = db.settings, db.engine, db.session_factory, db.router
    with factory() as session:
        for email, name, role in (
            ("kim@lumora.test", "Kim Manager", Role.KNOWLEDGE_MANAGER),
            ("sam@lumora.test", "Sam Supervisor", Role.SUPERVISOR),
            ("ann@lumora.test", "Ann Agent", Role.AGENT),
        ):
            create_user(session, email=email, name=name, role=role, password=PASSWORD)
        token = create_token(session, role=Role.INTEGRATION, name="console tabs test")
        add_article(session)
        add_article(
            session,
            external_id="kb-refund",
            title=REFUND,
            body="Refunds for Cloud are paid within 14 days.\n\n## How\n\nAsk in the app.",
            category="billing",
            product="Lumora Cloud",
            tags=["refund"],
        )
        for n in range(24):  # drafts, so the article list has a second page
            add_article(session, publish=False, external_id=f"draft-{n}", title=f"Draft {n:02d}")
        add_expert(session)  # Priya: thermostat wiring
        add_expert(
            session,
            name="Hugo Hubs",
            email="hugo@lumora.test",
            department="Smart home",
            bio="Pairs the Lumora hub with other devices: Zigbee, Matter, garden equipment.",
            skills=[{"skill": "hub pairing", "level": 4}, {"skill": "zigbee", "level": 3}],
            products=["Lumora Hub"],
            languages=["en", "zh"],
            customer_traits=["careful"],
            capacity=5,
        )
        add_expert(
            session,
            name=f"Eve {EVIL}",
            email="eve@lumora.test",
            department="Billing",
            bio="Refunds and invoices.",
            skills=[{"skill": "refunds", "level": 2}],
            products=["Lumora Cloud"],
            languages=["zh"],
            customer_traits=[],
            available=False,
        )
        session.commit()
        router.rebuild(session)
    app = create_app(settings, retriever=router)
    try:
        with serve(app, settings.port) as url:
            yield Seeded(url=url, gap_queries=_seed_usage(url, token))
    finally:
        engine.dispose()


def _watch(page: Page, url: str) -> tuple[list[str], list[str]]:
    errors: list[str] = []
    external: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on(
        "request",
        lambda r: external.append(r.url) if not r.url.startswith((url, "data:")) else None,
    )
    return errors, external


def _open(page: Page, name: str) -> None:
    page.locator("#tabs .tab", has_text=name).click()


def _value_titles(page: Page) -> list[str]:
    return page.locator("table[aria-label='Article value'] tbody .title-link").all_inner_texts()


@pytest.mark.browser
def test_knowledge_manager_uses_value_gaps_and_experts(
    chromium_browser: Browser, seeded: Seeded
) -> None:
    url = seeded.url
    context = chromium_browser.new_context(viewport=DESKTOP)
    page = context.new_page()
    errors, external = _watch(page, url)
    try:
        sign_in(page, url, "kim@lumora.test")
        assert tab_names(page) == ["Articles", "Review queue", "Value", "Gaps", "Experts"]

        # Value: the Wi-Fi article (shown 3, helpful 2, unhelpful 1) is worth more than the
        # refund article (shown 1, unhelpful 1, a ticket after it).
        _open(page, "Value")
        table = page.locator("table[aria-label='Article value']")
        expect(table.locator("tbody tr")).to_have_count(2)
        assert _value_titles(page) == [WIFI, REFUND]
        wifi = table.locator("tr", has_text=WIFI)
        expect(wifi.locator("td").nth(3)).to_have_text("3")  # shown
        expect(wifi.locator("td").nth(5)).to_have_text("2 / 1")  # votes
        refund = table.locator("tr", has_text=REFUND)
        expect(refund.locator("td").nth(7)).to_have_text("1")  # tickets after
        expect(table.locator("th[aria-sort=descending]")).to_contain_text("Value")
        page.get_by_role("button", name="Tickets after").click()
        expect(table.locator("th[aria-sort=descending]")).to_contain_text("Tickets after")
        expect(table.locator("tbody tr").first).to_contain_text(REFUND)
        page.get_by_role("button", name="Tickets after ↓").click()  # again: lowest first
        expect(table.locator("th[aria-sort=ascending]")).to_contain_text("Tickets after")
        expect(table.locator("tbody tr").first).to_contain_text(WIFI)
        page.get_by_role("button", name="Shown").click()
        expect(table.locator("tbody tr").first).to_contain_text(WIFI)
        page.get_by_role("button", name="Settle follow-ups now").click()
        # Nothing is older than the 30-minute follow-up window yet.
        expect(page.locator("[data-tab-panel=value] [role=status]")).to_contain_text(
            "Settled 0 searches"
        )
        shot(page, "tab-value")

        # Gaps: empty until the new weak questions are grouped, then ranked by volume.
        _open(page, "Gaps")
        expect(page.locator(".gap-list .empty")).to_contain_text("No open gaps.")
        page.get_by_role("button", name="Group new questions").click()
        # The four unanswered questions and the answer voted unhelpful ("camera wifi setup");
        # the refund's unhelpful vote was followed by a ticket, which says more than a vote.
        expect(page.locator("[data-tab-panel=gaps] [role=status]")).to_contain_text(
            f"{seeded.gap_queries + 1} new questions grouped: 3 new gaps"
        )
        cards = page.locator(".gap-card")
        expect(cards).to_have_count(3)
        first = cards.first
        expect(first.locator(".gap-volume strong")).to_have_text("3")
        for question in LAWNMOWER:
            expect(first.locator(".examples")).to_contain_text(question)
        expect(cards.nth(1).locator(".gap-volume strong")).to_have_text("1")
        expect(page.locator(".gap-card", has_text="camera wifi setup")).to_be_visible()
        # The picker suggests the hub expert first, with the yellow pages' reasons.
        picker = first.locator("select")
        expect(picker.locator("optgroup[label='Best matches'] option").first).to_contain_text(
            "Hugo Hubs"
        )
        expect(first.locator(".reasons")).to_contain_text("available, load 0/5")
        shot(page, "tab-gaps-open")

        # A clear error when the gap changed under us: task the cake gap through the API
        # first, then try again in the page.
        cake = page.locator(".gap-card", has_text=CAKE)
        cake_id = cake.get_attribute("data-gap")
        csrf = next(c["value"] for c in context.cookies() if c["name"] == "dm_csrf")
        taken = page.request.post(
            f"{url}/api/v1/kb/gaps/{cake_id}/task",
            data={},
            headers={"X-Deskmate-CSRF": csrf},
        )
        assert taken.status == 201, taken.text()
        cake.get_by_role("button", name="Turn into task").click()
        expect(cake.locator(".form-error")).to_contain_text("only open gaps get a task")

        first.get_by_role("button", name="Turn into task").click()
        expect(first.locator(".task-result")).to_contain_text("Assigned to Hugo Hubs")
        expect(first.locator(".task-result .reasons li")).to_contain_text(
            ["chosen by kim@lumora.test", "works on Lumora Hub"]
        )
        page.get_by_label("Gap status").select_option("tasked")
        expect(cards).to_have_count(2)  # the lawnmower and the cake
        expect(page.locator(".gap-card", has_text=LAWNMOWER[0])).to_contain_text(
            "Assigned to Hugo Hubs"
        )
        shot(page, "tab-gaps-tasked")
        # The draft belongs to the expert and opens in the editor.
        page.locator(".gap-card", has_text=LAWNMOWER[0]).get_by_role(
            "link", name="Open the draft"
        ).click()
        expect(page.locator(".meta-line .status-draft")).to_be_visible()
        expect(page.get_by_label("Title")).to_have_value(LAWNMOWER[0])
        expect(page.locator("input[name=owner]")).to_have_value("hugo@lumora.test")

        # Experts: who knows X, with reasons, and availability.
        _open(page, "Experts")
        rows = page.locator("table[aria-label='Experts'] tbody tr")
        expect(rows).to_have_count(3)
        expect(page.locator("table[aria-label='Experts']")).to_contain_text(f"Eve {EVIL}")
        page.get_by_role("button", name="Find").click()
        expect(page.locator(".match-list .form-error")).to_contain_text("Type what")
        page.get_by_label("Who knows").fill("thermostat wiring")
        page.get_by_label("Customer tier").select_option("core")
        page.get_by_role("button", name="Find").click()
        best = page.locator(".match-card").first
        expect(best).to_contain_text("Priya Raman")
        expect(best.locator(".reasons")).to_contain_text("knows wiring (level 3)")
        expect(best.locator(".reasons")).to_contain_text("serves core customers")
        expect(page.locator(".match-card")).to_have_count(3)
        shot(page, "tab-experts")
        hugo = rows.filter(has_text="Hugo Hubs")
        hugo.get_by_role("button", name="Hugo Hubs: available").click()
        expect(hugo.get_by_role("button", name="Hugo Hubs: away")).to_be_visible()
        expect(page.locator("#notice")).to_contain_text("Hugo Hubs is away now.")

        expect(page.locator("img")).to_have_count(0)
        assert page.evaluate("window.__pwned") is None
        assert errors == []
        assert external == [], f"the console must load nothing from other sites: {external}"
    finally:
        context.close()


@pytest.mark.browser
def test_supervisor_reads_and_agent_only_searches_experts(
    chromium_browser: Browser, seeded: Seeded
) -> None:
    url = seeded.url
    context = chromium_browser.new_context(viewport=DESKTOP)
    page = context.new_page()
    errors, _ = _watch(page, url)
    try:
        # A supervisor reads value and gaps but has no settle, grouping or task controls.
        sign_in(page, url, "sam@lumora.test")
        assert tab_names(page) == ["Articles", "Review queue", "Value", "Gaps", "Experts"]
        # The shell's pager: 26 articles (28 after the manager's two gap drafts), 20 a page.
        expect(page.locator("tr.row-link")).to_have_count(20)
        expect(page.locator(".pager")).to_contain_text("Page 1 of 2")
        total = int(page.locator(".panel-head .muted").inner_text().split()[0])
        assert total in (26, 28)
        page.get_by_role("button", name="Next →").click()
        expect(page.locator("tr.row-link")).to_have_count(total - 20)
        expect(page.get_by_role("button", name="Next →")).to_be_disabled()
        _open(page, "Value")
        expect(page.locator("table[aria-label='Article value'] tbody tr")).to_have_count(2)
        expect(page.get_by_role("button", name="Settle follow-ups now")).to_have_count(0)
        _open(page, "Gaps")
        expect(page.get_by_role("button", name="Group new questions")).to_have_count(0)
        page.get_by_label("Gap status").select_option("open")
        # After the manager's test one open gap is left ("camera wifi setup"); alone, none.
        expect(page.locator(".gap-card .hint, .gap-list .empty").first).to_be_visible()
        expect(page.get_by_role("button", name="Turn into task")).to_have_count(0)
        _open(page, "Experts")
        expect(page.locator("table[aria-label='Experts'] tbody tr")).to_have_count(3)
        expect(page.locator("table[aria-label='Experts'] button")).to_have_count(0)
        shot(page, "tab-experts-supervisor")
        sign_out(page)

        # An agent: no value or gaps tabs, and the API refuses them too; the yellow pages work.
        sign_in(page, url, "ann@lumora.test")
        assert tab_names(page) == ["Articles", "Review queue", "Experts"]
        page.goto(f"{url}/console#gaps")  # a typed-in hash falls back to a tab they may see
        expect(page.locator("[data-tab-panel=articles]")).to_be_visible()
        assert page.request.get(f"{url}/api/v1/kb/gaps").status == 403
        assert page.request.get(f"{url}/api/v1/kb/articles/value").status == 403
        _open(page, "Experts")
        page.get_by_label("Who knows").fill("pair the hub with my garden sprinkler")
        page.get_by_role("button", name="Find").click()
        expect(page.locator(".match-card").first).to_contain_text("Hugo Hubs")
        people = page.locator("table[aria-label='Experts']")
        expect(people.locator("button")).to_have_count(0)  # availability is read-only here
        expect(people.locator("tr", has_text="Eve").locator(".badge.off")).to_have_text("away")
        # The list's own filters (the list API's q and available).
        page.get_by_label("Name contains").fill("hugo")
        expect(people.locator("tbody tr")).to_have_count(1)
        expect(people.locator("tbody tr")).to_contain_text("Hugo Hubs")
        page.get_by_label("Name contains").fill("")
        page.get_by_label("Everyone: availability").select_option("true")
        expect(people.locator("tbody .badge.off")).to_have_count(0)  # Eve (away) is gone
        expect(people.locator("tbody tr", has_text="Priya Raman")).to_have_count(1)
        shot(page, "tab-experts-agent")
        assert errors == []
    finally:
        context.close()
