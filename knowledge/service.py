"""Knowledge rules: importing and publishing articles, and answering a query."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable
from pathlib import Path

from pydantic import ValidationError
from sqlalchemy.orm import Session

from deskmate.db import utcnow
from deskmate.errors import BadRequest, NotFound
from knowledge import repository
from knowledge.chunking import chunk_article, lead_paragraph
from knowledge.models import Article, ArticleChunk, ArticleStatus, ArticleVersion, SearchLog
from knowledge.ranking import rank_articles
from knowledge.retrieval import LanguageRouter, query_language
from knowledge.schemas import ArticleImport, ImportReport, SearchResponse, SearchResult

MAX_QUERY_CHARS = 1000


def article_url(public_url: str, article_id: uuid.UUID) -> str:
    return f"{public_url}/kb/articles/{article_id}"


def _content(data: ArticleImport) -> dict[str, object]:
    return {
        "title": data.title,
        "body": data.body,
        "category": data.category,
        "product": data.product,
        "tags": data.tags,
        "language": data.language,
    }


def _rechunk(session: Session, article: Article) -> None:
    repository.delete_chunks(session, article.id)
    for ordinal, chunk in enumerate(chunk_article(article.title, article.body)):
        session.add(
            ArticleChunk(
                article_id=article.id, ordinal=ordinal, heading=chunk.heading, text=chunk.text
            )
        )


def publish(session: Session, *, article: Article) -> None:
    article.status = ArticleStatus.PUBLISHED
    article.published_at = utcnow()
    session.flush()
    _rechunk(session, article)
    session.flush()


def upsert_article(
    session: Session, *, data: ArticleImport, publish_now: bool, author: str | None = None
) -> str:
    """Create or update the article with ``data.external_id``; every change is a new version.

    Returns what happened: "created", "updated" or "unchanged".
    """
    content = _content(data)
    article = repository.get_article_by_external_id(session, data.external_id)
    if article is None:
        article = Article(external_id=data.external_id, version=1, **content)
        session.add(article)
        session.flush()
        outcome = "created"
    elif all(getattr(article, key) == value for key, value in content.items()):
        outcome = "unchanged"
    else:
        for key, value in content.items():
            setattr(article, key, value)
        article.version += 1
        outcome = "updated"
    if outcome != "unchanged":
        session.add(
            ArticleVersion(article_id=article.id, version=article.version, author=author, **content)
        )
    if publish_now and (outcome != "unchanged" or article.status != ArticleStatus.PUBLISHED):
        publish(session, article=article)
    elif outcome == "updated" and article.status == ArticleStatus.PUBLISHED:
        _rechunk(session, article)
    session.flush()
    return outcome


def parse_jsonl(lines: Iterable[str]) -> list[ArticleImport]:
    """Parse every line first, so that a bad line stops the import before anything is written."""
    articles: list[ArticleImport] = []
    errors: list[str] = []
    seen: dict[str, int] = {}
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            item = ArticleImport.model_validate(json.loads(line))
        except json.JSONDecodeError as exc:
            errors.append(f"line {number}: invalid JSON ({exc.msg})")
            continue
        except ValidationError as exc:
            problems = "; ".join(
                f"{'.'.join(str(p) for p in err['loc']) or 'line'}: {err['msg']}"
                for err in exc.errors()
            )
            errors.append(f"line {number}: {problems}")
            continue
        if item.external_id in seen:
            errors.append(
                f"line {number}: external_id {item.external_id!r} "
                f"repeats line {seen[item.external_id]}"
            )
            continue
        seen[item.external_id] = number
        articles.append(item)
    if errors:
        raise BadRequest(
            "; ".join(errors[:20]) + (f" (and {len(errors) - 20} more)" if len(errors) > 20 else "")
        )
    return articles


def import_jsonl(
    session: Session, *, path: Path, publish_now: bool, author: str | None = None
) -> ImportReport:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise BadRequest(f"cannot read {path}: {exc}") from exc
    report = ImportReport()
    for item in parse_jsonl(text.splitlines()):
        outcome = upsert_article(session, data=item, publish_now=publish_now, author=author)
        setattr(report, outcome, getattr(report, outcome) + 1)
    if publish_now:
        report.published = repository.count_published(session)
    return report


def get_article_or_raise(session: Session, *, article_id: uuid.UUID) -> Article:
    article = repository.get_article(session, article_id)
    if article is None:
        raise NotFound(f"No article {article_id}.")
    return article


def search(
    session: Session,
    *,
    router: LanguageRouter,
    query: str,
    k: int,
    public_url: str,
    conversation_id: str | None = None,
) -> SearchResponse:
    """Rank published articles for ``query`` and decide whether the best one answers it.

    The query's language picks the retriever (and so the embedder) and the answer threshold.
    """
    query = " ".join(query.split())
    if not query:
        raise BadRequest("The query is empty.")
    if len(query) > MAX_QUERY_CHARS:
        raise BadRequest(f"The query is longer than {MAX_QUERY_CHARS} characters.")
    language = query_language(query)
    threshold = router.thresholds[language]
    ranked = rank_articles(session, router=router, query=query, language=language, k=k)
    results = [
        SearchResult(
            article_id=hit.article_id,
            title=hit.article.title,
            score=round(hit.confidence, 4),
            snippet=lead_paragraph(hit.article.body),
            url=article_url(public_url, hit.article_id),
            category=hit.article.category,
            language=hit.article.language,
        )
        for hit in ranked
    ]
    decision = "answer" if results and results[0].score >= threshold else "no_answer"
    repository.add_search_log(
        session,
        SearchLog(
            query=query,
            language=language,
            decision=decision,
            top_article_id=results[0].article_id if results else None,
            top_score=results[0].score if results else None,
            results=[{"article_id": str(r.article_id), "score": r.score} for r in results],
            conversation_id=conversation_id,
        ),
    )
    session.flush()
    return SearchResponse(query=query, decision=decision, results=results)
