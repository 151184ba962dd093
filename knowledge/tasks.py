"""Knowledge jobs: publishing articles whose scheduled time has come; settling follow-ups."""

from __future__ import annotations

import asyncio
import logging
import uuid

from sqlalchemy.orm import Session, sessionmaker

from deskmate.db import session_scope
from knowledge import feedback, lifecycle
from knowledge.retrieval import LanguageRouter

logger = logging.getLogger(__name__)


def publish_due(
    session_factory: sessionmaker[Session], *, router: LanguageRouter | None = None
) -> list[uuid.UUID]:
    """Publish what is due in one transaction, then update the index with a fresh session."""
    with session_scope(session_factory) as session:
        published = lifecycle.publish_due(session)
    if published and router is not None:
        with session_factory() as session:
            for article_id in published:
                router.article_published(session, article_id=article_id)
    if published:
        logger.info("published %d scheduled article(s)", len(published))
    return published


def settle_followups(
    session_factory: sessionmaker[Session], *, window_minutes: int, stale_days: int
) -> feedback.SettleReport:
    """Settle the searches older than the follow-up window (abandoned, deflected, or followed
    by a ticket in their conversation) and refresh staleness, in one transaction. Safe with
    several workers: the searches are claimed with FOR UPDATE SKIP LOCKED on PostgreSQL."""
    with session_scope(session_factory) as session:
        report = feedback.settle(session, window_minutes=window_minutes, stale_days=stale_days)
        feedback.refresh_staleness(session, stale_days=stale_days)
    if report.settled:
        logger.info(
            "settled %d searches: %d abandoned, %d deflections, %d followed by a ticket",
            report.settled,
            report.abandoned,
            report.deflected,
            report.tickets,
        )
    return report


async def publish_due_forever(
    session_factory: sessionmaker[Session], *, router: LanguageRouter, interval: float
) -> None:
    """The embedded scheduler: check every ``interval`` seconds (until cancelled).

    A stand-in for the worker until there is one. Several app processes may run it: on
    PostgreSQL the due rows are claimed with FOR UPDATE SKIP LOCKED, so each is published once.
    """
    while True:
        await asyncio.sleep(interval)
        try:
            await asyncio.to_thread(publish_due, session_factory, router=router)
        except Exception:  # a failed sweep is retried on the next tick, never kills the loop
            logger.exception("scheduled publishing failed")
