"""Checks on the chat page's static files and the article template that need no browser."""

from __future__ import annotations

import re
import string
from html.parser import HTMLParser
from pathlib import Path

import pytest

WEB = Path(__file__).resolve().parents[2] / "deskmate" / "web"
STATIC = WEB / "static"
ARTICLE_TEMPLATE = WEB / "templates" / "article.html"

# Every way a script can turn a string into markup.
HTML_SINKS = re.compile(
    r"\b(innerHTML|outerHTML|insertAdjacentHTML|createContextualFragment|document\.write"
    r"|DOMParser|srcdoc)\b"
)


class _References(HTMLParser):
    """Collects the src/href of every element, and elements by id."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []
        self.by_id: dict[str, dict[str, str | None]] = {}
        self.labels_for: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        for name in ("src", "href"):
            if attributes.get(name):
                self.urls.append(str(attributes[name]))
        if attributes.get("id"):
            self.by_id[str(attributes["id"])] = {"tag": tag, **attributes}
        if tag == "label" and attributes.get("for"):
            self.labels_for.add(str(attributes["for"]))


def _parse(html: str) -> _References:
    parser = _References()
    parser.feed(html)
    return parser


@pytest.mark.parametrize("name", ["index.html", "chat.js", "chat.css"])
def test_static_file_exists_and_is_not_empty(name: str) -> None:
    assert (STATIC / name).read_text(encoding="utf-8").strip()


def test_chat_js_never_turns_strings_into_markup() -> None:
    source = (STATIC / "chat.js").read_text(encoding="utf-8")
    assert HTML_SINKS.findall(source) == []
    assert "eval(" not in source
    assert "new Function" not in source


def test_chat_js_only_links_http_urls() -> None:
    source = (STATIC / "chat.js").read_text(encoding="utf-8")
    # The one place that sets an href must be fed by the protocol check.
    assert source.count(".href =") == 1
    assert re.search(r'url\.protocol === "http:" \|\| url\.protocol === "https:"', source)
    assert 'rel = "noopener' in source


def test_page_loads_nothing_from_other_hosts() -> None:
    refs = _parse((STATIC / "index.html").read_text(encoding="utf-8"))
    assert "/static/chat.js" in refs.urls
    assert "/static/chat.css" in refs.urls
    for url in refs.urls:
        assert url.startswith(("/", "#", "data:")), url
    css = (STATIC / "chat.css").read_text(encoding="utf-8")
    assert "@import" not in css
    assert not re.search(r"url\(\s*['\"]?(https?:)?//", css)


def test_page_is_labelled_for_assistive_technology() -> None:
    refs = _parse((STATIC / "index.html").read_text(encoding="utf-8"))
    assert refs.by_id["messages"]["aria-live"] == "polite"
    assert refs.by_id["message-input"]["tag"] == "textarea"
    assert "message-input" in refs.labels_for


def test_chat_css_uses_a_font_stack_with_cjk_fonts() -> None:
    css = (STATIC / "chat.css").read_text(encoding="utf-8")
    for family in ("system-ui", "PingFang SC", "Microsoft YaHei", "Noto Sans CJK SC"):
        assert family in css


def test_article_template_fills_with_exactly_the_documented_fields() -> None:
    template = string.Template(ARTICLE_TEMPLATE.read_text(encoding="utf-8"))
    assert set(template.get_identifiers()) == {
        "title",
        "body_html",
        "category",
        "product",
        "updated",
        "language",
    }
    assert template.is_valid()
    page = template.substitute(
        title="Reset your hub",
        body_html="<p>Hold the button.</p>",
        category="Hubs",
        product="Lumora Hub",
        updated="2024-05-14",
        language="zh-CN",
    )
    assert '<html lang="zh-CN">' in page
    assert "<p>Hold the button.</p>" in page
    refs = _parse(page)
    assert "/" in refs.urls  # a way back to the chat
    assert "/static/chat.css" in refs.urls
