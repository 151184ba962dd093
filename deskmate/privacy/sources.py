"""Personal-data sources in the app's database, one per table group.

Each source exports what it holds about the subject as JSON-ready dicts and erases it inside the
caller's transaction. Audited tables are changed through the ORM so the audit log sees every
change (without the personal values); the unaudited logs are deleted in bulk.
"""

from __future__ import annotations

import enum
import uuid
from datetime import date, datetime
from typing import Any, Protocol

from sqlalchemy import delete, or_, select
from sqlalchemy.orm import Session

from bot.models import ChatMessage, Handoff
from deskmate.privacy.subject import Subject
from knowledge.models import SearchLog
from ticketing.customers.models import ChannelIdentity
from ticketing.models import CsatRating, IdempotencyKey, MessageAuthor, TicketEvent, TicketMessage
from ticketing.webhooks.models import WebhookDelivery

ERASED_TEXT = "[erased at the customer's request]"


class PersonalDataSource(Protocol):
    name: str

    @property
    def tables(self) -> tuple[str, ...]:
        """The app tables it covers (a test checks every table linked to customers is covered)."""

    def export(self, session: Session, subject: Subject) -> list[dict[str, Any]]: ...

    def erase(self, session: Session, subject: Subject) -> int: ...


def _json(value: Any) -> Any:
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def row_dict(obj: Any) -> dict[str, Any]:
    """Every column of an ORM object, JSON-ready."""
    return {attr.key: _json(getattr(obj, attr.key)) for attr in obj.__mapper__.column_attrs}


class CustomerProfile:
    """The customer row is kept, anonymised, so tickets keep their tier and language for reports."""

    name = "customer"
    tables = ("customers",)

    def export(self, session: Session, subject: Subject) -> list[dict[str, Any]]:
        return [row_dict(subject.customer)]

    def erase(self, session: Session, subject: Subject) -> int:
        customer = subject.customer
        customer.name = customer.email = customer.phone = customer.region = None
        return 1


class Tickets:
    """Tickets stay for statistics; the customer's words and contact details go."""

    name = "tickets"
    tables = ("tickets",)

    def export(self, session: Session, subject: Subject) -> list[dict[str, Any]]:
        return [row_dict(t) | {"reference": t.reference} for t in subject.tickets]

    def erase(self, session: Session, subject: Subject) -> int:
        for ticket in subject.tickets:
            ticket.description = ERASED_TEXT
            ticket.contact_email = None
            ticket.conversation_id = None
            ticket.context = {}  # what the assistant collected, with the chat transcript
            if ticket.resolution_reason is not None:
                ticket.resolution_reason = ERASED_TEXT
        return len(subject.tickets)


class TicketEvents:
    """The history stays (kinds, times, actors drive clocks and reports); its data is cleared,
    since events can quote the customer."""

    name = "ticket_events"
    tables = ("ticket_events",)

    def _events(self, session: Session, subject: Subject) -> list[TicketEvent]:
        return list(
            session.scalars(
                select(TicketEvent)
                .where(TicketEvent.ticket_id.in_(subject.ticket_ids))
                .order_by(TicketEvent.created_at)
            )
        )

    def export(self, session: Session, subject: Subject) -> list[dict[str, Any]]:
        return [row_dict(e) for e in self._events(session, subject)]

    def erase(self, session: Session, subject: Subject) -> int:
        events = self._events(session, subject)
        for event in events:
            event.data = {}
        return len(events)


class IdempotencyKeys:
    """Keys of the customer's ticket requests (they usually contain the conversation id)."""

    name = "idempotency_keys"
    tables = ("idempotency_keys",)

    def _keys(self, session: Session, subject: Subject) -> list[IdempotencyKey]:
        query = select(IdempotencyKey).where(IdempotencyKey.ticket_id.in_(subject.ticket_ids))
        return list(session.scalars(query))

    def export(self, session: Session, subject: Subject) -> list[dict[str, Any]]:
        return [row_dict(k) for k in self._keys(session, subject)]

    def erase(self, session: Session, subject: Subject) -> int:
        keys = self._keys(session, subject)
        for key in keys:
            session.delete(key)
        return len(keys)


class ChatConversations:
    """Conversations and every message in them are purged."""

    name = "chat"
    tables = ("conversations", "chat_messages")

    def export(self, session: Session, subject: Subject) -> list[dict[str, Any]]:
        return [
            row_dict(c) | {"sender_id": c.sender_id, "messages": [row_dict(m) for m in c.messages]}
            for c in subject.conversations
        ]

    def erase(self, session: Session, subject: Subject) -> int:
        ids = [c.id for c in subject.conversations]
        purged = session.execute(delete(ChatMessage).where(ChatMessage.conversation_id.in_(ids)))
        for conversation in subject.conversations:
            session.expire(conversation, ["messages"])
            session.delete(conversation)
        return int(getattr(purged, "rowcount", 0) or 0) + len(ids)


class KnowledgeSearchLog:
    """Queries asked from the customer's conversations, or equal to something they wrote (logs
    from before queries carried their conversation id)."""

    name = "kb_search_log"
    tables = ("kb_search_log",)

    def _where(self, subject: Subject) -> Any:
        return or_(
            SearchLog.conversation_id.in_(subject.sender_ids), SearchLog.query.in_(subject.said)
        )

    def export(self, session: Session, subject: Subject) -> list[dict[str, Any]]:
        rows = session.scalars(select(SearchLog).where(self._where(subject)))
        return [row_dict(r) for r in rows]

    def erase(self, session: Session, subject: Subject) -> int:
        result = session.execute(delete(SearchLog).where(self._where(subject)))
        return int(getattr(result, "rowcount", 0) or 0)


class ChannelIdentities:
    """How the channels know the customer (a Telegram user id, a web visitor, a name): deleted,
    so a new message from that identity starts a new, unknown customer."""

    name = "channel_identities"
    tables = ("channel_identities",)

    def _identities(self, session: Session, subject: Subject) -> list[ChannelIdentity]:
        query = select(ChannelIdentity).where(ChannelIdentity.customer_id == subject.customer.id)
        return list(session.scalars(query.order_by(ChannelIdentity.created_at)))

    def export(self, session: Session, subject: Subject) -> list[dict[str, Any]]:
        return [row_dict(i) for i in self._identities(session, subject)]

    def erase(self, session: Session, subject: Subject) -> int:
        identities = self._identities(session, subject)
        for identity in identities:
            session.delete(identity)
        return len(identities)


class TicketMessages:
    """Messages on the customer's tickets. The customer's and the bot's are deleted. Agents'
    replies and internal notes are anonymised instead: they are addressed to the customer and
    may quote them, so their text goes, but the row (author, kind, time) stays because response
    times and agent workload are reported from it."""

    name = "ticket_messages"
    tables = ("ticket_messages",)
    PURGED = (MessageAuthor.CUSTOMER, MessageAuthor.BOT)

    def _messages(self, session: Session, subject: Subject) -> list[TicketMessage]:
        query = select(TicketMessage).where(TicketMessage.ticket_id.in_(subject.ticket_ids))
        return list(session.scalars(query.order_by(TicketMessage.created_at)))

    def export(self, session: Session, subject: Subject) -> list[dict[str, Any]]:
        return [row_dict(m) for m in self._messages(session, subject)]

    def erase(self, session: Session, subject: Subject) -> int:
        messages = self._messages(session, subject)
        for message in messages:
            if message.author_kind in self.PURGED:
                session.delete(message)
            else:
                message.body = ERASED_TEXT
        return len(messages)


class CsatRatings:
    """The score stays for satisfaction statistics; the customer's comment goes."""

    name = "csat_ratings"
    tables = ("csat_ratings",)

    def _ratings(self, session: Session, subject: Subject) -> list[CsatRating]:
        query = select(CsatRating).where(CsatRating.ticket_id.in_(subject.ticket_ids))
        return list(session.scalars(query.order_by(CsatRating.created_at)))

    def export(self, session: Session, subject: Subject) -> list[dict[str, Any]]:
        return [row_dict(r) for r in self._ratings(session, subject)]

    def erase(self, session: Session, subject: Subject) -> int:
        ratings = self._ratings(session, subject)
        for rating in ratings:
            rating.comment = None
        return len(ratings)


class WebhookDeliveries:
    """Outgoing webhook bodies about the customer's tickets copy the event's data (descriptions,
    notes, emails). They are anonymised, pending and delivered alike: the event's data is
    removed from the payload and the kind, ticket reference and states stay, so pending
    deliveries still go out (without the personal data) and delivered ones keep their record."""

    name = "webhook_deliveries"
    tables = ("webhook_deliveries",)

    def _deliveries(self, session: Session, subject: Subject) -> list[WebhookDelivery]:
        events = select(TicketEvent.id).where(TicketEvent.ticket_id.in_(subject.ticket_ids))
        query = select(WebhookDelivery).where(WebhookDelivery.event_id.in_(events))
        return list(session.scalars(query.order_by(WebhookDelivery.created_at)))

    def export(self, session: Session, subject: Subject) -> list[dict[str, Any]]:
        return [row_dict(d) for d in self._deliveries(session, subject)]

    def erase(self, session: Session, subject: Subject) -> int:
        deliveries = self._deliveries(session, subject)
        for delivery in deliveries:
            # A new dict: JSON columns do not track changes made in place.
            delivery.payload = {**delivery.payload, "data": {}}
        return len(deliveries)


class Handoffs:
    """Handoffs of the customer's conversations (the transcript, the articles and intents the
    assistant saw) are deleted; they cannot outlive the conversations, which are purged."""

    name = "handoffs"
    tables = ("handoffs",)

    def _handoffs(self, session: Session, subject: Subject) -> list[Handoff]:
        ids = [c.id for c in subject.conversations]
        query = select(Handoff).where(Handoff.conversation_id.in_(ids))
        return list(session.scalars(query.order_by(Handoff.created_at)))

    def export(self, session: Session, subject: Subject) -> list[dict[str, Any]]:
        return [row_dict(h) for h in self._handoffs(session, subject)]

    def erase(self, session: Session, subject: Subject) -> int:
        handoffs = self._handoffs(session, subject)
        for handoff in handoffs:
            session.delete(handoff)
        return len(handoffs)
