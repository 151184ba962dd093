"""Satisfaction surveys: a resolved ticket's customer is asked once, in their conversation
(Rasa answered at its HTTP boundary; tickets, conversations and the event log are real)."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot import repository
from bot.assistant import RasaRestAssistant
from bot.models import ChatMessage, Handoff, HandoffState, Sender
from bot.service import get_or_create_conversation
from bot.surveys import REQUESTED, SURVEY_INTENT, send_due
from tests.ticketing.factories import open_ticket
from ticketing.models import CsatRating, Ticket, TicketEvent
from ticketing.workflows.schemas import TransitionRequest
from ticketing.workflows.service import transition

ASK = "Your ticket has been resolved. How satisfied are you, from 1 to 5?"


class FakeRasa:
    def __init__(self, status: int = 200) -> None:
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.status = status

    def handle(self, request: httpx.Request) -> httpx.Response:
        self.calls.append((request.url.path, json.loads(request.content)))
        if self.status != 200:
            return httpx.Response(self.status, json={"error": "down"})
        buttons = [{"title": str(n), "payload": str(n)} for n in range(1, 6)]
        return httpx.Response(
            200, json={"tracker": {}, "messages": [{"text": ASK, "buttons": buttons}]}
        )

    def assistant(self) -> RasaRestAssistant:
        return RasaRestAssistant("http://rasa", transport=httpx.MockTransport(self.handle))


def resolved_ticket(session: Session, conversation_id: str | None, **extra: Any) -> Ticket:
    ticket = open_ticket(
        session, type="request", channel="web", conversation_id=conversation_id, **extra
    )
    for status in ("in_progress", "fulfilled"):
        transition(session, ticket=ticket, request=TransitionRequest(to=status), actor="agent")
    session.commit()
    return ticket


def kinds(session: Session, ticket: Ticket) -> list[str]:
    rows = session.scalars(select(TicketEvent.kind).where(TicketEvent.ticket_id == ticket.id))
    return list(rows)


def test_a_resolved_ticket_is_asked_once_in_its_conversation(
    session: Session, session_factory: sessionmaker[Session]
) -> None:
    conversation = get_or_create_conversation(session, channel="web", external_id="visitor-9")
    ticket = resolved_ticket(session, "visitor-9")
    rasa = FakeRasa()

    first = send_due(session_factory, assistant=rasa.assistant())

    assert (first.asked, first.deferred) == (1, 0)
    path, body = rasa.calls[0]
    assert path == "/conversations/visitor-9/trigger_intent"
    assert body == {"name": SURVEY_INTENT, "entities": {"ticket_reference": ticket.reference}}
    stored = repository.messages(session, conversation_id=conversation.id, limit=10)
    assert [(m.sender, m.text) for m in stored] == [(Sender.BOT, ASK)]
    assert [b["payload"] for b in stored[0].buttons] == ["1", "2", "3", "4", "5"]
    assert kinds(session, ticket).count(REQUESTED) == 1
    # The next round finds nothing to do: the event log says it was asked.
    again = send_due(session_factory, assistant=rasa.assistant())
    assert (again.asked, len(rasa.calls)) == (0, 1)


def test_open_rated_or_conversationless_tickets_are_not_asked(
    session: Session, session_factory: sessionmaker[Session]
) -> None:
    get_or_create_conversation(session, channel="web", external_id="visitor-1")
    open_ticket(session, type="request", conversation_id="visitor-1")  # still open
    rated = resolved_ticket(session, "visitor-1")
    session.add(CsatRating(ticket_id=rated.id, rating=5))
    resolved_ticket(session, None)  # opened by an agent, no conversation
    orphan = resolved_ticket(session, "never-seen")  # a conversation the gateway never had
    session.commit()
    rasa = FakeRasa()

    result = send_due(session_factory, assistant=rasa.assistant())

    assert rasa.calls == []
    assert (result.asked, result.no_conversation) == (0, 1)
    assert kinds(session, orphan).count(REQUESTED) == 1  # recorded as not sent, never retried


@pytest.mark.parametrize("blocker", ["handoff", "rasa_down"])
def test_survey_waits_while_a_person_has_the_chat_or_rasa_is_down(
    session: Session, session_factory: sessionmaker[Session], blocker: str
) -> None:
    conversation = get_or_create_conversation(session, channel="web", external_id="visitor-3")
    ticket = resolved_ticket(session, "visitor-3")
    if blocker == "handoff":
        handoff = Handoff(
            conversation_id=conversation.id, reason="request", state=HandoffState.ACTIVE
        )
        session.add(handoff)
        session.commit()
    rasa = FakeRasa(status=200 if blocker == "handoff" else 503)

    result = send_due(session_factory, assistant=rasa.assistant())

    assert (result.asked, result.deferred) == (0, 1)
    assert REQUESTED not in kinds(session, ticket)
    bot_messages = session.scalars(
        select(ChatMessage).where(ChatMessage.conversation_id == conversation.id)
    ).all()
    assert bot_messages == []
    if blocker == "handoff":
        handoff.state = HandoffState.ENDED
        session.commit()
        assert send_due(session_factory, assistant=rasa.assistant()).asked == 1
