"""Appending to a ticket's history. Every change goes through ``record`` so that the event log
stays the single source of history, and the outgoing webhooks (outbox rows) are written in the
same transaction as the event they carry."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from deskmate.db import utcnow
from ticketing.models import Ticket, TicketEvent
from ticketing.webhooks import service as webhooks


def record(
    session: Session, *, ticket: Ticket, kind: str, actor: str | None, data: dict[str, Any]
) -> TicketEvent:
    # Through the relationship: a loaded ``ticket.events`` sees the new event at once.
    event = TicketEvent(ticket=ticket, kind=kind, actor=actor, data=data, created_at=utcnow())
    session.add(event)
    webhooks.enqueue(session, event=event, ticket=ticket)
    return event
