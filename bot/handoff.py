"""Handing a conversation to a person and back.

While a conversation has an open handoff (waiting or active), the gateway stores what the
customer writes for the person and does not forward it to the assistant; the person's messages
are stored as agent messages, which the chat page polls for. Handing back closes the handoff
and tells the assistant, so the dialogue continues where it makes sense.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from bot import repository
from bot.models import ChatMessage, Conversation, Delivery, Handoff, HandoffState, Sender
from bot.outbound import send_unprompted
from bot.schemas import HandoffCreate, OutgoingMessage
from deskmate.db import utcnow
from deskmate.errors import Conflict, NotFound

OPEN_STATES = (HandoffState.WAITING, HandoffState.ACTIVE)


def conversation_by_sender_id(session: Session, sender_id: str) -> Conversation:
    """The conversation Rasa knows as `sender_id` (see Conversation.sender_id)."""
    found = repository.get_conversation(session, channel="web", external_id=sender_id)
    if found is None and "-" in sender_id:
        channel, _, external_id = sender_id.partition("-")
        found = repository.get_conversation(session, channel=channel, external_id=external_id)
    if found is None:
        raise NotFound(f"No conversation {sender_id!r}.")
    return found


def open_handoff(session: Session, conversation: Conversation) -> Handoff | None:
    return repository.latest_handoff(session, conversation_id=conversation.id, states=OPEN_STATES)


def open_handoff_or_raise(session: Session, sender_id: str) -> Handoff:
    handoff = open_handoff(session, conversation_by_sender_id(session, sender_id))
    if handoff is None:
        raise NotFound(f"Conversation {sender_id!r} is not with a person.")
    return handoff


def start_handoff(session: Session, *, sender_id: str, data: HandoffCreate) -> Handoff:
    """Opens a handoff; a second request while one is open returns the open one."""
    conversation = conversation_by_sender_id(session, sender_id)
    existing = open_handoff(session, conversation)
    if existing is not None:
        return existing
    handoff = Handoff(
        conversation_id=conversation.id,
        ticket_reference=data.ticket_reference,
        reason=data.reason,
        state=HandoffState.WAITING,
        transcript=[turn.model_dump() for turn in data.transcript],
        articles=data.articles,
        intents=data.intents,
    )
    session.add(handoff)
    session.flush()
    return handoff


def take(session: Session, *, handoff: Handoff, agent: str) -> Handoff:
    if handoff.state == HandoffState.ACTIVE and handoff.agent != agent:
        raise Conflict(f"{handoff.agent} already has this conversation.")
    handoff.state = HandoffState.ACTIVE
    handoff.agent = agent
    session.flush()
    return handoff


def post_agent_message(session: Session, *, handoff: Handoff, agent: str, text: str) -> ChatMessage:
    """Stores the person's message for the customer; taking the conversation if nobody has."""
    if handoff.state == HandoffState.WAITING:
        take(session, handoff=handoff, agent=agent)
    elif handoff.agent != agent:
        raise Conflict(f"{handoff.agent} has this conversation.")
    message = ChatMessage(
        conversation_id=handoff.conversation_id,
        sender=Sender.AGENT,
        text=text.strip(),
        delivery=Delivery.DELIVERED,
    )
    session.add(message)
    session.flush()
    return message


def end(session: Session, *, handoff: Handoff) -> Handoff:
    handoff.state = HandoffState.ENDED
    handoff.ended_at = utcnow()
    session.flush()
    return handoff


def record_assistant_replies(
    session: Session, *, handoff: Handoff, replies: list[OutgoingMessage]
) -> None:
    """What the assistant says on taking the conversation back, sent like any unprompted
    message (stored, then handed to the conversation's channel)."""
    send_unprompted(session, conversation=handoff.conversation, replies=replies)
