"""Claiming, assigning and re-routing tickets. Every change is a versioned UPDATE of the ticket,
so two agents claiming at the same moment cannot both win (the loser gets a 409)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from deskmate.db import utcnow
from deskmate.errors import Conflict, NotFound
from ticketing import events, repository
from ticketing.concurrency import flush_or_conflict
from ticketing.customers.models import CustomerTier
from ticketing.models import ACTIVE_CATEGORIES, Agent, Ticket
from ticketing.routing.service import AgentSkills, SkillSource, pick_agent


def agent_or_raise(session: Session, email: str) -> Agent:
    agent = repository.agent_by_email(session, email)
    if agent is None:
        raise NotFound(f"No agent with email {email.strip()[:80]!r}.")
    return agent


def _check_version(ticket: Ticket, version: int | None) -> None:
    if version is not None and version != ticket.version:
        raise Conflict(
            f"{ticket.reference} changed since you read it (version {ticket.version}, "
            f"you sent {version}); reload and try again."
        )


def _check_open(ticket: Ticket) -> None:
    if ticket.status_category not in ACTIVE_CATEGORIES:
        raise Conflict(f"{ticket.reference} is {ticket.status}; only open tickets are assigned.")


def claim(
    session: Session, *, ticket: Ticket, agent: Agent, version: int | None, actor: str
) -> Ticket:
    """The agent takes the ticket; refused if someone else holds it (or took it meanwhile)."""
    _check_version(ticket, version)
    _check_open(ticket)
    if not agent.available:
        raise Conflict(f"{agent.email} is marked unavailable.")
    if ticket.assignee_id == agent.id:
        return ticket
    if ticket.assignee_id is not None:
        holder = ticket.assignee.email if ticket.assignee else "another agent"
        raise Conflict(
            f"{ticket.reference} is already claimed by {holder}.", code="already_claimed"
        )
    _set_assignee(session, ticket=ticket, agent=agent, kind="claimed", actor=actor, reasons=[])
    return ticket


def assign(
    session: Session,
    *,
    ticket: Ticket,
    agent: Agent,
    version: int | None,
    actor: str,
    reason: str | None,
) -> Ticket:
    _check_version(ticket, version)
    _check_open(ticket)
    if not agent.available:
        raise Conflict(f"{agent.email} is marked unavailable.")
    reasons = [reason] if reason else []
    _set_assignee(
        session, ticket=ticket, agent=agent, kind="assigned", actor=actor, reasons=reasons
    )
    return ticket


def _set_assignee(
    session: Session,
    *,
    ticket: Ticket,
    agent: Agent | None,
    kind: str,
    actor: str,
    reasons: list[str],
) -> None:
    before = ticket.assignee.email if ticket.assignee else None
    ticket.assignee_id = agent.id if agent else None
    ticket.assignee = agent
    if agent is not None:
        ticket.team_id = agent.team_id or ticket.team_id
        agent.last_assigned_at = utcnow()
    events.record(
        session,
        ticket=ticket,
        kind=kind,
        actor=actor,
        data={"from": before, "to": agent.email if agent else None, "reasons": reasons},
    )
    flush_or_conflict(session, ticket)


def set_availability(
    session: Session,
    *,
    agent: Agent,
    available: bool,
    actor: str,
    skills: SkillSource | None = None,
) -> list[Ticket]:
    """Mark an agent (un)available; an unavailable agent's open tickets are re-routed in the
    same transaction (to a colleague in the team, or left with the team)."""
    agent.available = available
    session.flush()
    if available:
        return []
    moved = repository.active_tickets_of(session, agent.id)
    for ticket in moved:
        reasons = [f"{agent.email} became unavailable"]
        replacement = None
        if ticket.team is not None:
            tier = ticket.customer.tier if ticket.customer else CustomerTier.GENERAL
            replacement = pick_agent(
                session,
                team=ticket.team,
                ticket=ticket,
                tier=tier,
                skill=ticket.category,
                reasons=reasons,
                skills=skills or AgentSkills(),
                exclude={agent.id},
            )
        _set_assignee(
            session, ticket=ticket, agent=replacement, kind="rerouted", actor=actor, reasons=reasons
        )
    return moved
