"""Routing rules and teams, cached per process for ticket creation.

A change through the ORM in this process (the routing API, seeding) is seen at once; other
worker processes see it within ROUTING_CACHE_SECONDS (see deskmate/cache.py). Agents are not
cached: availability, capacity and load change all the time and are read fresh per ticket.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from deskmate.cache import ProcessCache, detached_copy
from ticketing import repository
from ticketing.models import Team
from ticketing.routing.models import RoutingRule

ROUTING_CACHE_SECONDS = 5.0
_rules: ProcessCache[tuple[RoutingRule, ...]] = ProcessCache(
    "routing rules", ttl=ROUTING_CACHE_SECONDS, watches=(RoutingRule, Team)
)
_teams: ProcessCache[tuple[Team, ...]] = ProcessCache(
    "teams", ttl=ROUTING_CACHE_SECONDS, watches=(Team,)
)


def _rule_copies(session: Session) -> tuple[RoutingRule, ...]:
    rules = session.scalars(
        select(RoutingRule)
        .where(RoutingRule.enabled.is_(True))
        .order_by(RoutingRule.position, RoutingRule.name)
    ).all()
    copies = []
    for rule in rules:
        copy = detached_copy(rule)
        copy.team = detached_copy(rule.team)
        copies.append(copy)
    return tuple(copies)


def enabled_rules(session: Session) -> tuple[RoutingRule, ...]:
    """Enabled rules in the order they are tried, each with its team; read only (copies)."""
    return _rules.get("enabled", lambda: _rule_copies(session))


def all_teams(session: Session) -> tuple[Team, ...]:
    """Every team by key; read only (copies: use ``session_team`` for the ticket)."""
    return _teams.get("all", lambda: tuple(detached_copy(t) for t in repository.teams(session)))


def session_team(session: Session, team: Team) -> Team | None:
    """The session's own instance of a cached team (from the identity map, or by primary key);
    None if it was deleted since it was cached."""
    return session.get(Team, team.id)
