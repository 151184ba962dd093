from __future__ import annotations

import uuid
from functools import lru_cache
from html import escape
from pathlib import Path as FilePath
from string import Template
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse
from markdown_it import MarkdownIt

from deskmate.deps import SessionDep, SettingsDep
from deskmate.errors import NotFound
from knowledge import service
from knowledge.models import ArticleStatus
from knowledge.retrieval import LanguageRouter
from knowledge.schemas import SearchResponse

router = APIRouter(tags=["knowledge"])
TEMPLATE = (
    FilePath(__file__).resolve().parent.parent / "deskmate" / "web" / "templates" / "article.html"
)
# Article bodies are written by staff, but raw HTML is still switched off: Markdown only.
_markdown = MarkdownIt("commonmark", {"html": False, "linkify": False})


@router.get("/api/v1/kb/search", response_model=SearchResponse)
def search(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    q: Annotated[str, Query(min_length=1, max_length=1000)],
    k: Annotated[int, Query(ge=1, le=50)] = 5,
    conversation_id: Annotated[str | None, Query(max_length=100)] = None,
) -> SearchResponse:
    """Published articles ranked for ``q``, and whether the best one is good enough to answer."""
    router: LanguageRouter = request.app.state.retriever
    result = service.search(
        session,
        router=router,
        query=q,
        k=k,
        public_url=settings.resolved_public_url,
        conversation_id=conversation_id,
    )
    session.commit()  # the query log
    return result


@router.get("/kb/articles/{article_id}", response_class=HTMLResponse, include_in_schema=False)
def article_page(article_id: uuid.UUID, session: SessionDep) -> HTMLResponse:
    article = service.get_article_or_raise(session, article_id=article_id)
    if article.status != ArticleStatus.PUBLISHED:
        raise NotFound(f"No article {article_id}.")
    page = _template().safe_substitute(
        title=_escape(article.title),
        body_html=_markdown.render(article.body),
        category=_escape(article.category),
        product=_escape(article.product or ""),
        updated=article.updated_at.strftime("%Y-%m-%d"),
        language=_escape(article.language),
    )
    return HTMLResponse(page)


@lru_cache(maxsize=1)
def _template() -> Template:
    return Template(TEMPLATE.read_text(encoding="utf-8"))


def _escape(text: str) -> str:
    return escape(text, quote=True)
