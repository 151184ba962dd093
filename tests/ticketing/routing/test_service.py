from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy.orm import Session

from tests.ticketing.factories import add_agent, add_team, open_ticket
from ticketing.models import Agent
from ticketing.routing import assignment
from ticketing.routing.models import RoutingRule


def test_rules_pick_the_team_and_the_skill(session: Session) -> None:
    devices = add_team(session)
    billing = add_team(session, key="billing", name="Billing", products=[], categories=[])
    add_agent(
        session,
        billing,
        name="Bo",
        email="bo@lumora.example",
        products=[],
        skills=[{"skill": "refunds", "level": 2}],
    )
    add_agent(
        session,
        billing,
        name="Cy",
        email="cy@lumora.example",
        products=[],
        skills=[{"skill": "refunds", "level": 5}],
    )
    session.add(
        RoutingRule(
            name="complaints-to-billing",
            position=1,
            team_id=billing.id,
            match={"type": ["complaint"], "language": ["en"]},
            skill="refunds",
        )
    )
    session.flush()
    complaint = open_ticket(session, type="complaint")
    assert complaint.team_id == billing.id
    assert complaint.assignee is not None and complaint.assignee.email == "cy@lumora.example"
    routed = next(e for e in complaint.events if e.kind == "routed")
    assert routed.data["skill"] == "refunds"
    assert (
        "rule 'complaints-to-billing' matches language=en, type=complaint"
        in routed.data["reasons"][0]
    )
    assert "refunds proficiency 5" in routed.data["reasons"][1]
    # Not matching the rule (a fault): the team that serves the product, as before.
    fault = open_ticket(session, type="fault")
    assert fault.team_id == devices.id


def test_round_robin_among_equals(session: Session) -> None:
    team = add_team(session)
    for name in ("a", "b", "c"):
        add_agent(session, team, name=name, email=f"{name}@lumora.example", capacity=10)
    picks = []
    for i in range(6):
        ticket = open_ticket(session, description=f"t{i}")
        assert ticket.assignee is not None
        picks.append(ticket.assignee.email[0])
        # Resolve at once so load stays equal: only round robin separates them.
        ticket.status_category = "resolved"
        session.flush()
    assert picks == ["a", "b", "c", "a", "b", "c"]


class FixedSkills:
    """A stand-in for the yellow pages: proficiency from somewhere other than Agent.skills."""

    def __init__(self, by_email: dict[str, int]) -> None:
        self.by_email = by_email
        self.calls = 0

    def levels(self, agents: Sequence[Agent], skill: str) -> dict[uuid.UUID, int]:
        self.calls += 1
        return {agent.id: self.by_email.get(agent.email, 0) for agent in agents}


def test_skill_source_is_pluggable(session: Session) -> None:
    from ticketing import service
    from ticketing.schemas import TicketCreate

    team = add_team(session)
    add_agent(session, team, name="A", email="a@lumora.example", capacity=5)
    add_agent(session, team, name="Z", email="z@lumora.example", capacity=5)
    data = TicketCreate(description="no wifi", product="Lumora Cam", category="connectivity")
    skills = FixedSkills({"z@lumora.example": 4})
    ticket, _ = service.create_ticket(session, data=data, actor="t", skills=skills)
    assert ticket.assignee is not None and ticket.assignee.email == "z@lumora.example"
    assert skills.calls == 1  # one call for the whole pool


def test_an_unavailable_agents_tickets_are_rerouted(session: Session) -> None:
    team = add_team(session)
    ada = add_agent(session, team, capacity=5)
    add_agent(session, team, name="Ben", email="ben@lumora.example", capacity=5)
    first = open_ticket(session)
    assert first.assignee_id == ada.id
    moved = assignment.set_availability(session, agent=ada, available=False, actor="supervisor:s")
    assert [t.id for t in moved] == [first.id]
    assert first.assignee is not None and first.assignee.email == "ben@lumora.example"
    event = [e for e in first.events if e.kind == "rerouted"][-1]
    assert event.data["from"] == "ada@lumora.example" and event.data["to"] == "ben@lumora.example"
    assert event.data["reasons"][0] == "ada@lumora.example became unavailable"
    # Nobody left: the ticket stays with the team, unassigned, and says why.
    ben = first.assignee
    assignment.set_availability(session, agent=ben, available=False, actor="supervisor:s")
    assert first.assignee_id is None and first.team_id == team.id
    assert (
        "left with the team"
        in [e for e in first.events if e.kind == "rerouted"][-1].data["reasons"][-1]
    )
