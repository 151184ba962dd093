"""The console tabs of kbinsight (value, gaps, experts) in headless Chromium.

The console shell is written on another branch, so this test loads the three tab scripts into a
minimal page that implements the shell's contract (``window.DeskmateConsole.registerTab`` and an
``api(path, options)`` that throws on errors) and answers the API from Playwright routes with
hostile text, to check that everything renders and nothing from the server becomes markup.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from playwright.sync_api import Browser, Page, Route, expect

from tests.web.test_chat_page import DESKTOP, SCREENSHOTS

TABS = Path(__file__).resolve().parents[2] / "deskmate" / "web" / "static" / "console" / "tabs"
ORIGIN = "http://console.test"
EVIL = '<img src=x onerror="window.__pwned=1">'
ID = "00000000-0000-0000-0000-000000000001"

HARNESS = """<!doctype html><html><head><meta charset="utf-8"><title>tabs</title></head><body>
<nav id="nav"></nav><main id="main"></main>
<script>
window.__calls = [];
window.DeskmateConsole = {
  registerTab(tab) {
    const button = document.createElement("button");
    button.textContent = tab.title; button.id = "tab-" + tab.id;
    button.onclick = () => tab.render(document.getElementById("main"), window.__api);
    document.getElementById("nav").append(button);
  },
};
window.__api = async (path, options = {}) => {
  window.__calls.push([options.method || "GET", path, options.body || null]);
  const response = await fetch(path, options);
  const body = await response.json();
  if (!response.ok) throw new Error(body.detail || body.error);
  return body;
};
</script>
<script src="/static/console/tabs/value.js"></script>
<script src="/static/console/tabs/gaps.js"></script>
<script src="/static/console/tabs/experts.js"></script>
</body></html>"""

EXPERT = {
    "id": ID,
    "name": f"Priya {EVIL}",
    "email": "p@x.y",
    "department": "Climate",
    "bio": "",
    "agent_id": None,
    "skills": [{"skill": "wiring", "level": 5}],
    "products": ["Lumora Thermostat"],
    "languages": ["en"],
    "customer_traits": ["core"],
    "available": True,
    "capacity": 5,
    "load": 1,
}
API: dict[tuple[str, str], Any] = {
    ("GET", "/api/v1/kb/articles/value"): {
        "items": [
            {
                "article_id": ID,
                "title": f"Wi-Fi {EVIL}",
                "category": "connectivity",
                "language": "en",
                "status": "published",
                "shown": 8,
                "answered": 6,
                "helpful": 3,
                "unhelpful": 1,
                "deflections": 4,
                "tickets_after": 1,
                "stale": True,
                "value": 0.3077,
            }
        ],
        "total": 1,
        "page": 1,
        "per_page": 25,
    },
    ("POST", "/api/v1/kb/searches/settle"): {
        "settled": 2,
        "abandoned": 1,
        "deflected": 1,
        "stale_changed": 0,
    },
    ("GET", "/api/v1/kb/gaps"): {
        "items": [
            {
                "id": ID,
                "label": f"weekend schedule {EVIL}",
                "status": "open",
                "volume": 3,
                "examples": ["thermostat weekend schedule", "恒温器怎么设置周末的时间表"],
                "languages": ["en", "zh"],
                "created_at": "2026-01-01T00:00:00Z",
                "closed_at": None,
                "closed_by_article_id": None,
            }
        ],
        "total": 1,
        "page": 1,
        "per_page": 20,
    },
    ("POST", f"/api/v1/kb/gaps/{ID}/task"): {
        "id": ID,
        "gap_id": ID,
        "expert_id": ID,
        "expert_name": "Priya Raman",
        "article_id": ID,
        "status": "open",
        "reasons": ["knows wiring (level 5)", "available, load 1/5"],
    },
    ("GET", "/api/v1/experts"): {"items": [EXPERT], "total": 1, "page": 1, "per_page": 100},
    ("GET", "/api/v1/experts/search"): {
        "query": "wiring",
        "results": [
            {
                "expert_id": ID,
                "name": "Priya Raman",
                "email": "p@x.y",
                "score": 0.78,
                "reasons": [f"knows wiring (level 5) {EVIL}"],
                "available": True,
                "load": 1,
                "capacity": 5,
            }
        ],
    },
    ("PATCH", f"/api/v1/experts/{ID}"): {**EXPERT, "available": False},
}


def _serve(route: Route) -> None:
    request = route.request
    path = request.url.removeprefix(ORIGIN).split("?")[0]
    if path == "/":
        route.fulfill(status=200, content_type="text/html", body=HARNESS)
    elif path.startswith("/static/console/tabs/"):
        route.fulfill(
            status=200,
            content_type="text/javascript",
            body=(TABS / path.rsplit("/", 1)[1]).read_text(encoding="utf-8"),
        )
    elif (request.method, path) in API:
        route.fulfill(
            status=200,
            content_type="application/json",
            body=json.dumps(API[(request.method, path)]),
        )
    else:
        route.fulfill(
            status=404,
            content_type="application/json",
            body=json.dumps({"error": "not_found", "detail": f"no {path}"}),
        )


def _screenshot(page: Page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"))


def test_value_gaps_and_experts_tabs_render_server_text_safely(chromium_browser: Browser) -> None:
    context = chromium_browser.new_context(viewport=DESKTOP)
    context.route(f"{ORIGIN}/**", _serve)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    try:
        page.goto(f"{ORIGIN}/")
        page.click("#tab-value")
        expect(page.locator("main table")).to_contain_text(f"Wi-Fi {EVIL}")
        expect(page.locator("main table")).to_contain_text("0.308")
        page.click("text=Settle follow-ups now")
        expect(page.locator("main [role=status]")).to_contain_text("settled 2")
        _screenshot(page, "console-value")

        page.click("#tab-gaps")
        expect(page.locator("main table")).to_contain_text("恒温器怎么设置周末的时间表")
        page.click("text=Create writing task")
        expect(page.locator("main")).to_contain_text("Assigned to Priya Raman")
        _screenshot(page, "console-gaps")

        page.click("#tab-experts")
        expect(page.locator("main table")).to_contain_text("wiring 5")
        page.fill("input[type=search]", "wiring")
        page.select_option("select[aria-label='Customer tier']", "core")
        page.fill("input[aria-label='Customer needs']", "banking, careful")
        page.click("text=Search")
        expect(page.locator("main")).to_contain_text("knows wiring (level 5)")
        page.click("main button[aria-pressed=true]")
        _screenshot(page, "console-experts")

        calls = page.evaluate("window.__calls")
        assert ["POST", f"/api/v1/kb/gaps/{ID}/task", "{}"] in calls
        assert ["PATCH", f"/api/v1/experts/{ID}", '{"available":false}'] in calls
        assert any(
            c[1].startswith("/api/v1/experts/search?")
            and "customer_tier=core&trait=banking&trait=careful" in c[1]
            for c in calls
        )
        expect(page.locator("main img")).to_have_count(0)
        assert page.evaluate("window.__pwned") is None
        assert errors == []
    finally:
        context.close()
