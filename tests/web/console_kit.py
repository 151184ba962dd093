"""Shared pieces of the console browser tests: run the real app in a thread, sign in and out,
take screenshots into results/screenshots/."""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
import uvicorn
from fastapi import FastAPI
from playwright.sync_api import Page, expect
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from deskmate import migrate
from deskmate.db import make_engine, make_session_factory
from deskmate.settings import Settings
from knowledge.embedding import Embedder
from knowledge.retrieval import LanguageRouter, Retriever
from tests.stack import free_port

REPO_ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = REPO_ROOT / "results" / "screenshots"
PASSWORD = "console-test-password"
SECRET = "console-test-secret-0123456789abcdef"


@dataclass
class ConsoleDatabase:
    settings: Settings
    engine: Engine
    session_factory: sessionmaker[Session]
    router: LanguageRouter


def console_database(data_dir: Path, embedder: Embedder) -> ConsoleDatabase:
    """Settings for a test app on a free port, a migrated SQLite file, and a MiniLM router."""
    settings = Settings(
        data_dir=data_dir,
        environment="test",
        port=free_port(),
        rasa_port=9,
        actions_port=9,
        kb_schedule_interval=0,
        secret_key=SECRET,  # type: ignore[arg-type]
    )
    migrate.upgrade(settings.resolved_database_url)
    engine = make_engine(settings.resolved_database_url)
    retriever = Retriever(index_dir=settings.index_dir)
    retriever.use_embedder(embedder)
    router = LanguageRouter({"en": retriever, "zh": retriever}, {"en": 0.45, "zh": 0.45})
    return ConsoleDatabase(settings, engine, make_session_factory(engine), router)


@contextmanager
def serve(app: FastAPI, port: int) -> Iterator[str]:
    """The app under uvicorn in a daemon thread on 127.0.0.1:``port``; yields its URL."""
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            pytest.fail("the console app did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def shot(page: Page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.evaluate("window.scrollTo(0, 0)")  # the sticky top bar belongs at the top of the shot
    page.screenshot(path=str(SCREENSHOTS / f"console-{name}.png"), full_page=True)


def sign_in(page: Page, url: str, email: str) -> None:
    page.goto(f"{url}/console")
    expect(page).to_have_url(re.compile(r"/login\?next="))
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(r"/console"))
    expect(page.locator("#whoami")).to_contain_text(email.split("@")[0].capitalize())


def sign_out(page: Page) -> None:
    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(re.compile(r"/login"))


def tab_names(page: Page) -> list[str]:
    expect(page.locator("#tabs .tab").first).to_be_visible()
    return [name.strip() for name in page.locator("#tabs .tab").all_inner_texts()]
