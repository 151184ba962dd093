from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, Table, bindparam, func, insert, literal, select
from sqlalchemy.orm import Session, joinedload, selectinload
from sqlalchemy.orm.attributes import set_committed_value

from ticketing.models import (
    ACTIVE_CATEGORIES,
    Agent,
    CsatRating,
    IdempotencyKey,
    StatusCategory,
    Team,
    Ticket,
    TicketEvent,
    TicketMessage,
    TicketNumber,
)

COUNT_CAP = 1_000

SORTS = {
    "created_at": Ticket.created_at,
    "updated_at": Ticket.updated_at,
    "number": Ticket.number,
    "priority": Ticket.priority,
    "status": Ticket.status,
}


@dataclass
class TicketFilters:
    status: str | None = None
    status_category: StatusCategory | None = None
    type: str | None = None
    priority: str | None = None
    team_id: uuid.UUID | None = None
    assignee_id: uuid.UUID | None = None
    unassigned: bool = False
    customer_id: uuid.UUID | None = None
    created_from: datetime | None = None
    created_to: datetime | None = None


# Core, on the table: the column's Python default (created_at) applies as in a flush.
_NUMBERS = TicketNumber.__table__
assert isinstance(_NUMBERS, Table)
_NEXT_NUMBER = insert(_NUMBERS).returning(_NUMBERS.c.number)


def next_ticket_number(session: Session) -> int:
    """One INSERT ... RETURNING, not an ORM flush: a flush runs the unit of work and every
    flush listener (audit, caches, webhooks) for a table none of them records."""
    return int(session.scalars(_NEXT_NUMBER).one())


def get_by_number(session: Session, number: int) -> Ticket | None:
    return session.scalar(
        select(Ticket)
        .where(Ticket.number == number)
        .options(
            # One row each: joined into the ticket's query; the events come in one more query.
            joinedload(Ticket.team),
            joinedload(Ticket.assignee),
            joinedload(Ticket.customer),
            selectinload(Ticket.events),
        )
    )


def _detail_query() -> Select[Ticket, CsatRating]:
    return (
        select(Ticket, CsatRating)
        .outerjoin(CsatRating, CsatRating.ticket_id == Ticket.id)
        .where(Ticket.number == bindparam("number"))
        .options(
            # The page shows only the names of the team and the assignee: their skills,
            # languages and products (JSON) are not read; anything else loads when touched.
            joinedload(Ticket.team).load_only(Team.name),
            joinedload(Ticket.assignee).load_only(Agent.name),
            joinedload(Ticket.customer),
        )
    )


# Built once: composing the statement cost more CPU than PostgreSQL spends answering it.
_DETAIL = _detail_query()
_EVENTS = (
    select(TicketEvent)
    .where(TicketEvent.ticket_id == bindparam("ticket_id"))
    .order_by(TicketEvent.created_at)
)


def get_for_detail(session: Session, number: int) -> tuple[Ticket, CsatRating | None] | None:
    """A ticket for its page, in two queries: the ticket with its team, assignee, customer and
    rating (at most one per ticket) joined in; then its events, set as the loaded
    ``ticket.events`` (the relationship's loader machinery costs more than the query)."""
    row = session.execute(_DETAIL, {"number": number}).one_or_none()
    if row is None:
        return None
    ticket, csat = row
    if "events" not in ticket.__dict__:  # not already loaded in this session
        events = list(session.scalars(_EVENTS, {"ticket_id": ticket.id}))
        set_committed_value(ticket, "events", events)
    return ticket, csat


def _filtered(query: Select[Any], filters: TicketFilters) -> Select[Any]:
    f = filters
    conditions = [
        (f.status, lambda: Ticket.status == f.status),
        (f.status_category, lambda: Ticket.status_category == f.status_category),
        (f.type, lambda: Ticket.type == f.type),
        (f.priority, lambda: Ticket.priority == f.priority),
        (f.team_id, lambda: Ticket.team_id == f.team_id),
        (f.assignee_id, lambda: Ticket.assignee_id == f.assignee_id),
        (f.unassigned or None, lambda: Ticket.assignee_id.is_(None)),
        (f.customer_id, lambda: Ticket.customer_id == f.customer_id),
        (f.created_from, lambda: Ticket.created_at >= f.created_from),
        (f.created_to, lambda: Ticket.created_at < f.created_to),
    ]
    for value, condition in conditions:
        if value is not None:
            query = query.where(condition())
    return query


def list_tickets(
    session: Session,
    *,
    filters: TicketFilters,
    sort: str = "-created_at",
    offset: int,
    limit: int,
    with_total: bool = True,
) -> tuple[list[Ticket], int | None]:
    column = SORTS[sort.lstrip("-")]
    order = column.desc() if sort.startswith("-") else column.asc()
    tie = Ticket.number.desc() if sort.startswith("-") else Ticket.number.asc()
    rows = session.scalars(
        _filtered(select(Ticket), filters)
        .options(
            selectinload(Ticket.team), selectinload(Ticket.assignee), selectinload(Ticket.customer)
        )
        .order_by(order, tie)
        .offset(offset)
        .limit(limit)
    ).all()
    total = None
    if with_total:
        # Counting every match of a broad filter at 1M rows costs more than the page itself:
        # count up to COUNT_CAP + 1 and let the caller say "more than COUNT_CAP".
        # Selecting a constant lets PostgreSQL answer from the index alone (index-only scan).
        matches = (
            _filtered(select(literal(1)).select_from(Ticket), filters)
            .limit(COUNT_CAP + 1)
            .subquery()
        )
        total = int(session.scalar(select(func.count()).select_from(matches)) or 0)
    return list(rows), total


def teams(session: Session) -> list[Team]:
    return list(session.scalars(select(Team).order_by(Team.key)))


def team_by_key(session: Session, key: str) -> Team | None:
    return session.scalar(select(Team).where(Team.key == key))


def agent_by_email(session: Session, email: str) -> Agent | None:
    return session.scalar(select(Agent).where(Agent.email == email.strip().lower()))


def team_agents(session: Session, team_id: uuid.UUID) -> list[Agent]:
    return list(
        session.scalars(select(Agent).where(Agent.team_id == team_id).order_by(Agent.email))
    )


_ACTIVE_LOAD = (
    select(func.count())
    .where(Ticket.assignee_id == Agent.id, Ticket.status_category.in_(ACTIVE_CATEGORIES))
    .correlate(Agent)
    .scalar_subquery()
)
_AGENTS_WITH_LOAD = (
    select(Agent, _ACTIVE_LOAD).where(Agent.team_id == bindparam("team_id")).order_by(Agent.email)
)


def team_agents_with_load(
    session: Session, team_id: uuid.UUID
) -> tuple[list[Agent], dict[uuid.UUID, int]]:
    """``team_agents`` and their ``open_load`` in one query (one round trip per routed ticket)."""
    rows = session.execute(_AGENTS_WITH_LOAD, {"team_id": team_id}).all()
    return [row[0] for row in rows], {row[0].id: int(row[1]) for row in rows if row[1]}


def open_load(session: Session, agent_ids: list[uuid.UUID]) -> dict[uuid.UUID, int]:
    if not agent_ids:
        return {}
    rows = session.execute(
        select(Ticket.assignee_id, func.count())
        .where(Ticket.assignee_id.in_(agent_ids), Ticket.status_category.in_(ACTIVE_CATEGORIES))
        .group_by(Ticket.assignee_id)
    )
    return {row[0]: int(row[1]) for row in rows if row[0] is not None}


def active_tickets_of(session: Session, agent_id: uuid.UUID) -> list[Ticket]:
    return list(
        session.scalars(
            select(Ticket)
            .where(Ticket.assignee_id == agent_id, Ticket.status_category.in_(ACTIVE_CATEGORIES))
            .order_by(Ticket.number)
        )
    )


def get_idempotency_key(session: Session, *, scope: str, key: str) -> IdempotencyKey | None:
    return session.scalar(
        select(IdempotencyKey).where(IdempotencyKey.scope == scope, IdempotencyKey.key == key)
    )


_MESSAGES = (
    select(TicketMessage)
    .where(TicketMessage.ticket_id == bindparam("ticket_id"))
    .order_by(TicketMessage.created_at)
)


def messages_of(session: Session, ticket_id: uuid.UUID) -> list[TicketMessage]:
    return list(session.scalars(_MESSAGES, {"ticket_id": ticket_id}))


def message_by_channel_id(session: Session, channel: str, message_id: str) -> TicketMessage | None:
    return session.scalar(
        select(TicketMessage).where(
            TicketMessage.channel == channel, TicketMessage.channel_message_id == message_id
        )
    )


def csat_of(session: Session, ticket_id: uuid.UUID) -> CsatRating | None:
    return session.scalar(select(CsatRating).where(CsatRating.ticket_id == ticket_id))


def events_of(session: Session, ticket_id: uuid.UUID) -> list[TicketEvent]:
    return list(
        session.scalars(
            select(TicketEvent)
            .where(TicketEvent.ticket_id == ticket_id)
            .order_by(TicketEvent.created_at)
        )
    )
