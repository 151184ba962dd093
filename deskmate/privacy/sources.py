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

from bot.models import ChatMessage
from deskmate.privacy.subject import Subject
from knowledge.models import SearchLog
from ticketing.models import IdempotencyKey, TicketEvent

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
