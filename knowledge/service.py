"""Knowledge rules: answering a query (lifecycle.py keeps articles, importing.py loads them)."""

from __future__ import annotations

import uuid

from sqlalchemy.orm import Session

from deskmate.errors import BadRequest
from knowledge import feedback, policy, repository
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
    conversation_id: str | None = None,
    channel: str | None = None,
    clarify_band: float | None = None,
    margin: float | None = None,
    stale_days: int = feedback.DEFAULT_STALE_DAYS,
) -> SearchResponse:
    """Rank published articles for ``query``, apply the answer policy, and log the query.

    The query's language picks the retriever (and so the embedder) and the default thresholds;
    the best candidate's category picks the thresholds row (``knowledge.policy``). The log row's
    id is returned as ``search_id`` so that a vote or a ticket that follows can refer to it.
    """
    query = " ".join(query.split())
    if not query:
        raise BadRequest("The query is empty.")
    if len(query) > MAX_QUERY_CHARS:
        raise BadRequest(f"The query is longer than {MAX_QUERY_CHARS} characters.")
    language = query_language(query)
    ranked = rank_articles(session, router=router, query=query, language=language, k=k)
    fallback = policy.default_thresholds(
        router.thresholds[language], band=clarify_band, margin=margin
    )
    thresholds = policy.thresholds_for(
        session,
        category=ranked[0].article.category if ranked else None,
        language=language,
        fallback=fallback,
    )
    outcome = policy.decide(ranked, thresholds)
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
    log = SearchLog(
        query=query,
        language=language,
        decision=outcome.decision.value,
        top_article_id=ranked[0].article_id if ranked else None,
        top_score=round(ranked[0].confidence, 4) if ranked else None,
        results=[
            {
                "article_id": str(hit.article_id),
                "score": round(hit.score, 4),
                "confidence": round(hit.confidence, 4),
            }
            for hit in ranked
        ],
        choices=[str(hit.article_id) for hit in outcome.choices],
        conversation_id=conversation_id,
        channel=channel,
    )
    repository.add_search_log(session, log)
    session.flush()
    feedback.record_shown(session, log=log, stale_days=stale_days)
    return SearchResponse(
        query=query,
        decision=outcome.decision.value,
        results=results,
        choices=[hit.article_id for hit in outcome.choices],
        search_id=log.id,
    )
