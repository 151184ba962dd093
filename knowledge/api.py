from __future__ import annotations

import uuid
from datetime import date
from functools import lru_cache
from html import escape
from pathlib import Path as FilePath
from string import Template
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse
from markdown_it import MarkdownIt
from sqlalchemy import select

from deskmate.auth.principal import Principal
from deskmate.deps import SessionDep, SettingsDep, require_permission
from deskmate.errors import NotFound
from deskmate.pagination import Page, PageNumber, PageParams, PerPage
from knowledge import lifecycle, repository, service
from knowledge.models import Article, ArticleEvent, ArticleEventKind, ArticleStatus, ArticleVersion
from knowledge.retrieval import LanguageRouter
from knowledge.schemas import (
    ArticleCreate,
    ArticleDiff,
    ArticleEventRead,
    ArticleRead,
    ArticleUpdate,
    ArticleVersionRead,
    PreviewRequest,
    PreviewResponse,
    RejectRequest,
    ReviewComment,
    RollbackRequest,
    ScheduleRequest,
    SearchResponse,
)
from ticketing.listing import page_of, sort_order

router = APIRouter(tags=["knowledge"])
TEMPLATE = (
    FilePath(__file__).resolve().parent.parent / "deskmate" / "web" / "templates" / "article.html"
)
# Article bodies are written by staff, but raw HTML is still switched off: Markdown only.
_markdown = MarkdownIt("commonmark", {"html": False, "linkify": False})

CanRead = Annotated[Principal, Depends(require_permission("kb.articles.read"))]
CanWrite = Annotated[Principal, Depends(require_permission("kb.articles.write"))]
CanReview = Annotated[Principal, Depends(require_permission("kb.articles.review"))]
CanPublish = Annotated[Principal, Depends(require_permission("kb.articles.publish"))]
# The :uuid converter keeps /api/v1/kb/articles/<word> routes (e.g. /value) free for others.
ARTICLE = "/api/v1/kb/articles/{article_id:uuid}"


@router.get("/api/v1/kb/search", response_model=SearchResponse)
def search(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    q: Annotated[str, Query(min_length=1, max_length=1000)],
    k: Annotated[int, Query(ge=1, le=50)] = 5,
    conversation_id: Annotated[str | None, Query(min_length=1, max_length=100)] = None,
    channel: Annotated[str | None, Query(pattern="^[a-z_]{1,20}$")] = None,
) -> SearchResponse:
    """Published articles ranked for ``q``, and the answer policy's decision: answer, clarify
    (``choices`` to offer) or no_answer. ``search_id`` is what feedback refers to."""
    router: LanguageRouter = request.app.state.retriever
    result = service.search(
        session,
        router=router,
        query=q,
        k=k,
        public_url=settings.resolved_public_url,
        conversation_id=conversation_id,
        channel=channel,
        clarify_band=settings.answer_clarify_band,
        margin=settings.answer_margin,
        stale_days=settings.kb_stale_days,
    )
    session.commit()  # the query log
    return result


def _read(article: Article) -> ArticleRead:
    return ArticleRead.model_validate(article)


def _commit_and_index(
    request: Request, session: SessionDep, article: Article, *, was_published: bool
) -> ArticleRead:
    """Commit, then bring the index in line with a fresh session (never before the commit)."""
    session.commit()
    now_published = article.status == ArticleStatus.PUBLISHED
    if now_published or was_published:
        retriever: LanguageRouter = request.app.state.retriever
        with request.app.state.session_factory() as fresh:
            if now_published:
                retriever.article_published(fresh, article_id=article.id)
            else:
                retriever.article_removed(fresh, article_id=article.id)
    return _read(article)


@router.get("/api/v1/kb/articles", response_model=Page[ArticleRead])
def list_articles(
    session: SessionDep,
    _caller: CanRead,
    q: Annotated[str | None, Query(max_length=200)] = None,
    status: ArticleStatus | None = None,
    language: Annotated[str | None, Query(max_length=10)] = None,
    category: Annotated[str | None, Query(max_length=100)] = None,
    stale: bool | None = None,
    sort: Literal["updated", "created", "title", "review_by"] = "updated",
    page: PageNumber = 1,
    per_page: PerPage = 20,
) -> Page[ArticleRead]:
    """Articles in any status: search title/body/external id, filter, sort and page."""
    params = PageParams(page=page, per_page=per_page)
    rows, total = repository.list_articles(
        session,
        text=q.strip() if q else None,
        status=status,
        language=language,
        category=category,
        stale=stale,
        today=date.today(),
        sort=sort,
        offset=params.offset,
        limit=params.per_page,
    )
    return Page[ArticleRead](
        items=[_read(a) for a in rows], total=total, page=page, per_page=per_page
    )


@router.get("/api/v1/kb/categories", response_model=list[str])
def list_categories(session: SessionDep, _caller: CanRead) -> list[str]:
    return repository.categories(session)


@router.post("/api/v1/kb/articles", status_code=201, response_model=ArticleRead)
def create_article(data: ArticleCreate, session: SessionDep, caller: CanWrite) -> ArticleRead:
    article = lifecycle.create_article(session, data=data, actor=caller)
    session.commit()
    return _read(article)


@router.get(ARTICLE, response_model=ArticleRead)
def get_article(article_id: uuid.UUID, session: SessionDep, _caller: CanRead) -> ArticleRead:
    return _read(lifecycle.get_article_or_raise(session, article_id=article_id))


@router.patch(ARTICLE, response_model=ArticleRead)
def update_article(
    article_id: uuid.UUID, data: ArticleUpdate, session: SessionDep, caller: CanWrite
) -> ArticleRead:
    """Edit a draft; ``version`` must be the version you started from (else 409)."""
    article = lifecycle.get_article_or_raise(session, article_id=article_id)
    lifecycle.update_article(session, article=article, data=data, actor=caller)
    session.commit()
    return _read(article)


@router.post(ARTICLE + "/submit", response_model=ArticleRead)
def submit(article_id: uuid.UUID, session: SessionDep, caller: CanWrite) -> ArticleRead:
    article = lifecycle.get_article_or_raise(session, article_id=article_id)
    lifecycle.submit(session, article=article, actor=caller)
    session.commit()
    return _read(article)


@router.post(ARTICLE + "/approve", response_model=ArticleRead)
def approve(
    article_id: uuid.UUID, session: SessionDep, caller: CanReview, data: ReviewComment | None = None
) -> ArticleRead:
    article = lifecycle.get_article_or_raise(session, article_id=article_id)
    lifecycle.approve(
        session, article=article, actor=caller, comment=data.comment if data else None
    )
    session.commit()
    return _read(article)


@router.post(ARTICLE + "/reject", response_model=ArticleRead)
def reject(
    article_id: uuid.UUID, data: RejectRequest, session: SessionDep, caller: CanReview
) -> ArticleRead:
    article = lifecycle.get_article_or_raise(session, article_id=article_id)
    lifecycle.reject(session, article=article, actor=caller, comment=data.comment)
    session.commit()
    return _read(article)


@router.post(ARTICLE + "/publish", response_model=ArticleRead)
def publish(
    request: Request, article_id: uuid.UUID, session: SessionDep, caller: CanPublish
) -> ArticleRead:
    article = lifecycle.get_article_or_raise(session, article_id=article_id)
    lifecycle.publish(session, article=article, actor=caller)
    return _commit_and_index(request, session, article, was_published=False)


@router.post(ARTICLE + "/schedule", response_model=ArticleRead)
def schedule(
    article_id: uuid.UUID, data: ScheduleRequest, session: SessionDep, caller: CanPublish
) -> ArticleRead:
    article = lifecycle.get_article_or_raise(session, article_id=article_id)
    lifecycle.schedule(session, article=article, actor=caller, publish_at=data.publish_at)
    session.commit()
    return _read(article)


@router.post(ARTICLE + "/archive", response_model=ArticleRead)
def archive(
    request: Request, article_id: uuid.UUID, session: SessionDep, caller: CanPublish
) -> ArticleRead:
    article = lifecycle.get_article_or_raise(session, article_id=article_id)
    was_published = article.status == ArticleStatus.PUBLISHED
    lifecycle.archive(session, article=article, actor=caller)
    return _commit_and_index(request, session, article, was_published=was_published)


@router.post(ARTICLE + "/reopen", response_model=ArticleRead)
def reopen(
    request: Request,
    article_id: uuid.UUID,
    session: SessionDep,
    caller: CanWrite,
    data: ReviewComment | None = None,
) -> ArticleRead:
    """Back to draft for changes (from review, published or archived)."""
    article = lifecycle.get_article_or_raise(session, article_id=article_id)
    was_published = article.status == ArticleStatus.PUBLISHED
    lifecycle.reopen(session, article=article, actor=caller, comment=data.comment if data else None)
    return _commit_and_index(request, session, article, was_published=was_published)


@router.post(ARTICLE + "/rollback", response_model=ArticleRead)
def rollback(
    request: Request,
    article_id: uuid.UUID,
    data: RollbackRequest,
    session: SessionDep,
    caller: CanPublish,
) -> ArticleRead:
    article = lifecycle.get_article_or_raise(session, article_id=article_id)
    lifecycle.rollback(session, article=article, actor=caller, version=data.version)
    return _commit_and_index(request, session, article, was_published=True)


@router.get(ARTICLE + "/versions", response_model=Page[ArticleVersionRead])
def versions(
    article_id: uuid.UUID,
    session: SessionDep,
    _caller: CanRead,
    sort: Literal["-version", "version"] = "-version",
    page: PageNumber = 1,
    per_page: PerPage = 20,
) -> Page[ArticleVersionRead]:
    """The saved versions of an article, newest first unless ``sort=version``."""
    lifecycle.get_article_or_raise(session, article_id=article_id)
    return page_of(
        session,
        select(ArticleVersion).where(ArticleVersion.article_id == article_id),
        page=page,
        per_page=per_page,
        order_by=sort_order(sort, {"version": ArticleVersion.version}, ArticleVersion.id),
        read=ArticleVersionRead.model_validate,
    )


@router.get(ARTICLE + "/events", response_model=Page[ArticleEventRead])
def events(
    article_id: uuid.UUID,
    session: SessionDep,
    _caller: CanRead,
    kind: ArticleEventKind | None = None,
    sort: Literal["created", "-created"] = "created",
    page: PageNumber = 1,
    per_page: PerPage = 20,
) -> Page[ArticleEventRead]:
    """What happened to an article (``kind`` to pick one), oldest first unless ``-created``."""
    lifecycle.get_article_or_raise(session, article_id=article_id)
    query = select(ArticleEvent).where(ArticleEvent.article_id == article_id)
    if kind is not None:
        query = query.where(ArticleEvent.kind == kind)
    return page_of(
        session,
        query,
        page=page,
        per_page=per_page,
        order_by=sort_order(sort, {"created": ArticleEvent.created_at}, ArticleEvent.id),
        read=ArticleEventRead.model_validate,
    )


@router.get(ARTICLE + "/diff", response_model=ArticleDiff)
def diff(
    article_id: uuid.UUID,
    session: SessionDep,
    _caller: CanRead,
    from_version: Annotated[int, Query(alias="from", ge=1)],
    to_version: Annotated[int, Query(alias="to", ge=1)],
) -> ArticleDiff:
    article = lifecycle.get_article_or_raise(session, article_id=article_id)
    text = lifecycle.diff(article, from_version=from_version, to_version=to_version)
    return ArticleDiff(from_version=from_version, to_version=to_version, diff=text)


@router.post("/api/v1/kb/preview", response_model=PreviewResponse)
def preview(data: PreviewRequest, _caller: CanWrite) -> PreviewResponse:
    """The HTML the article page would show for this Markdown (raw HTML switched off)."""
    return PreviewResponse(html=_markdown.render(data.body))


@router.get("/kb/articles/{article_id}", response_class=HTMLResponse, include_in_schema=False)
def article_page(article_id: uuid.UUID, session: SessionDep) -> HTMLResponse:
    article = lifecycle.get_article_or_raise(session, article_id=article_id)
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
