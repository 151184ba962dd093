"""What followed an answer (votes, tickets, nothing), and the value score of each article.

Value score (kept in ``kb_article_stats`` and updated on every event, so it can be sorted in SQL):

    evidence = 2·helpful − 2·unhelpful + deflections − 1.5·tickets_after
    value    = evidence / (shown + 5)  −  (0.25 if stale else 0)

*shown* counts every time the article was put in front of an asker (as the answer or as a
clarify choice); the +5 damps articles seen only a few times towards 0. A *deflection* is an
answer after which no ticket followed within ``kb_followup_minutes`` (decided by ``settle``);
*tickets_after* counts tickets reported as following a search that showed the article. An
article is *stale* when its review-by date has passed or, for articles without one, when it was
last updated more than ``kb_stale_days`` ago.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Literal

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from deskmate.db import utcnow
from deskmate.errors import BadRequest, Conflict, NotFound
from knowledge.models import Article, ArticleStats, SearchLog, SearchOutcome, SearchVote
from ticketing.models import Ticket

HELPFUL_WEIGHT = 2.0
UNHELPFUL_WEIGHT = 2.0
DEFLECTION_WEIGHT = 1.0
TICKET_WEIGHT = 1.5
PRIOR_VIEWS = 5
STALE_PENALTY = 0.25
DEFAULT_STALE_DAYS = 180

ValueSort = Literal["value", "votes", "shown", "tickets", "deflections"]


def value_score(stats: ArticleStats) -> float:
    evidence = (
        HELPFUL_WEIGHT * stats.helpful
        - UNHELPFUL_WEIGHT * stats.unhelpful
        + DEFLECTION_WEIGHT * stats.deflections
        - TICKET_WEIGHT * stats.tickets_after
    )
    value = evidence / (stats.shown + PRIOR_VIEWS)
    if stats.stale:
        value -= STALE_PENALTY
    return round(value, 4)


def is_stale(article: Article, *, now: datetime, stale_days: int) -> bool:
    review_by = getattr(article, "review_by", None)  # the lifecycle's review date, when present
    if isinstance(review_by, datetime):
        return review_by < now
    if isinstance(review_by, date):
        return review_by < now.date()
    return article.updated_at < now - timedelta(days=stale_days)


def _stats(session: Session, article_id: uuid.UUID) -> ArticleStats:
    """The article's stats row, created if missing, locked for the rest of the transaction.

    INSERT … ON CONFLICT DO NOTHING first, so two requests that show a new article at the same
    moment do not collide on the primary key; then SELECT … FOR UPDATE (PostgreSQL) so their
    increments queue up instead of overwriting each other.
    """
    dialect = session.get_bind().dialect.name
    insert = postgresql_insert if dialect == "postgresql" else sqlite_insert
    session.execute(
        insert(ArticleStats)
        .values(
            article_id=article_id,
            shown=0,
            answered=0,
            helpful=0,
            unhelpful=0,
            deflections=0,
            tickets_after=0,
            stale=False,
            value=0.0,
            updated_at=utcnow(),
        )
        .on_conflict_do_nothing(index_elements=["article_id"])
    )
    return session.scalars(
        select(ArticleStats).where(ArticleStats.article_id == article_id).with_for_update()
    ).one()


def bump(
    session: Session,
    *,
    article_id: uuid.UUID,
    stale_days: int = DEFAULT_STALE_DAYS,
    **deltas: int,
) -> ArticleStats:
    """Add ``deltas`` to an article's counters and recompute its staleness and value."""
    stats = _stats(session, article_id)
    for name, delta in deltas.items():
        setattr(stats, name, getattr(stats, name) + delta)
    article = session.get(Article, article_id)
    if article is not None:
        stats.stale = is_stale(article, now=utcnow(), stale_days=stale_days)
    stats.value = value_score(stats)
    session.flush()
    return stats


def record_shown(session: Session, *, log: SearchLog, stale_days: int) -> None:
    """Count the articles a search put in front of the asker."""
    for position, article_id in enumerate(log.choices):
        deltas = {"shown": 1}
        if position == 0 and log.decision == "answer":
            deltas["answered"] = 1
        bump(session, article_id=uuid.UUID(article_id), stale_days=stale_days, **deltas)


def get_search_or_raise(session: Session, *, search_id: uuid.UUID) -> SearchLog:
    log = session.get(SearchLog, search_id)
    if log is None:
        raise NotFound(f"No search {search_id}.")
    return log


def vote(
    session: Session,
    *,
    search_id: uuid.UUID,
    article_id: uuid.UUID,
    helpful: bool,
    stale_days: int = DEFAULT_STALE_DAYS,
) -> SearchVote:
    """Record "did this help?" for an article the search showed. One vote per search: a second
    one is refused (409), so a reload or a double click cannot count twice."""
    log = get_search_or_raise(session, search_id=search_id)
    if str(article_id) not in log.choices:
        raise BadRequest(f"Article {article_id} was not shown for search {search_id}.")
    if session.scalar(select(SearchVote).where(SearchVote.search_id == search_id)) is not None:
        raise Conflict(f"Search {search_id} already has a vote.", code="already_voted")
    entry = SearchVote(search_id=search_id, article_id=article_id, helpful=helpful)
    session.add(entry)
    if log.outcome != SearchOutcome.TICKET_OPENED:  # a ticket says more than a vote
        log.outcome = SearchOutcome.HELPFUL if helpful else SearchOutcome.UNHELPFUL
        log.outcome_at = utcnow()
    bump(
        session,
        article_id=article_id,
        stale_days=stale_days,
        **({"helpful": 1} if helpful else {"unhelpful": 1}),
    )
    session.flush()
    return entry


def vote_in_conversation(
    session: Session,
    *,
    conversation_id: str,
    helpful: bool,
    article_id: uuid.UUID | None = None,
    window_minutes: int,
    stale_days: int = DEFAULT_STALE_DAYS,
) -> SearchVote:
    """ "Did this help?" answered in a chat: a vote on the latest search of the conversation
    that showed articles (within the follow-up window). The assistant knows the conversation,
    not the search id. ``article_id`` picks among a clarify's choices; default: the first."""
    since = utcnow() - timedelta(minutes=window_minutes)
    log = session.scalars(
        select(SearchLog)
        .where(SearchLog.conversation_id == conversation_id, SearchLog.created_at >= since)
        .order_by(SearchLog.created_at.desc(), SearchLog.id.desc())
        .limit(20)
    ).first()
    if log is None or not log.choices:
        raise NotFound(
            f"No article was shown in conversation {conversation_id} in the last "
            f"{window_minutes} minutes."
        )
    chosen = article_id if article_id is not None else uuid.UUID(log.choices[0])
    return vote(
        session, search_id=log.id, article_id=chosen, helpful=helpful, stale_days=stale_days
    )


def ticket_followed(
    session: Session,
    *,
    search_id: uuid.UUID,
    reference: str,
    stale_days: int = DEFAULT_STALE_DAYS,
) -> SearchLog:
    """A ticket was opened after this search. Repeating the same reference changes nothing;
    a different reference for the same search is a conflict."""
    log = get_search_or_raise(session, search_id=search_id)
    if log.ticket_reference is not None:
        if log.ticket_reference == reference:
            return log
        raise Conflict(
            f"Search {search_id} is already followed by ticket {log.ticket_reference}.",
            code="already_followed",
        )
    log.ticket_reference = reference
    log.outcome = SearchOutcome.TICKET_OPENED
    log.outcome_at = utcnow()
    for position, article_id in enumerate(log.choices):
        deltas = {"tickets_after": 1}
        if position == 0 and log.deflected:  # settled as a deflection before the ticket came
            deltas["deflections"] = -1
        bump(session, article_id=uuid.UUID(article_id), stale_days=stale_days, **deltas)
    log.deflected = False
    session.flush()
    return log


@dataclass
class SettleReport:
    settled: int = 0
    abandoned: int = 0
    deflected: int = 0
    tickets: int = 0  # searches found to be followed by a ticket in the same conversation


def ticket_in_conversation(session: Session, *, log: SearchLog, window: timedelta) -> str | None:
    """The ticket opened in the search's conversation within ``window`` after it, before any
    later search of that conversation (the later search is what the ticket followed).

    This is how tickets the assistant opens are tied to the answer that did not help: the
    assistant searches and opens tickets with the conversation id, and the sweep matches them.
    """
    if log.conversation_id is None:
        return None
    ticket = session.scalars(
        select(Ticket)
        .where(
            Ticket.conversation_id == log.conversation_id,
            Ticket.created_at >= log.created_at,
            Ticket.created_at <= log.created_at + window,
        )
        .order_by(Ticket.created_at, Ticket.number)
        .limit(1)
    ).first()
    if ticket is None:
        return None
    later_search = session.scalar(
        select(func.count())
        .select_from(SearchLog)
        .where(
            SearchLog.conversation_id == log.conversation_id,
            SearchLog.created_at > log.created_at,
            SearchLog.created_at < ticket.created_at,
        )
    )
    return None if later_search else ticket.reference


def settle(
    session: Session,
    *,
    window_minutes: int,
    stale_days: int = DEFAULT_STALE_DAYS,
    now: datetime | None = None,
    limit: int = 1000,
) -> SettleReport:
    """The follow-up sweep (a job): searches older than the window are settled once.

    A ticket opened in the search's conversation within the window counts as following it
    (``ticket_in_conversation``) unless one was reported already. No follow-up at all →
    outcome ``abandoned``; an answer with no ticket → a deflection for the answering article
    (a helpful vote and a deflection are not exclusive).
    """
    now = now or utcnow()
    window = timedelta(minutes=window_minutes)
    cutoff = now - window
    logs = session.scalars(
        select(SearchLog)
        .where(SearchLog.settled_at.is_(None), SearchLog.created_at < cutoff)
        .order_by(SearchLog.created_at)
        .limit(limit)
        .with_for_update(skip_locked=True)
    ).all()
    report = SettleReport()
    for log in logs:
        if log.ticket_reference is None and log.conversation_id is not None:
            reference = ticket_in_conversation(session, log=log, window=window)
            if reference is not None:
                ticket_followed(
                    session, search_id=log.id, reference=reference, stale_days=stale_days
                )
                report.tickets += 1
        log.settled_at = now
        report.settled += 1
        if log.outcome is None:
            log.outcome = SearchOutcome.ABANDONED
            log.outcome_at = now
            report.abandoned += 1
        if log.decision == "answer" and log.ticket_reference is None and log.choices:
            log.deflected = True
            report.deflected += 1
            bump(
                session, article_id=uuid.UUID(log.choices[0]), stale_days=stale_days, deflections=1
            )
    session.flush()
    return report


def refresh_staleness(session: Session, *, stale_days: int) -> int:
    """Re-evaluate staleness (time passes without events); returns how many rows changed."""
    changed = 0
    now = utcnow()
    rows = session.execute(select(ArticleStats, Article).join(Article)).all()
    for stats, article in rows:
        stale = is_stale(article, now=now, stale_days=stale_days)
        if stale != stats.stale:
            stats.stale = stale
            stats.value = value_score(stats)
            changed += 1
    session.flush()
    return changed


_SORTS = {
    "value": ArticleStats.value,
    "votes": ArticleStats.helpful + ArticleStats.unhelpful,
    "shown": ArticleStats.shown,
    "tickets": ArticleStats.tickets_after,
    "deflections": ArticleStats.deflections,
}


def list_value(
    session: Session,
    *,
    sort: ValueSort = "value",
    descending: bool = True,
    offset: int = 0,
    limit: int = 20,
) -> tuple[list[tuple[ArticleStats, Article]], int]:
    key = _SORTS[sort]
    order = key.desc() if descending else key.asc()
    rows = session.execute(
        select(ArticleStats, Article)
        .join(Article, Article.id == ArticleStats.article_id)
        .order_by(order, Article.title)
        .offset(offset)
        .limit(limit)
    ).all()
    total = int(session.scalar(select(func.count()).select_from(ArticleStats)) or 0)
    return [(stats, article) for stats, article in rows], total
