"""Knowledge rules: answering a query (lifecycle.py keeps articles, importing.py loads them)."""

from __future__ import annotations

import uuid

from sqlalchemy.orm import Session

from deskmate.errors import BadRequest
from knowledge import repository
from knowledge.chunking import lead_paragraph
from knowledge.models import SearchLog
from knowledge.ranking import rank_articles
from knowledge.retrieval import LanguageRouter, query_language
from knowledge.schemas import SearchResponse, SearchResult

MAX_QUERY_CHARS = 1000


def article_url(public_url: str, article_id: uuid.UUID) -> str:
    return f"{public_url}/kb/articles/{article_id}"


def search(
    session: Session,
    *,
    router: LanguageRouter,
    query: str,
    k: int,
    public_url: str,
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
        ),
    )
    session.flush()
    return SearchResponse(query=query, decision=decision, results=results)
