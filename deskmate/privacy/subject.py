"""The customer being exported or erased, and every key their data can be found by."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from bot.models import ChatMessage, Conversation, Sender
from deskmate.errors import NotFound
from ticketing.models import Customer, Ticket


@dataclass(frozen=True)
class Subject:
    customer: Customer
    conversations: Sequence[Conversation]
    tickets: Sequence[Ticket]
    sender_ids: frozenset[str]  # how Rasa (and the actions) know their conversations
    said: frozenset[str]  # what they wrote in chat, whitespace-normalised

    @property
    def ticket_ids(self) -> list[uuid.UUID]:
        return [t.id for t in self.tickets]


def find_subject(session: Session, *, customer_id: uuid.UUID) -> Subject:
    """Collect the keys once, before anything is erased (erasing removes some of them)."""
    customer = session.get(Customer, customer_id)
    if customer is None:
        raise NotFound(f"No customer {customer_id}.")
    conversations = session.scalars(
        select(Conversation).where(Conversation.customer_id == customer_id)
    ).all()
    conversation_keys = {c.sender_id for c in conversations}
    matches = [Ticket.customer_id == customer_id]
    if customer.email:
        matches.append(func.lower(Ticket.contact_email) == customer.email.lower())
    if conversation_keys:
        matches.append(Ticket.conversation_id.in_(conversation_keys))
    tickets = session.scalars(select(Ticket).where(or_(*matches)).order_by(Ticket.number)).all()
    sender_ids = conversation_keys | {t.conversation_id for t in tickets if t.conversation_id}
    said = session.scalars(
        select(ChatMessage.text).where(
            ChatMessage.conversation_id.in_([c.id for c in conversations]),
            ChatMessage.sender == Sender.CUSTOMER,
        )
    ).all()
    return Subject(
        customer=customer,
        conversations=conversations,
        tickets=tickets,
        sender_ids=frozenset(sender_ids),
        said=frozenset(" ".join(text.split()) for text in said),
    )
