"""Satisfaction surveys in the channel a ticket came from.

A ticket that reaches a status of category `resolved`, was opened from a conversation and has
neither a rating nor a `csat_requested` event is due for a survey. The sender triggers
EXTERNAL_ticket_resolved (with the ticket reference) in that conversation, stores what the
assistant says there (the web chat page polls it; other channels push it, see bot.outbound) and
appends `csat_requested` to the ticket's event log, which is what makes it "asked" — derived from
the log, nothing extra stored. On PostgreSQL the due tickets are claimed with
FOR UPDATE SKIP LOCKED, so several app processes ask each customer once.

Skipped for now (tried again next round): a conversation a person has (the assistant is silent
then), and an assistant that cannot be reached.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass

from sqlalchemy import exists, select
from sqlalchemy.orm import Session, sessionmaker

from bot import handoff
from bot.assistant import Assistant, AssistantUnavailable
from bot.outbound import send_unprompted
from deskmate.errors import NotFound
from ticketing import events
from ticketing.models import CsatRating, StatusCategory, Ticket, TicketEvent

logger = logging.getLogger(__name__)

SURVEY_INTENT = "EXTERNAL_ticket_resolved"
REQUESTED = "csat_requested"
ACTOR = "assistant"
BATCH = 20


@dataclass
class SurveyRound:
    asked: int = 0
    no_conversation: int = 0
    deferred: int = 0


def due_tickets(session: Session, *, limit: int = BATCH) -> list[Ticket]:
    asked = exists().where(TicketEvent.ticket_id == Ticket.id, TicketEvent.kind == REQUESTED)
    rated = exists().where(CsatRating.ticket_id == Ticket.id)
    query = (
        select(Ticket)
        .where(
            Ticket.status_category == StatusCategory.RESOLVED,
            Ticket.conversation_id.is_not(None),
            ~asked,
            ~rated,
        )
        .order_by(Ticket.updated_at)
        .limit(limit)
    )
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True, of=Ticket)
    return list(session.scalars(query))


def ask(session: Session, *, ticket: Ticket, assistant: Assistant) -> str:
    """Asks one ticket's customer; returns "asked", "no_conversation" or "deferred"."""
    assert ticket.conversation_id is not None
    try:
        conversation = handoff.conversation_by_sender_id(session, ticket.conversation_id)
    except NotFound:
        # Opened through the API with a conversation id the gateway never saw: nobody to ask.
        events.record(session, ticket=ticket, kind=REQUESTED, actor=ACTOR, data={"sent": False})
        return "no_conversation"
    if handoff.open_handoff(session, conversation) is not None:
        return "deferred"
    try:
        replies = assistant.trigger(
            sender_id=conversation.sender_id,
            intent=SURVEY_INTENT,
            entities={"ticket_reference": ticket.reference},
        )
    except AssistantUnavailable as e:
        logger.warning("survey for %s: assistant unavailable: %s", ticket.reference, e)
        return "deferred"
    send_unprompted(session, conversation=conversation, replies=replies)
    events.record(
        session,
        ticket=ticket,
        kind=REQUESTED,
        actor=ACTOR,
        data={"sent": True, "channel": conversation.channel},
    )
    return "asked"


def send_due(
    session_factory: sessionmaker[Session], *, assistant: Assistant, limit: int = BATCH
) -> SurveyRound:
    """One round: due tickets are claimed one at a time (claim, ask, commit), so a ticket's
    lock is held until its `csat_requested` event is committed; deferred ones are skipped."""
    result = SurveyRound()
    skipped: set[object] = set()
    for _ in range(limit):
        with session_factory() as session:
            due = [t for t in due_tickets(session, limit=len(skipped) + 1) if t.id not in skipped]
            if not due:
                break
            ticket = due[0]
            outcome = ask(session, ticket=ticket, assistant=assistant)
            setattr(result, outcome, getattr(result, outcome) + 1)
            if outcome == "deferred":
                skipped.add(ticket.id)
            session.commit()
    return result


async def send_due_forever(
    session_factory: sessionmaker[Session], *, assistant: Assistant, interval: float
) -> None:
    """The embedded sender: a round every ``interval`` seconds (until cancelled)."""
    while True:
        await asyncio.sleep(interval)
        try:
            await asyncio.to_thread(send_due, session_factory, assistant=assistant)
        except Exception:  # a failed round is retried on the next tick, never kills the loop
            logger.exception("sending satisfaction surveys failed")
