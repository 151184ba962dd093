from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from tests.ticketing.factories import add_agent, add_team, open_ticket
from tests.ticketing.sla.factories import (
    add_policy,
    committed_open_tickets,
    concurrent_sweeps,
    sweep_once,
)
from ticketing.models import Ticket, TicketEvent
from ticketing.sla.service import load_policies, policy_for, status_for


def _kinds(ticket: Ticket) -> list[str]:
    return [e.kind for e in ticket.events if e.kind.startswith("sla.")]


def test_most_specific_policy_applies(session: Session) -> None:
    add_policy(session)
    add_policy(
        session,
        name="urgent-faults",
        ticket_type="fault",
        priority="urgent",
        first_response_minutes=10,
    )
    urgent = open_ticket(session, priority="urgent")
    normal = open_ticket(session)
    policies = load_policies(session)
    assert policy_for(policies, urgent).name == "urgent-faults"  # type: ignore[union-attr]
    assert policy_for(policies, normal).name == "default"  # type: ignore[union-attr]


def test_warning_then_breach_to_the_lead_then_supervisor_each_once(session: Session) -> None:
    team = add_team(session)
    add_agent(session, team)
    add_agent(
        session, team, name="Lead", email="lead@lumora.example", is_lead=True, available=False
    )
    add_policy(session)
    ticket = open_ticket(session)
    start = ticket.created_at
    assert sweep_once(session, start + timedelta(minutes=30)).warnings == 0
    assert sweep_once(session, start + timedelta(minutes=50)).warnings == 1  # first response only
    assert sweep_once(session, start + timedelta(minutes=55)).warnings == 0
    warning = next(e for e in ticket.events if e.kind == "sla.warning")
    assert warning.data["metric"] == "first_response"
    assert warning.data["notify"] == ["ada@lumora.example"]
    breach = sweep_once(session, start + timedelta(minutes=61))
    assert breach.breaches == 1 and breach.escalations == 0
    breached = next(e for e in ticket.events if e.kind == "sla.breached")
    assert breached.data["escalated_to"] == ["lead@lumora.example"]
    assert sweep_once(session, start + timedelta(minutes=100)).breaches == 0
    assert sweep_once(session, start + timedelta(minutes=121)).escalations == 1
    assert sweep_once(session, start + timedelta(minutes=200)).escalations == 0
    assert _kinds(ticket) == ["sla.warning", "sla.breached", "sla.escalated"]
    shown = status_for(session, ticket=ticket, now=start + timedelta(minutes=200))
    assert shown is not None and shown["policy"] == "default"
    assert shown["clocks"]["first_response"]["state"] == "breached"  # type: ignore[index]


def test_waiting_tickets_are_not_warned(session: Session) -> None:
    from ticketing.workflows import service as workflows
    from ticketing.workflows.schemas import TransitionRequest

    add_policy(session)
    ticket = open_ticket(session)
    for status in ("triaged", "waiting_on_customer"):
        workflows.transition(
            session, ticket=ticket, request=TransitionRequest(to=status), actor="agent:a"
        )
    assert sweep_once(session, ticket.created_at + timedelta(minutes=59)).checked == 1
    assert _kinds(ticket) == []  # paused at once: nothing to warn about


def test_a_breach_just_before_a_pause_is_still_reported(session: Session) -> None:
    """The clock ran out at minute 60, the ticket went to waiting at 62, no sweep in between."""
    from ticketing.workflows import service as workflows
    from ticketing.workflows.schemas import TransitionRequest

    add_policy(session)
    ticket = open_ticket(session)
    start = next(e.created_at for e in ticket.events if e.kind == "created")
    for minute, status in ((1, "triaged"), (62, "waiting_on_customer")):
        workflows.transition(
            session, ticket=ticket, request=TransitionRequest(to=status), actor="agent:a"
        )
        ticket.events[-1].created_at = start + timedelta(minutes=minute)
    swept = sweep_once(session, start + timedelta(minutes=300))
    assert (swept.warnings, swept.breaches, swept.escalations) == (0, 1, 0)
    breach = next(e for e in ticket.events if e.kind == "sla.breached")
    assert breach.data["metric"] == "first_response" and breach.data["elapsed_minutes"] == 62
    # Paused, the overdue time does not grow: no supervisor escalation while it waits.
    assert sweep_once(session, start + timedelta(minutes=900)).escalations == 0


@pytest.mark.postgres
def test_two_concurrent_sweepers_warn_once_per_ticket(committed: sessionmaker[Session]) -> None:
    latest = committed_open_tickets(committed, 60)
    results = concurrent_sweeps(committed, now=latest + timedelta(minutes=50), batch_size=4)
    assert sum(r.warnings for r in results) == 60
    with committed() as session:
        warned = list(
            session.scalars(select(TicketEvent.ticket_id).where(TicketEvent.kind == "sla.warning"))
        )
    assert len(warned) == 60 and len(set(warned)) == 60
