"""Routing: pick a team for a ticket, then the agent best placed to take it, and say why.

Team: the first team (by key) that serves the ticket's product, else its category, else its
language. Agent: available, under capacity, speaks the ticket's language when anyone does,
covers the product; among those the least loaded, then the most skilled, then by email so the
choice is stable.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from ticketing import repository
from ticketing.models import Agent, Team, Ticket


@dataclass
class RoutingDecision:
    team: Team | None
    agent: Agent | None
    reasons: list[str] = field(default_factory=list)


def _pick_team(teams: list[Team], ticket: Ticket, reasons: list[str]) -> Team | None:
    for team in teams:
        if ticket.product and ticket.product in team.products:
            reasons.append(f"team {team.key}: serves product {ticket.product}")
            return team
    for team in teams:
        if ticket.category and ticket.category in team.categories:
            reasons.append(f"team {team.key}: serves category {ticket.category}")
            return team
    for team in teams:
        if ticket.language in team.languages:
            reasons.append(
                f"team {team.key}: no product or category match; speaks {ticket.language}"
            )
            return team
    reasons.append("no team matches the product, category or language")
    return None


def _best_level(agent: Agent) -> int:
    return max((int(skill.get("level", 0)) for skill in agent.skills), default=0)


def route(session: Session, *, ticket: Ticket) -> RoutingDecision:
    reasons: list[str] = []
    team = _pick_team(repository.teams(session), ticket, reasons)
    if team is None:
        return RoutingDecision(team=None, agent=None, reasons=reasons)
    agents = [a for a in repository.team_agents(session, team.id) if a.available]
    load = repository.open_load(session, [a.id for a in agents])
    free = [a for a in agents if load.get(a.id, 0) < a.capacity]
    if not free:
        reasons.append(f"no agent of {team.key} is available under capacity; left with the team")
        return RoutingDecision(team=team, agent=None, reasons=reasons)
    speakers = [a for a in free if ticket.language in a.languages] or free
    covering = [a for a in speakers if ticket.product and ticket.product in a.products] or speakers
    chosen = min(covering, key=lambda a: (load.get(a.id, 0), -_best_level(a), a.email))
    reasons.append(
        f"agent {chosen.email}: available, load {load.get(chosen.id, 0)}/{chosen.capacity}"
        + (f", speaks {ticket.language}" if ticket.language in chosen.languages else "")
        + (f", covers {ticket.product}" if ticket.product in chosen.products else "")
        + f", least loaded of {len(covering)} candidate(s)"
    )
    return RoutingDecision(team=team, agent=chosen, reasons=reasons)
