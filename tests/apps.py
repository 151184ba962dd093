"""Building the app for API tests: real settings, the test's database transaction, real model."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from bot.assistant import Assistant, RasaRestAssistant
from deskmate.app import create_app
from deskmate.auth.models import Role
from deskmate.auth.service import create_token
from deskmate.settings import Settings
from knowledge.embedding import Embedder
from knowledge.retrieval import LanguageRouter, Retriever

# The web chat identity secret of the `signed_app` fixture (the embedding site signs with it).
WIDGET_SECRET = "widget-secret-for-tests"


def make_app(
    *,
    data_dir: Path,
    session_factory: sessionmaker[Session],
    embedder: Embedder,
    assistant: Assistant | None = None,
    **overrides: object,
) -> FastAPI:
    settings = Settings(
        data_dir=data_dir, environment="test", rasa_port=9, actions_port=9, **overrides
    )  # type: ignore[arg-type]
    retriever = Retriever(index_dir=settings.index_dir)
    retriever.use_embedder(embedder)
    router = LanguageRouter({"en": retriever, "zh": retriever}, {"en": 0.45, "zh": 0.45})
    app = create_app(
        settings,
        # Port 9 (discard) is closed on loopback: "Rasa not running" unless a test says otherwise.
        assistant=assistant or RasaRestAssistant("http://127.0.0.1:9", timeout=2.0),
        retriever=router,
    )
    app.state.session_factory = session_factory
    return app


def token_for(session_factory: sessionmaker[Session], role: Role) -> str:
    with session_factory() as session:
        token = create_token(session, role=role, name=f"test-{role}")
        session.commit()
    return token


def client_for(app: FastAPI) -> TestClient:
    return TestClient(app, raise_server_exceptions=True)
