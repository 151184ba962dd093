"""Demo data: the Lumora Home knowledge base, teams and agents, loaded into a new database."""

from __future__ import annotations

import json
from pathlib import Path

from pydantic import BaseModel, Field
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from experts.models import Expert
from knowledge import importing
from knowledge.models import Article
from knowledge.schemas import ImportReport
from ticketing.customers.models import Customer, TierRule
from ticketing.customers.schemas import TierRuleIn
from ticketing.customers.service import recompute_tier
from ticketing.models import Agent, Team
from ticketing.routing.models import RoutingRule
from ticketing.routing.schemas import RoutingRuleIn
from ticketing.sla.models import BusinessCalendar, SlaPolicy
from ticketing.sla.schemas import CalendarIn, SlaPolicyIn
from ticketing.workflows.defaults import DEFAULT_WORKFLOWS
from ticketing.workflows.models import Workflow

SEED_DIR = Path(__file__).resolve().parent / "seed"
ARTICLES = SEED_DIR / "articles.jsonl"
ORG = SEED_DIR / "org.json"


class SkillIn(BaseModel):
    skill: str
    level: int = Field(ge=1, le=5)


class TeamIn(BaseModel):
    key: str
    name: str
    products: list[str] = Field(default_factory=list)
    categories: list[str] = Field(default_factory=list)
    languages: list[str] = Field(default_factory=list)


class AgentIn(BaseModel):
    name: str
    email: str
    team: str
    languages: list[str] = Field(default_factory=list)
    skills: list[SkillIn] = Field(default_factory=list)
    products: list[str] = Field(default_factory=list)
    capacity: int = Field(default=8, ge=1)
    is_lead: bool = False
    seniority: int = Field(default=1, ge=1, le=10)


class CustomerIn(BaseModel):
    name: str
    email: str
    region: str | None = None
    language: str = "en"
    lifetime_value: float = 0
    loyalty_months: int = 0
    potential_score: int = 0
    consent: dict[str, bool] = Field(default_factory=dict)


class OrgIn(BaseModel):
    products: list[str]
    teams: list[TeamIn]
    agents: list[AgentIn]
    calendars: list[CalendarIn] = Field(default_factory=list)
    sla_policies: list[SlaPolicyIn] = Field(default_factory=list)
    routing_rules: list[RoutingRuleIn] = Field(default_factory=list)
    tier_rules: list[TierRuleIn] = Field(default_factory=list)
    customers: list[CustomerIn] = Field(default_factory=list)


def is_new(session: Session) -> bool:
    teams = session.scalar(select(func.count()).select_from(Team)) or 0
    articles = session.scalar(select(func.count()).select_from(Article)) or 0
    return teams == 0 and articles == 0


def seed_org(session: Session, *, path: Path = ORG) -> tuple[int, int]:
    """Create the demo teams and agents that are not there yet (matched by key and email)."""
    org = OrgIn.model_validate(json.loads(path.read_text(encoding="utf-8")))
    teams = {team.key: team for team in session.scalars(select(Team))}
    new_teams = new_agents = 0
    for item in org.teams:
        if item.key not in teams:
            teams[item.key] = Team(**item.model_dump())
            session.add(teams[item.key])
            new_teams += 1
    session.flush()
    known = set(session.scalars(select(Agent.email)))
    for agent in org.agents:
        if agent.email in known:
            continue
        data = agent.model_dump(exclude={"team"})
        session.add(Agent(**data, team_id=teams[agent.team].id))
        new_agents += 1
    session.flush()
    seed_processes(session, org=org, teams=teams)
    return new_teams, new_agents


class ExpertIn(BaseModel):
    """A yellow-pages entry: agents (matched by email) take their skills from ``agents``."""

    email: str
    name: str | None = None
    department: str | None = None
    bio: str = ""
    skills: list[SkillIn] = Field(default_factory=list)
    products: list[str] = Field(default_factory=list)
    languages: list[str] = Field(default_factory=list)
    customer_traits: list[str] = Field(default_factory=list)
    capacity: int = Field(default=8, ge=1)


def seed_experts(session: Session, *, path: Path = ORG) -> int:
    """Create the demo yellow pages (service agents and a few staff outside the service team)."""
    raw = json.loads(path.read_text(encoding="utf-8")).get("experts", [])
    entries = [ExpertIn.model_validate(item) for item in raw]
    agents = {agent.email: agent for agent in session.scalars(select(Agent))}
    teams = {team.id: team.name for team in session.scalars(select(Team))}
    known = set(session.scalars(select(Expert.email)))
    created = 0
    for entry in entries:
        if entry.email in known:
            continue
        agent = agents.get(entry.email)
        if agent is not None:
            session.add(
                Expert(
                    name=agent.name,
                    email=agent.email,
                    department=teams.get(agent.team_id) if agent.team_id else None,
                    agent_id=agent.id,
                    bio=entry.bio,
                    skills=list(agent.skills),
                    products=list(agent.products),
                    languages=list(agent.languages),
                    customer_traits=entry.customer_traits,
                    capacity=agent.capacity,
                )
            )
        elif entry.name is not None:
            data = entry.model_dump()
            session.add(Expert(**data))
        else:
            raise ValueError(f"expert {entry.email}: not an agent, so a name is required")
        created += 1
    session.flush()
    return created


def seed_processes(session: Session, *, org: OrgIn, teams: dict[str, Team]) -> None:
    """Workflows, calendars, SLA policies, routing rules, tier rules and demo customers of each
    tier, where they are not there yet (matched by name, type or email)."""
    for ticket_type, definition in DEFAULT_WORKFLOWS.items():
        if session.scalar(select(Workflow).where(Workflow.ticket_type == ticket_type)) is None:
            session.add(Workflow(ticket_type=ticket_type, definition=definition, updated_by="seed"))
    calendars = {c.name: c for c in session.scalars(select(BusinessCalendar))}
    for cal in org.calendars:
        if cal.name not in calendars:
            calendars[cal.name] = BusinessCalendar(
                name=cal.name,
                timezone=cal.timezone,
                weekly_hours={d: [list(w) for w in ws] for d, ws in cal.weekly_hours.items()},
                holidays=[h.isoformat() for h in cal.holidays],
            )
            session.add(calendars[cal.name])
    known_policies = set(session.scalars(select(SlaPolicy.name)))
    for policy in org.sla_policies:
        if policy.name not in known_policies:
            fields = policy.model_dump(exclude={"calendar"})
            calendar = calendars[policy.calendar] if policy.calendar else None
            session.add(SlaPolicy(**fields, calendar=calendar))
    known_rules = set(session.scalars(select(RoutingRule.name)))
    for rule in org.routing_rules:
        if rule.name not in known_rules:
            fields = rule.model_dump(exclude={"team"})
            session.add(RoutingRule(**fields, team_id=teams[rule.team].id))
    if session.scalar(select(func.count()).select_from(TierRule)) == 0:
        session.add_all(TierRule(**rule.model_dump()) for rule in org.tier_rules)
    session.flush()
    known_customers = set(session.scalars(select(Customer.email)))
    for item in org.customers:
        if item.email not in known_customers:
            customer = Customer(**item.model_dump())
            session.add(customer)
            recompute_tier(session, customer=customer)
    session.flush()


def seed_articles(session: Session, *, path: Path = ARTICLES) -> ImportReport:
    return importing.import_path(session, path=path, publish_now=True, author="seed")
