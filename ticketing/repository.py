from __future__ import annotations

import uuid

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from ticketing.models import (
    Agent,
    IdempotencyKey,
    Team,
    Ticket,
    TicketEvent,
    TicketNumber,
    TicketStatus,
)

OPEN_STATUSES = (TicketStatus.NEW, TicketStatus.OPEN, TicketStatus.PENDING)


def next_ticket_number(session: Session) -> int:
    row = TicketNumber()
    session.add(row)
    session.flush()
    return row.number


def get_by_number(session: Session, number: int) -> Ticket | None:
    return session.scalar(
        select(Ticket)
        .where(Ticket.number == number)
        .options(
            selectinload(Ticket.team), selectinload(Ticket.assignee), selectinload(Ticket.events)
        )
    )


def list_tickets(
    session: Session,
    *,
    status: TicketStatus | None,
    offset: int,
    limit: int,
) -> tuple[list[Ticket], int]:
    query = select(Ticket)
    count = select(func.count()).select_from(Ticket)
    if status is not None:
        query = query.where(Ticket.status == status)
        count = count.where(Ticket.status == status)
    rows = session.scalars(
        query.options(selectinload(Ticket.team), selectinload(Ticket.assignee))
        .order_by(Ticket.number.desc())
        .offset(offset)
        .limit(limit)
    ).all()
    return list(rows), int(session.scalar(count) or 0)


def teams(session: Session) -> list[Team]:
    return list(session.scalars(select(Team).order_by(Team.key)))


def team_agents(session: Session, team_id: uuid.UUID) -> list[Agent]:
    return list(
        session.scalars(select(Agent).where(Agent.team_id == team_id).order_by(Agent.email))
    )


def open_load(session: Session, agent_ids: list[uuid.UUID]) -> dict[uuid.UUID, int]:
    if not agent_ids:
        return {}
    rows = session.execute(
        select(Ticket.assignee_id, func.count())
        .where(Ticket.assignee_id.in_(agent_ids), Ticket.status.in_(OPEN_STATUSES))
        .group_by(Ticket.assignee_id)
    )
    return {row[0]: int(row[1]) for row in rows if row[0] is not None}


def get_idempotency_key(session: Session, *, scope: str, key: str) -> IdempotencyKey | None:
    return session.scalar(
        select(IdempotencyKey).where(IdempotencyKey.scope == scope, IdempotencyKey.key == key)
    )


def add_event(session: Session, event: TicketEvent) -> None:
    session.add(event)
