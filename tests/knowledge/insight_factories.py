"""Helpers for the answer-policy, feedback and gap tests: a test router and an API client."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from knowledge.embedding import Embedder
from knowledge.retrieval import LanguageRouter, Retriever
from tests.apps import client_for, make_app
from tests.knowledge.factories import add_article

REFUND = {
    "external_id": "kb-refund",
    "title": "Get a refund for Lumora Cloud",
    "body": "Refunds for Cloud are paid within 14 days.\n\n## How\n\nAsk in the app.",
    "category": "billing",
    "product": "Lumora Cloud",
}


def make_router(index_dir: Path, embedder: Embedder, threshold: float = 0.45) -> LanguageRouter:
    retriever = Retriever(index_dir=index_dir)
    retriever.use_embedder(embedder)
    return LanguageRouter({"en": retriever, "zh": retriever}, {"en": threshold, "zh": threshold})


def kb_client(
    *,
    data_dir: Path,
    session_factory: sessionmaker[Session],
    embedder: Embedder,
    articles: list[dict[str, Any]],
) -> TestClient:
    """An app over the test's transaction with ``articles`` published and indexed."""
    app = make_app(data_dir=data_dir, session_factory=session_factory, embedder=embedder)
    with session_factory() as session:
        for overrides in articles:
            add_article(session, **overrides)
        app.state.retriever.rebuild(session)
        session.commit()
    return client_for(app)
