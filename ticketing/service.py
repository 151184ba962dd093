"""Ticket rules: opening a ticket (numbered, linked to its customer, routed, logged in one
transaction) and reading it."""

from __future__ import annotations

import hashlib
import json
import re
import uuid
from typing import Literal

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from deskmate.errors import Conflict, NotFound
from ticketing import events, repository
from ticketing.customers.models import CustomerTier
from ticketing.customers.schemas import CustomerRead
from ticketing.customers.service import resolve_customer
from ticketing.models import (
    PRIORITY_ORDER,
    CsatRating,
    IdempotencyKey,
    MessageAuthor,
    Priority,
    Ticket,
)
from ticketing.routing.service import SkillSource, route
from ticketing.schemas import (
    REFERENCE,
    CsatRead,
    MessageRead,
    TicketCreate,
    TicketDetail,
    TicketEventRead,
    TicketRead,
)
from ticketing.workflows.service import definition_for


def parse_reference(reference: str) -> int | None:
    reference = reference.strip()
    if not REFERENCE.match(reference):
        return None
    return int(re.sub(r"\D", "", reference))


def _read_fields(ticket: Ticket) -> dict[str, object]:
    return {
        "reference": ticket.reference,
        "type": ticket.type,
        "status": ticket.status,
        "status_category": ticket.status_category,
        "priority": ticket.priority,
        "description": ticket.description,
        "product": ticket.product,
        "category": ticket.category,
        "channel": ticket.channel,
        "language": ticket.language,
        "email": ticket.contact_email,
        "conversation_id": ticket.conversation_id,
        "team": ticket.team.name if ticket.team else None,
        "assignee": ticket.assignee.name if ticket.assignee else None,
        "customer_tier": ticket.customer.tier if ticket.customer else None,
        "version": ticket.version,
        "created_at": ticket.created_at,
        "updated_at": ticket.updated_at,
    }


def to_read(ticket: Ticket) -> TicketRead:
    return TicketRead.model_validate(_read_fields(ticket))


def to_detail(
    session: Session,
    ticket: Ticket,
    *,
    include_notes: bool,
    sla: dict[str, object] | None = None,
    csat: CsatRating | Literal["load"] | None = "load",
) -> TicketDetail:
    """The ticket page; ``csat`` is the rating if the caller loaded it already."""
    messages = [
        m
        for m in repository.messages_of(session, ticket.id)
        if include_notes or m.author_kind != MessageAuthor.NOTE
    ]
    if csat == "load":
        csat = repository.csat_of(session, ticket.id)
    merged_into = session.get(Ticket, ticket.merged_into_id) if ticket.merged_into_id else None
    # One validation: the summary fields go in as they are (not through a TicketRead first).
    return TicketDetail(
        **_read_fields(ticket),
        events=[TicketEventRead.model_validate(e) for e in ticket.events],
        context=ticket.context or {},
        resolution_outcome=ticket.resolution_outcome,
        resolution_reason=ticket.resolution_reason,
        customer=CustomerRead.model_validate(ticket.customer) if ticket.customer else None,
        messages=[MessageRead.model_validate(m) for m in messages],
        csat=CsatRead.model_validate(csat) if csat else None,
        merged_into=merged_into.reference if merged_into else None,
        next_statuses=_next_statuses(session, ticket),
        sla=sla,
    )


def _next_statuses(session: Session, ticket: Ticket) -> list[str]:
    workflow = definition_for(session, ticket.type)
    return workflow.next_statuses(ticket.status) if ticket.status in workflow.statuses else []


def _request_hash(data: TicketCreate) -> str:
    return hashlib.sha256(
        json.dumps(data.model_dump(mode="json"), sort_keys=True).encode()
    ).hexdigest()


def bumped(priority: Priority) -> Priority:
    return PRIORITY_ORDER[min(PRIORITY_ORDER.index(priority) + 1, len(PRIORITY_ORDER) - 1)]


def create_ticket(
    session: Session,
    *,
    data: TicketCreate,
    actor: str,
    idempotency_key: str | None = None,
    skills: SkillSource | None = None,
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
    # Writing first matters on SQLite: a transaction that starts with a write waits for the
    # writer lock instead of failing on a snapshot that another writer made stale.
    number = repository.next_ticket_number(session)
    customer = resolve_customer(
        session, identity=data.channel_identity, email=data.email, language=data.language
    )
    tier = customer.tier if customer else CustomerTier.GENERAL
    workflow = definition_for(session, data.type)
    ticket = Ticket(
        id=uuid.uuid4(),
        number=number,
        type=data.type,
        status=workflow.initial,
        status_category=workflow.statuses[workflow.initial],
        priority=data.priority or Priority.NORMAL,
        description=data.description,
        product=data.product,
        category=data.category,
        channel=data.channel,
        language=data.language,
        contact_email=data.email,
        conversation_id=data.conversation_id,
        context=data.context or {},
        customer_id=customer.id if customer else None,
    )
    reasons: list[str] = []
    if tier == CustomerTier.CORE and data.priority is None:
        ticket.priority = bumped(ticket.priority)
        reasons.append(f"core customer: priority raised to {ticket.priority}")
    # Routed before it joins the session, so that the queries routing makes do not flush it
    # early: the ticket is written once, with its team and assignee (one INSERT, no UPDATE).
    decision = route(session, ticket=ticket, tier=tier, skills=skills)
    ticket.customer = customer
    ticket.team = decision.team
    ticket.assignee = decision.agent
    session.add(ticket)
    events.record(
        session,
        ticket=ticket,
        kind="created",
        actor=actor,
        data={
            "channel": ticket.channel,
            "type": ticket.type,
            "priority": ticket.priority,
            "status": ticket.status,
            "tier": tier,
        },
    )
    events.record(
        session,
        ticket=ticket,
        kind="routed",
        actor="routing",
        data={
            "team": decision.team.key if decision.team else None,
            "assignee": decision.agent.email if decision.agent else None,
            "skill": decision.skill,
            "reasons": reasons + decision.reasons,
        },
    )
    if idempotency_key:
        # The key refers to the ticket row but has no relationship the flush could order by.
        session.flush()
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
    # No refresh: every column has its value from Python, and team, assignee and customer are
    # the instances set above.
    return ticket, True


def get_ticket(session: Session, *, reference: str) -> Ticket | None:
    number = parse_reference(reference)
    return repository.get_by_number(session, number) if number is not None else None


def get_for_detail_or_raise(
    session: Session, *, reference: str
) -> tuple[Ticket, CsatRating | None]:
    number = parse_reference(reference)
    found = repository.get_for_detail(session, number) if number is not None else None
    if found is None:
        raise NotFound(f"No ticket with reference {reference.strip()[:40]!r}.")
    return found


def get_ticket_or_raise(session: Session, *, reference: str) -> Ticket:
    ticket = get_ticket(session, reference=reference)
    if ticket is None:
        raise NotFound(f"No ticket with reference {reference.strip()[:40]!r}.")
    return ticket
