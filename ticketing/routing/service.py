"""Routing: pick a team for a ticket by the routing rules, then the agent best placed to take it,
and say why.

Team: the first enabled rule (by position) whose ``match`` fits the ticket; without one, the first
team (by key) that serves the ticket's product, else its category, else its language.
Agent: available, under capacity, speaks the ticket's language when anyone does, covers the
product when anyone does, has the needed skill when anyone does. Among those: for core customers
the most senior first; then the least loaded, the most proficient, the one assigned longest ago
(round robin among equals), and by email so the choice is stable.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Protocol

from sqlalchemy.orm import Session

from deskmate.db import utcnow
from ticketing import repository
from ticketing.customers.models import CustomerTier
from ticketing.models import Agent, Team, Ticket
from ticketing.routing import definitions
from ticketing.routing.models import RoutingRule

MATCH_KEYS = ("type", "product", "category", "language", "channel", "tier")
NEVER = datetime(1970, 1, 1, tzinfo=UTC)


class SkillSource(Protocol):
    """Where proficiency comes from (the agents' own skills; the yellow pages can plug in here).
    One call for the whole candidate pool, so a source that reads the database reads it once
    per ticket, not once per agent."""

    def levels(self, agents: Sequence[Agent], skill: str) -> dict[uuid.UUID, int]: ...


class AgentSkills:
    """Reads ``Agent.skills`` entries ``{"skill": name, "level": 1..5}``."""

    def proficiency(self, agent: Agent, skill: str) -> int:
        wanted = skill.casefold()
        return max(
            (
                int(s.get("level", 0))
                for s in agent.skills
                if str(s.get("skill", "")).casefold() == wanted
            ),
            default=0,
        )

    def levels(self, agents: Sequence[Agent], skill: str) -> dict[uuid.UUID, int]:
        return {agent.id: self.proficiency(agent, skill) for agent in agents}


@dataclass
class RoutingDecision:
    team: Team | None
    agent: Agent | None
    skill: str | None = None
    reasons: list[str] = field(default_factory=list)


def _attributes(ticket: Ticket, tier: str) -> dict[str, str | None]:
    return {
        "type": ticket.type,
        "product": ticket.product,
        "category": ticket.category,
        "language": ticket.language,
        "channel": ticket.channel,
        "tier": tier,
    }


def rule_matches(rule: RoutingRule, attributes: dict[str, str | None]) -> bool:
    for key, allowed in rule.match.items():
        values = allowed if isinstance(allowed, list) else [allowed]
        if attributes.get(key) not in values:
            return False
    return True


def _legacy_team(teams: list[Team], ticket: Ticket, reasons: list[str]) -> Team | None:
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
    reasons.append("no routing rule or team matches the product, category or language")
    return None


def pick_team(
    session: Session, *, ticket: Ticket, tier: str, reasons: list[str]
) -> tuple[Team | None, str | None]:
    # Rules and teams come from a per-process cache (ticketing/routing/definitions.py).
    attributes = _attributes(ticket, tier)
    for rule in definitions.enabled_rules(session):
        if rule_matches(rule, attributes):
            team = definitions.session_team(session, rule.team)
            if team is None:  # deleted in another process less than the cache's TTL ago
                continue
            shown = ", ".join(f"{k}={attributes.get(k)}" for k in sorted(rule.match)) or "anything"
            reasons.append(f"team {rule.team.key}: rule {rule.name!r} matches {shown}")
            return team, rule.skill or ticket.category
    legacy = _legacy_team(list(definitions.all_teams(session)), ticket, reasons)
    return (definitions.session_team(session, legacy) if legacy else None), ticket.category


def pick_agent(
    session: Session,
    *,
    team: Team,
    ticket: Ticket,
    tier: str,
    skill: str | None,
    reasons: list[str],
    skills: SkillSource,
    exclude: Collection[uuid.UUID] = (),
) -> Agent | None:
    members, load = repository.team_agents_with_load(session, team.id)
    agents = [a for a in members if a.available and a.id not in exclude]
    free = [a for a in agents if load.get(a.id, 0) < a.capacity]
    if not free:
        reasons.append(f"no agent of {team.key} is available under capacity; left with the team")
        return None
    pool = [a for a in free if ticket.language in a.languages] or free
    pool = [a for a in pool if ticket.product and ticket.product in a.products] or pool
    level = skills.levels(pool, skill) if skill else {a.id: 0 for a in pool}
    pool = [a for a in pool if level[a.id] > 0] or pool
    core = tier == CustomerTier.CORE

    def rank(a: Agent) -> tuple[int, int, int, datetime, str]:
        return (
            -a.seniority if core else 0,
            load.get(a.id, 0),
            -level[a.id],
            a.last_assigned_at or NEVER,
            a.email,
        )

    chosen = min(pool, key=rank)
    equals = [a for a in pool if rank(a)[:3] == rank(chosen)[:3]]
    parts = [f"agent {chosen.email}: available, load {load.get(chosen.id, 0)}/{chosen.capacity}"]
    if ticket.language in chosen.languages:
        parts.append(f"speaks {ticket.language}")
    if ticket.product in chosen.products:
        parts.append(f"covers {ticket.product}")
    if skill and level[chosen.id]:
        parts.append(f"{skill} proficiency {level[chosen.id]}")
    if core:
        parts.append(f"core customer: most senior (seniority {chosen.seniority})")
    parts.append(f"least loaded of {len(pool)} candidate(s)")
    if len(equals) > 1:
        parts.append(f"round robin among {len(equals)} equals (assigned longest ago)")
    reasons.append(", ".join(parts))
    chosen.last_assigned_at = utcnow()
    return chosen


def route(
    session: Session,
    *,
    ticket: Ticket,
    tier: str = CustomerTier.GENERAL,
    skills: SkillSource | None = None,
) -> RoutingDecision:
    reasons: list[str] = []
    team, skill = pick_team(session, ticket=ticket, tier=tier, reasons=reasons)
    if team is None:
        return RoutingDecision(team=None, agent=None, skill=skill, reasons=reasons)
    agent = pick_agent(
        session,
        team=team,
        ticket=ticket,
        tier=tier,
        skill=skill,
        reasons=reasons,
        skills=skills or AgentSkills(),
    )
    return RoutingDecision(team=team, agent=agent, skill=skill, reasons=reasons)
