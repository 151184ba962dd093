from __future__ import annotations

import uuid

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from deskmate import seed
from deskmate.errors import BadRequest, Conflict
from experts import service
from experts.models import EvidenceKind, Expert
from experts.schemas import EvidenceCreate
from knowledge.embedding import Embedder
from knowledge.models import GapTask, KnowledgeGap
from tests.experts.factories import add_expert
from tests.ticketing.factories import add_agent, add_team, open_ticket
from ticketing.models import Agent, StatusCategory, Ticket
from ticketing.workflows.schemas import TransitionRequest
from ticketing.workflows.service import transition


def _evidence(n: int, skill: str) -> list[EvidenceCreate]:
    return [
        EvidenceCreate(kind=EvidenceKind.TICKET_RESOLVED, ref=f"{skill}-{i}", skills=[skill])
        for i in range(n)
    ]


def test_evidence_raises_proficiency_by_the_documented_rule(session: Session) -> None:
    agent = Agent(name="Priya", email="priya.agent@example.com")
    session.add(agent)
    session.flush()
    expert = add_expert(session, agent_id=agent.id)
    assert service.proficiency(session, agent_id=agent.id, skill="Wiring") == 3
    assert service.proficiency(session, agent_id=agent.id, skill="billing") is None
    for item in _evidence(2, "wiring") + _evidence(1, "billing"):
        service.add_evidence(session, expert=expert, data=item)
    assert service.effective_skills(expert) == {"wiring": 3, "billing": 1}
    for item in _evidence(6, "wiring"):  # refs wiring-0, wiring-1 repeat: counted once
        service.add_evidence(session, expert=expert, data=item)
    assert len(expert.evidence) == 7
    assert service.proficiency(session, agent_id=agent.id, skill="wiring") == 5  # 3 + 6 // 3
    for item in _evidence(30, "wiring"):
        service.add_evidence(session, expert=expert, data=item)
    assert service.effective_skills(expert)["wiring"] == 5  # capped


def test_routing_reads_every_candidates_level_in_two_queries(session: Session) -> None:
    """YellowPagesSkills.levels: yellow-pages level (evidence included) for linked agents, the
    agent record's own skills for the others, 0 for neither; two queries (entries, evidence)
    whatever the pool's size."""
    from sqlalchemy import event

    agents = [Agent(name=f"A{i}", email=f"a{i}@example.com") for i in range(6)]
    agents[4].skills = [{"skill": "Wiring", "level": 2}]
    session.add_all(agents)
    session.flush()
    linked = add_expert(session, agent_id=agents[0].id)
    for item in _evidence(3, "wiring"):
        service.add_evidence(session, expert=linked, data=item)
    add_expert(session, email="b@example.com", agent_id=agents[1].id, skills=[])
    session.flush()
    session.expunge_all()  # nothing already loaded: what the next ticket's routing sees
    pool = list(session.scalars(select(Agent).order_by(Agent.email)))
    statements: list[str] = []

    def count(*args: object) -> None:
        statements.append(str(args[2]))

    engine = session.get_bind()
    event.listen(engine, "before_cursor_execute", count)
    try:
        levels = service.YellowPagesSkills(session).levels(pool, "WIRING")
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert [levels[a.id] for a in pool] == [4, 0, 0, 0, 2, 0]  # 3 + 3 // 3; none; ...; own 2
    assert len(statements) == 2, statements
    assert service.YellowPagesSkills(session).levels([], "wiring") == {}


def test_hooks_record_evidence_for_linked_people_only(session: Session) -> None:
    agent = Agent(name="Priya", email="priya.agent@example.com")
    session.add(agent)
    session.flush()
    expert = add_expert(session, agent_id=agent.id)
    resolved = service.record_ticket_resolved(
        session, agent_id=agent.id, reference="DM-000001", title="No heat", skills=["HVAC"]
    )
    assert resolved is not None and resolved.skills == ["hvac"]
    published = service.record_article_published(
        session,
        author_email="PRIYA@example.com",
        article_id=expert.id,
        title="C-wire",
        skills=["wiring"],
    )
    assert published is not None
    assert (
        service.record_article_published(
            session, author_email="nobody@example.com", article_id=expert.id, title="x", skills=[]
        )
        is None
    )
    assert "Worked on: No heat; C-wire." in service.profile_text(expert)


def test_duplicate_email_and_bad_agent_links_are_refused(session: Session) -> None:
    add_expert(session)
    with pytest.raises(Conflict):
        add_expert(session, email="Priya@example.com")
    with pytest.raises(BadRequest, match="No agent"):
        add_expert(session, email="x@example.com", agent_id=uuid.uuid4())


def test_load_counts_open_tickets_of_the_agent_and_open_gap_tasks(session: Session) -> None:
    agent = Agent(name="Priya", email="priya.agent@example.com")
    session.add(agent)
    session.flush()
    expert = add_expert(session, agent_id=agent.id)
    categories = [StatusCategory.OPEN, StatusCategory.WAITING, StatusCategory.CLOSED]
    for number, category in enumerate(categories):
        session.add(
            Ticket(
                number=number + 1,
                description="d",
                status=category.value,
                status_category=category,
                assignee_id=agent.id,
            )
        )
    gap = KnowledgeGap(label="g", embedder="e", volume=1)
    session.add(gap)
    session.flush()
    session.add(GapTask(gap_id=gap.id, expert_id=expert.id))
    session.flush()
    assert service.read_expert(session, expert).load == 3


@pytest.fixture
def yellow_pages(session: Session) -> Session:
    seed.seed_org(session)
    assert seed.seed_experts(session) == 14
    assert seed.seed_experts(session) == 0  # idempotent
    return session


def test_seeded_yellow_pages_link_agents_and_add_staff(yellow_pages: Session) -> None:
    experts = {e.email: e for e in yellow_pages.scalars(select(Expert))}
    maya = experts["maya.lindqvist@lumora.example"]
    assert maya.agent_id is not None and maya.department == "Devices Support"
    assert {"skill": "wifi", "level": 5} in maya.skills
    assert experts["oskar.nilsson@lumora.example"].agent_id is None


def test_who_knows_thermostat_wiring(yellow_pages: Session, embedder: Embedder) -> None:
    matches = service.search_experts(
        yellow_pages, query="who can help with thermostat wiring?", k=5, embedder=embedder
    )
    names = [m.name for m in matches]
    assert names[0] == "Priya Raman"
    assert names[:3] == ["Priya Raman", "Zhou Ming", "Jonas Becker"]  # the thermostat team
    top = matches[0]
    assert "knows wiring (level 5)" in top.reasons
    assert "works on Lumora Thermostat" in top.reasons
    assert any(r.startswith("available, load 0/") for r in top.reasons)


def test_language_and_customer_tier_change_the_choice(
    yellow_pages: Session, embedder: Embedder
) -> None:
    query = "refund for my Lumora Cloud subscription"
    plain = service.search_experts(yellow_pages, query=query, k=5, embedder=embedder)
    assert plain[0].name == "Aisha Okafor"
    chinese = service.search_experts(
        yellow_pages, query=query, k=3, embedder=embedder, language="zh"
    )
    assert chinese[0].name != "Aisha Okafor"
    assert "speaks zh" in chinese[0].reasons
    core = service.search_experts(
        yellow_pages, query=query, k=3, embedder=embedder, customer_tier="core"
    )
    assert "serves core customers" in core[0].reasons
    with pytest.raises(BadRequest):
        service.search_experts(yellow_pages, query="  ", k=3, embedder=embedder)


def test_an_unavailable_expert_falls_behind(yellow_pages: Session, embedder: Embedder) -> None:
    query = "camera firmware motion detection bug"
    first = service.search_experts(yellow_pages, query=query, k=2, embedder=embedder)
    assert first[0].name == "Oskar Nilsson"
    oskar = yellow_pages.scalars(select(Expert).where(Expert.name == "Oskar Nilsson")).one()
    oskar.available = False
    yellow_pages.flush()
    again = service.search_experts(yellow_pages, query=query, k=5, embedder=embedder)
    mine = next(m for m in again if m.name == "Oskar Nilsson")
    assert "not available now" in mine.reasons and mine.score < first[0].score


def test_a_banking_core_customer_gets_a_careful_banking_expert(
    yellow_pages: Session, embedder: Embedder
) -> None:
    query = "question about my Lumora Cloud invoice"
    matches = service.search_experts(
        yellow_pages,
        query=query,
        k=3,
        embedder=embedder,
        customer_tier="core",
        customer_traits=["banking"],
    )
    top = matches[0]
    assert top.name in {"Aisha Okafor", "Zhang Hui"}
    assert {"serves core customers", "serves banking customers"} <= set(top.reasons)
    plain = service.search_experts(yellow_pages, query=query, k=14, embedder=embedder)
    wang = next(m for m in plain if m.name == "Wang Xiaoling")
    banking = service.search_experts(
        yellow_pages, query=query, k=14, embedder=embedder, customer_traits=["banking"]
    )
    assert next(m for m in banking if m.name == "Wang Xiaoling").score == wang.score  # no banking
    assert (
        next(m for m in banking if m.name == "Aisha Okafor").score
        > next(m for m in plain if m.name == "Aisha Okafor").score
    )


def test_resolving_a_ticket_in_its_workflow_raises_the_assignees_skill(session: Session) -> None:
    """The workflow's move to a resolved status is what feeds the yellow pages: three resolved
    wiring tickets take a level-3 wiring expert to level 4, and nothing of the customer's text
    reaches the expert's profile. Each ticket is resolved, reopened and resolved again: once."""
    team = add_team(session)
    agent = add_agent(session, team, email="priya.agent@lumora.example")
    expert = add_expert(session, agent_id=agent.id)
    assert service.effective_skills(expert)["wiring"] == 3
    for n in range(3):
        ticket = open_ticket(
            session, description=f"secret customer text {n}", category="wiring", type="fault"
        )
        ticket.assignee_id = agent.id
        session.flush()
        for status in ("triaged", "resolved", "inspection", "repair_scheduled", "resolved"):
            transition(session, ticket=ticket, request=TransitionRequest(to=status), actor="t")
    unassigned = open_ticket(session, category="wiring", type="fault")
    unassigned.assignee_id = None  # routing gave it to the only agent; take it back
    session.flush()
    transition(session, ticket=unassigned, request=TransitionRequest(to="triaged"), actor="t")
    transition(session, ticket=unassigned, request=TransitionRequest(to="resolved"), actor="t")
    session.refresh(expert)
    assert [e.kind for e in expert.evidence] == [EvidenceKind.TICKET_RESOLVED] * 3
    assert service.effective_skills(expert)["wiring"] == 4  # 3 + 3 // 3
    assert "fault · Lumora Cam · wiring" in service.profile_text(expert)
    assert "secret" not in service.profile_text(expert)
