"""Warning before a breach, escalation to the team lead on the breach and to a supervisor after
it, for each of the three targets and for every next-response cycle of a ticket's life."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from tests.ticketing.factories import add_agent, add_team, open_ticket
from tests.ticketing.sla.factories import (
    add_policy,
    committed_open_tickets,
    concurrent_sweeps,
    sweep_once,
)
from ticketing import conversation
from ticketing.models import Ticket, TicketEvent
from ticketing.schemas import MessageCreate
from ticketing.sla import tasks
from ticketing.sla.service import SweepResult, status_for


def _start(ticket: Ticket) -> datetime:
    return next(e.created_at for e in ticket.events if e.kind == "created")


def _say(session: Session, ticket: Ticket, author_kind: str, minute: int) -> None:
    """A message, dated ``minute`` minutes after the ticket was opened."""
    conversation.add_message(
        session,
        ticket=ticket,
        data=MessageCreate.model_validate({"author_kind": author_kind, "body": "..."}),
        actor="test",
    )
    ticket.events[-1].created_at = _start(ticket) + timedelta(minutes=minute)


def _sla_events(ticket: Ticket) -> list[tuple[str, str, str, object]]:
    return [
        (e.kind, str(e.data["metric"]), str(e.data["cycle"]), e.data.get("escalated_to"))
        for e in ticket.events
        if e.kind.startswith("sla.")
    ]


@pytest.fixture
def staffed(session: Session) -> Session:
    team = add_team(session)
    add_agent(session, team)
    add_agent(session, team, name="Lin", email="lead@lumora.example", is_lead=True, available=False)
    return session


def test_each_next_response_cycle_is_warned_breached_and_escalated_once(staffed: Session) -> None:
    session = staffed
    add_policy(session)  # next response 30, warn 15 before, supervisor 60 after the breach
    ticket = open_ticket(session)
    t0 = _start(ticket)
    _say(session, ticket, "agent", 5)  # first response met
    _say(session, ticket, "customer", 10)  # cycle 1 starts
    _say(session, ticket, "note", 20)  # an internal note does not stop it
    for minute, expected in ((24, 0), (30, 1), (35, 0)):
        assert sweep_once(session, t0 + timedelta(minutes=minute)).warnings == expected, minute
    assert sweep_once(session, t0 + timedelta(minutes=41)).breaches == 1
    assert sweep_once(session, t0 + timedelta(minutes=69)).escalations == 0
    assert sweep_once(session, t0 + timedelta(minutes=101)).escalations == 1
    _say(session, ticket, "agent", 105)  # cycle 1 answered, late
    assert sweep_once(session, t0 + timedelta(minutes=115)) == SweepResult(checked=1)
    _say(session, ticket, "customer", 120)  # cycle 2: a fresh clock, announced afresh
    swept = [sweep_once(session, t0 + timedelta(minutes=m)) for m in (140, 151, 211, 300)]
    assert [(r.warnings, r.breaches, r.escalations) for r in swept] == [
        (1, 0, 0),
        (0, 1, 0),
        (0, 0, 1),
        (0, 0, 0),
    ]
    announced = _sla_events(ticket)
    cycles = sorted({c for _, metric, c, _ in announced if metric == "next_response"})
    assert len(cycles) == 2
    lead, supervisor = ["lead@lumora.example"], ["supervisor"]
    for cycle in cycles:
        assert [(k, to) for k, m, c, to in announced if c == cycle] == [
            ("sla.warning", None),
            ("sla.breached", lead),
            ("sla.escalated", supervisor),
        ]
    assert {m for _, m, _, _ in announced} == {"next_response"}
    shown = status_for(session, ticket=ticket, now=t0 + timedelta(minutes=300))
    assert shown is not None
    states = [c["state"] for c in shown["next_response_cycles"]]  # type: ignore[attr-defined]
    assert states == ["breached", "breached"]


def test_a_cycle_waiting_on_the_customer_is_not_warned(staffed: Session) -> None:
    from ticketing.workflows import service as workflows
    from ticketing.workflows.schemas import TransitionRequest

    session = staffed
    add_policy(session)
    ticket = open_ticket(session)
    t0 = _start(ticket)
    _say(session, ticket, "agent", 5)
    _say(session, ticket, "customer", 10)
    for status in ("triaged", "waiting_on_customer"):
        workflows.transition(
            session, ticket=ticket, request=TransitionRequest(to=status), actor="agent:a"
        )
    ticket.events[-1].created_at = t0 + timedelta(minutes=12)
    ticket.events[-2].created_at = t0 + timedelta(minutes=11)
    swept = sweep_once(session, t0 + timedelta(minutes=500))
    assert swept == SweepResult(checked=1)  # paused after one minute: nothing to announce
    assert _sla_events(ticket) == []


def test_resolution_is_warned_breached_and_escalated(staffed: Session) -> None:
    session = staffed
    add_policy(session, resolution_minutes=120)
    ticket = open_ticket(session)
    t0 = _start(ticket)
    _say(session, ticket, "agent", 5)
    swept = [sweep_once(session, t0 + timedelta(minutes=m)) for m in (100, 106, 121, 150, 181, 200)]
    assert [(r.warnings, r.breaches, r.escalations) for r in swept] == [
        (0, 0, 0),
        (1, 0, 0),
        (0, 1, 0),
        (0, 0, 0),
        (0, 0, 1),
        (0, 0, 0),
    ]
    warning = next(e for e in ticket.events if e.kind == "sla.warning")
    assert warning.data["notify"] == ["ada@lumora.example"]  # the assignee is warned
    assert [(k, m, to) for k, m, _, to in _sla_events(ticket)] == [
        ("sla.warning", "resolution", None),
        ("sla.breached", "resolution", ["lead@lumora.example"]),
        ("sla.escalated", "resolution", ["supervisor"]),
    ]


def test_without_a_team_lead_a_breach_goes_to_the_supervisor(session: Session) -> None:
    add_policy(session)
    ticket = open_ticket(session)
    sweep_once(session, _start(ticket) + timedelta(minutes=61))
    breach = next(e for e in ticket.events if e.kind == "sla.breached")
    assert breach.data["metric"] == "first_response"
    assert breach.data["escalated_to"] == ["supervisor"]


@pytest.mark.postgres
def test_two_concurrent_sweepers_escalate_each_breach_once(
    committed: sessionmaker[Session],
) -> None:
    """Both sweepers run the whole sweep at the same moment; SKIP LOCKED splits the tickets
    between them, and what one announced the other reads back, so nothing is doubled."""
    latest = committed_open_tickets(committed, 40)
    now = latest + timedelta(minutes=125)  # breached and 60 minutes past: both levels due
    results = concurrent_sweeps(committed, now=now, batch_size=3)
    assert sum(r.breaches for r in results) == 40
    assert sum(r.escalations for r in results) == 40
    with committed() as session:
        per_ticket = session.execute(
            select(TicketEvent.kind, func.count(), func.count(TicketEvent.ticket_id.distinct()))
            .where(TicketEvent.kind.in_(["sla.breached", "sla.escalated"]))
            .group_by(TicketEvent.kind)
        ).all()
    assert sorted(per_ticket) == [("sla.breached", 40, 40), ("sla.escalated", 40, 40)]
    # A second round later finds everything announced already.
    assert tasks.sweep(committed, now=now + timedelta(minutes=5)).escalations == 0
