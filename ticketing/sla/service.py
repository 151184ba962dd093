"""SLA policies, a ticket's clocks, and the sweep that warns before a breach and escalates on one.

The sweep locks the tickets it checks (``FOR UPDATE SKIP LOCKED`` on PostgreSQL), so several
worker replicas share the work without both acting on one ticket; what was already announced is
read back from the event log, so a warning or escalation is emitted once.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from deskmate.db import utcnow
from ticketing import events
from ticketing.models import ACTIVE_CATEGORIES, Agent, Ticket, TicketEvent
from ticketing.sla.calendar import AlwaysOpen, Hours
from ticketing.sla.clock import Clock, WorkingTime, clocks
from ticketing.sla.models import SlaPolicy

logger = logging.getLogger(__name__)

WARNING, BREACHED, ESCALATED = "sla.warning", "sla.breached", "sla.escalated"


def policy_for(policies: list[SlaPolicy], ticket: Ticket) -> SlaPolicy | None:
    """The most specific policy for the ticket's type, priority and customer tier."""
    tier = ticket.customer.tier if ticket.customer else "general"
    fitting = [
        p
        for p in policies
        if p.ticket_type in (None, ticket.type)
        and p.priority in (None, ticket.priority)
        and p.tier in (None, tier)
    ]
    if not fitting:
        return None
    return min(
        fitting,
        key=lambda p: (
            -sum(x is not None for x in (p.ticket_type, p.priority, p.tier)),
            p.position,
        ),
    )


def hours_of(policy: SlaPolicy) -> WorkingTime:
    calendar = policy.calendar
    if calendar is None:
        return AlwaysOpen()
    weekly = tuple((day, tuple(map(tuple, w))) for day, w in sorted(calendar.weekly_hours.items()))
    return _hours(calendar.timezone, weekly, tuple(calendar.holidays))


@lru_cache(maxsize=64)
def _hours(
    timezone: str,
    weekly: tuple[tuple[str, tuple[tuple[str, ...], ...]], ...],
    holidays: tuple[str, ...],
) -> Hours:
    """One Hours per distinct calendar, so that the windows it works out per day are reused
    by every ticket page (keyed by the calendar's contents: an edited calendar is a new key)."""
    return Hours.from_data(timezone, {d: [list(w) for w in ws] for d, ws in weekly}, list(holidays))


def load_policies(session: Session) -> list[SlaPolicy]:
    return list(session.scalars(select(SlaPolicy).options(selectinload(SlaPolicy.calendar))))


def clocks_for(
    ticket: Ticket, event_log: list[TicketEvent], policy: SlaPolicy, now: datetime
) -> list[Clock]:
    return clocks(
        event_log,
        first_response=policy.first_response_minutes,
        next_response=policy.next_response_minutes,
        resolution=policy.resolution_minutes,
        now=now,
        hours=hours_of(policy),
    )


def status_for(
    session: Session, *, ticket: Ticket, now: datetime | None = None
) -> dict[str, object] | None:
    """What the ticket page shows: the policy and each clock's state and due time."""
    from ticketing.sla.definitions import cached_policies

    policy = policy_for(cached_policies(session), ticket)
    if policy is None:
        return None
    found = clocks_for(ticket, list(ticket.events), policy, now or utcnow())
    # ``clocks`` holds the current (or latest) next-response cycle; the cycles list has them all.
    return {
        "policy": policy.name,
        "clocks": {c.metric: c.as_dict() for c in found},
        "next_response_cycles": [c.as_dict() for c in found if c.metric == "next_response"],
    }


@dataclass
class SweepResult:
    checked: int = 0
    warnings: int = 0
    breaches: int = 0
    escalations: int = 0


def _announced(event_log: list[TicketEvent]) -> set[tuple[str, str, str]]:
    return {
        (e.kind, str(e.data.get("metric")), str(e.data.get("cycle")))
        for e in event_log
        if e.kind in (WARNING, BREACHED, ESCALATED)
    }


def _leads(session: Session, ticket: Ticket) -> list[str]:
    if ticket.team_id is None:
        return []
    return list(
        session.scalars(
            select(Agent.email)
            .where(Agent.team_id == ticket.team_id, Agent.is_lead.is_(True))
            .order_by(Agent.email)
        )
    )


def check_ticket(
    session: Session,
    *,
    ticket: Ticket,
    policies: list[SlaPolicy],
    now: datetime,
    result: SweepResult,
) -> None:
    policy = policy_for(policies, ticket)
    if policy is None:
        return
    event_log = list(ticket.events)
    done = _announced(event_log)
    result.checked += 1
    for clock in clocks_for(ticket, event_log, policy, now):
        if clock.stopped:
            continue
        base = {
            "metric": clock.metric,
            "cycle": clock.cycle,
            "policy": policy.name,
            "target_minutes": clock.target_minutes,
            "elapsed_minutes": round(clock.elapsed_minutes, 1),
        }
        if (
            clock.running
            and not clock.breached
            and clock.remaining_minutes <= policy.warn_before_minutes
            and (WARNING, clock.metric, clock.cycle) not in done
        ):
            notify = [ticket.assignee.email] if ticket.assignee else _leads(session, ticket)
            events.record(
                session,
                ticket=ticket,
                kind=WARNING,
                actor="sla",
                data=base
                | {"due_at": clock.due_at.isoformat() if clock.due_at else None, "notify": notify},
            )
            result.warnings += 1
        if clock.breached and (BREACHED, clock.metric, clock.cycle) not in done:
            leads = _leads(session, ticket) or ["supervisor"]
            events.record(
                session,
                ticket=ticket,
                kind=BREACHED,
                actor="sla",
                data=base | {"level": 1, "escalated_to": leads},
            )
            result.breaches += 1
        overdue = clock.elapsed_minutes - clock.target_minutes
        if (
            clock.breached
            and overdue >= policy.supervisor_after_minutes
            and (ESCALATED, clock.metric, clock.cycle) not in done
        ):
            events.record(
                session,
                ticket=ticket,
                kind=ESCALATED,
                actor="sla",
                data=base | {"level": 2, "escalated_to": ["supervisor"]},
            )
            result.escalations += 1


def sweep_batch(
    session: Session,
    *,
    after_number: int,
    batch_size: int,
    now: datetime,
    policies: list[SlaPolicy],
    result: SweepResult,
) -> int | None:
    """Check the next batch of active tickets; returns the last number seen (None: no more).

    Waiting tickets are checked too: their clocks are paused, but one that ran out before the
    pause (between two sweeps) is still a breach to report. Rows another sweeper holds are
    skipped; it is checking them right now.
    """
    query = (
        select(Ticket)
        .where(Ticket.status_category.in_(ACTIVE_CATEGORIES), Ticket.number > after_number)
        .order_by(Ticket.number)
        .limit(batch_size)
        .options(
            selectinload(Ticket.events),
            selectinload(Ticket.customer),
            selectinload(Ticket.assignee),
        )
    )
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True, of=Ticket)
    tickets = list(session.scalars(query))
    if not tickets:
        return None
    for ticket in tickets:
        check_ticket(session, ticket=ticket, policies=policies, now=now, result=result)
    session.flush()
    return tickets[-1].number
