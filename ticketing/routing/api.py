from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Response
from sqlalchemy import select

from deskmate.auth.principal import Principal
from deskmate.deps import SessionDep, require_permission
from deskmate.errors import Unprocessable
from deskmate.pagination import Page, PageNumber, PerPage
from experts.service import YellowPagesSkills
from ticketing import named, repository
from ticketing.listing import page_of, sort_order
from ticketing.models import Team
from ticketing.routing import assignment
from ticketing.routing.models import RoutingRule
from ticketing.routing.schemas import (
    AvailabilityRead,
    AvailabilityUpdate,
    RoutingRuleIn,
    RoutingRuleRead,
)

router = APIRouter(prefix="/api/v1", tags=["routing"])

CanRead = Annotated[Principal, Depends(require_permission("tickets.config.read"))]
CanAdmin = Annotated[Principal, Depends(require_permission("tickets.config.admin"))]
CanSetAvailability = Annotated[
    Principal, Depends(require_permission("tickets.agents.availability"))
]


def _read(rule: RoutingRule) -> RoutingRuleRead:
    return RoutingRuleRead(
        name=rule.name,
        position=rule.position,
        match=rule.match,
        team=rule.team.key,
        skill=rule.skill,
        enabled=rule.enabled,
    )


RuleSort = Literal["position", "-position", "name", "-name", "updated_at", "-updated_at"]


@router.get("/routing/rules", response_model=Page[RoutingRuleRead])
def list_rules(
    session: SessionDep,
    _token: CanRead,
    team: Annotated[str | None, Query(max_length=50, description="team key")] = None,
    enabled: bool | None = None,
    sort: RuleSort = "position",
    page: PageNumber = 1,
    per_page: PerPage = 20,
) -> Page[RoutingRuleRead]:
    """Rules in the order routing tries them (``position``), unless sorted otherwise."""
    query = select(RoutingRule)
    if team is not None:
        query = query.join(RoutingRule.team).where(Team.key == team)
    if enabled is not None:
        query = query.where(RoutingRule.enabled.is_(enabled))
    columns = {
        "position": RoutingRule.position,
        "name": RoutingRule.name,
        "updated_at": RoutingRule.updated_at,
    }
    return page_of(
        session,
        query,
        page=page,
        per_page=per_page,
        order_by=sort_order(sort, columns, RoutingRule.name),
        read=_read,
    )


@router.put("/routing/rules/{name}", response_model=RoutingRuleRead)
def put_rule(
    name: str, data: RoutingRuleIn, session: SessionDep, _token: CanAdmin, response: Response
) -> RoutingRuleRead:
    """Create or replace the rule called ``name`` (admins only)."""
    team = repository.team_by_key(session, data.team)
    if team is None:
        raise Unprocessable(f"No team with key {data.team!r}.")
    rule = named.for_put(session, RoutingRule, name=name, body_name=data.name, response=response)
    rule.position, rule.match, rule.skill, rule.enabled = (
        data.position,
        data.match,
        data.skill,
        data.enabled,
    )
    rule.team = team
    session.commit()
    return _read(rule)


@router.delete("/routing/rules/{name}", status_code=204)
def delete_rule(name: str, session: SessionDep, _token: CanAdmin) -> Response:
    session.delete(named.by_name_or_raise(session, RoutingRule, name, "routing rule"))
    session.commit()
    return Response(status_code=204)


@router.put("/agents/{email}/availability", response_model=AvailabilityRead)
def set_availability(
    email: str, data: AvailabilityUpdate, session: SessionDep, token: CanSetAvailability
) -> AvailabilityRead:
    """Mark an agent (un)available; going unavailable re-routes their open tickets."""
    agent = assignment.agent_or_raise(session, email)
    moved = assignment.set_availability(
        session,
        agent=agent,
        available=data.available,
        actor=token.actor,
        skills=YellowPagesSkills(session),
    )
    session.commit()
    return AvailabilityRead(
        agent=agent.email, available=agent.available, rerouted=[t.reference for t in moved]
    )
