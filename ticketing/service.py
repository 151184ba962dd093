"""Ticket rules: opening a ticket (numbered, routed, logged in one transaction) and reading it."""

from __future__ import annotations

import hashlib
import json
import re

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from deskmate.errors import Conflict, NotFound
from ticketing import repository
from ticketing.models import IdempotencyKey, Ticket, TicketEvent, TicketStatus
from ticketing.routing.service import route
from ticketing.schemas import REFERENCE, TicketCreate, TicketDetail, TicketEventRead, TicketRead


def parse_reference(reference: str) -> int | None:
    reference = reference.strip()
    if not REFERENCE.match(reference):
        return None
    return int(re.sub(r"\D", "", reference))


def to_read(ticket: Ticket) -> TicketRead:
    return TicketRead(
        reference=ticket.reference,
        type=ticket.type,
        status=ticket.status,
        priority=ticket.priority,
        description=ticket.description,
        product=ticket.product,
        category=ticket.category,
        channel=ticket.channel,
        language=ticket.language,
        email=ticket.contact_email,
        conversation_id=ticket.conversation_id,
        team=ticket.team.name if ticket.team else None,
        assignee=ticket.assignee.name if ticket.assignee else None,
        created_at=ticket.created_at,
        updated_at=ticket.updated_at,
    )


def to_detail(ticket: Ticket) -> TicketDetail:
    return TicketDetail(
        **to_read(ticket).model_dump(),
        events=[TicketEventRead.model_validate(event) for event in ticket.events],
    )


def _request_hash(data: TicketCreate) -> str:
    return hashlib.sha256(
        json.dumps(data.model_dump(mode="json"), sort_keys=True).encode()
    ).hexdigest()


def create_ticket(
    session: Session, *, data: TicketCreate, actor: str, idempotency_key: str | None = None
) -> tuple[Ticket, bool]:
    """Open, route and log a ticket. Returns (ticket, created); a repeated key returns the first."""
    if idempotency_key:
        existing = repository.get_idempotency_key(session, scope="tickets", key=idempotency_key)
        if existing is not None:
            if existing.request_hash != _request_hash(data):
                raise Conflict("This Idempotency-Key was already used with a different request.")
            ticket = session.get(Ticket, existing.ticket_id)
            assert ticket is not None  # the foreign key guarantees it
            return ticket, False
    ticket = Ticket(
        number=repository.next_ticket_number(session),
        type=data.type,
        status=TicketStatus.NEW,
        description=data.description,
        product=data.product,
        category=data.category,
        channel=data.channel,
        language=data.language,
        contact_email=data.email,
        conversation_id=data.conversation_id,
    )
    if data.priority is not None:
        ticket.priority = data.priority
    session.add(ticket)
    session.flush()
    decision = route(session, ticket=ticket)
    ticket.team_id = decision.team.id if decision.team else None
    ticket.assignee_id = decision.agent.id if decision.agent else None
    repository.add_event(
        session,
        TicketEvent(
            ticket_id=ticket.id,
            kind="created",
            actor=actor,
            data={"channel": ticket.channel, "type": ticket.type, "priority": ticket.priority},
        ),
    )
    repository.add_event(
        session,
        TicketEvent(
            ticket_id=ticket.id,
            kind="routed",
            actor="routing",
            data={
                "team": decision.team.key if decision.team else None,
                "assignee": decision.agent.email if decision.agent else None,
                "reasons": decision.reasons,
            },
        ),
    )
    if idempotency_key:
        session.add(
            IdempotencyKey(
                scope="tickets",
                key=idempotency_key,
                request_hash=_request_hash(data),
                ticket_id=ticket.id,
            )
        )
    try:
        session.flush()
    except IntegrityError as exc:
        raise Conflict("A request with this Idempotency-Key is being processed; retry.") from exc
    session.refresh(ticket)
    return ticket, True


def get_ticket_or_raise(session: Session, *, reference: str) -> Ticket:
    number = parse_reference(reference)
    ticket = repository.get_by_number(session, number) if number is not None else None
    if ticket is None:
        raise NotFound(f"No ticket with reference {reference.strip()[:40]!r}.")
    return ticket
