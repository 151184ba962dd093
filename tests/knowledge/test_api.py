from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from knowledge.embedding import Embedder
from knowledge.models import Article
from tests.apps import client_for, make_app
from tests.knowledge.factories import add_article


@pytest.fixture
def client(
    data_dir: Path, session_factory: sessionmaker[Session], embedder: Embedder
) -> TestClient:
    app = make_app(data_dir=data_dir, session_factory=session_factory, embedder=embedder)
    with session_factory() as session:
        add_article(
            session,
            body="**Use 2.4 GHz.** <script>alert(1)</script>\n\n## Steps\n\n1. Open the app.",
        )
        add_article(session, external_id="draft", title="Secret draft about wifi", publish=False)
        app.state.retriever.rebuild(session)
        session.commit()
    return client_for(app)


def test_search_returns_ranked_results_with_links(client: TestClient) -> None:
    response = client.get("/api/v1/kb/search", params={"q": "camera wifi setup", "k": 5})
    assert response.status_code == 200
    body = response.json()
    assert body["decision"] == "answer"
    assert [r["title"] for r in body["results"]] == ["Connect the camera to Wi-Fi"]  # no draft
    hit = body["results"][0]
    assert set(hit) >= {"article_id", "title", "score", "snippet", "url"}
    assert hit["url"].endswith(f"/kb/articles/{hit['article_id']}")


@pytest.mark.parametrize(
    "params", [{"q": ""}, {"q": "x" * 1001}, {"q": "ok", "k": 0}, {"q": "ok", "k": 51}, {}]
)
def test_bad_search_parameters_are_422(client: TestClient, params: dict[str, object]) -> None:
    response = client.get("/api/v1/kb/search", params=params)
    assert response.status_code == 422
    assert response.json()["error"] == "validation_error"


def test_the_article_page_renders_markdown_without_raw_html(
    client: TestClient, session_factory: sessionmaker[Session]
) -> None:
    with session_factory() as session:
        published = session.scalar(select(Article).where(Article.external_id == "kb-test-1"))
        draft = session.scalar(select(Article).where(Article.external_id == "draft"))
    assert published is not None and draft is not None
    page = client.get(f"/kb/articles/{published.id}")
    assert page.status_code == 200
    assert "<strong>Use 2.4 GHz.</strong>" in page.text
    assert "<script>alert(1)</script>" not in page.text
    assert client.get(f"/kb/articles/{draft.id}").status_code == 404
    assert client.get("/kb/articles/not-a-uuid").status_code == 422
