from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from ticketing import service
from ticketing.models import Agent, Team, Ticket
from ticketing.schemas import TicketCreate


def add_team(session: Session, **overrides: Any) -> Team:
    data: dict[str, Any] = {
        "key": "devices",
        "name": "Devices Support",
        "products": ["Lumora Cam", "Lumora Hub"],
        "categories": ["connectivity"],
        "languages": ["en", "zh"],
    }
    data.update(overrides)
    team = Team(**data)
    session.add(team)
    session.flush()
    return team


def add_agent(session: Session, team: Team, **overrides: Any) -> Agent:
    data: dict[str, Any] = {
        "name": "Ada",
        "email": "ada@lumora.example",
        "languages": ["en"],
        "skills": [{"skill": "wifi", "level": 3}],
        "products": ["Lumora Cam"],
        "capacity": 2,
    }
    data.update(overrides)
    agent = Agent(team_id=team.id, **data)
    session.add(agent)
    session.flush()
    return agent


def open_ticket(session: Session, key: str | None = None, **overrides: Any) -> Ticket:
    data = TicketCreate.model_validate(
        {"description": "Cam offline every night", "product": "Lumora Cam", "email": "a@b.example"}
        | overrides
    )
    ticket, _ = service.create_ticket(session, data=data, actor="test", idempotency_key=key)
    return ticket
