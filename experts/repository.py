from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from experts.models import Expert, ExpertEvidence
from knowledge.models import GapTask, GapTaskStatus
from ticketing import repository as ticket_repository


def get_expert(session: Session, expert_id: uuid.UUID) -> Expert | None:
    return session.get(Expert, expert_id)


def get_expert_by_email(session: Session, email: str) -> Expert | None:
    return session.scalar(select(Expert).where(func.lower(Expert.email) == email.lower()))


def get_expert_by_agent(session: Session, agent_id: uuid.UUID) -> Expert | None:
    return session.scalar(select(Expert).where(Expert.agent_id == agent_id))


def experts_by_agent(session: Session, agent_ids: list[uuid.UUID]) -> dict[uuid.UUID, Expert]:
    """The yellow-pages entries linked to these agents, with their evidence (two queries)."""
    if not agent_ids:
        return {}
    found = session.scalars(
        select(Expert).where(Expert.agent_id.in_(agent_ids)).options(selectinload(Expert.evidence))
    )
    return {expert.agent_id: expert for expert in found if expert.agent_id is not None}


def list_experts(session: Session, *, offset: int = 0, limit: int | None = None) -> list[Expert]:
    query = (
        select(Expert)
        .options(selectinload(Expert.evidence))
        .order_by(Expert.name, Expert.email)
        .offset(offset)
    )
    if limit is not None:
        query = query.limit(limit)
    return list(session.scalars(query))


def filter_experts(
    session: Session, *, available: bool | None = None, name: str | None = None
) -> list[Expert]:
    """Experts narrowed by the columns SQL can test portably: availability and a name part.

    The list-valued fields (skills, products, languages) are JSON and filtered by the caller.
    """
    query = select(Expert).options(selectinload(Expert.evidence))
    if available is not None:
        query = query.where(Expert.available == available)
    if name:
        escaped = name.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        query = query.where(func.lower(Expert.name).like(f"%{escaped}%", escape="\\"))
    return list(session.scalars(query.order_by(Expert.name, Expert.email)))


def find_evidence(
    session: Session, *, expert_id: uuid.UUID, kind: str, ref: str
) -> ExpertEvidence | None:
    return session.scalar(
        select(ExpertEvidence).where(
            ExpertEvidence.expert_id == expert_id,
            ExpertEvidence.kind == kind,
            ExpertEvidence.ref == ref,
        )
    )


def loads(session: Session, experts: Sequence[Expert]) -> dict[uuid.UUID, int]:
    """Current load of each expert: open tickets of the linked agent + open gap tasks."""
    result = {expert.id: 0 for expert in experts}
    agents = {expert.agent_id: expert.id for expert in experts if expert.agent_id is not None}
    for agent_id, count in ticket_repository.open_load(session, list(agents)).items():
        result[agents[agent_id]] += count
    if result:
        rows = session.execute(
            select(GapTask.expert_id, func.count())
            .where(GapTask.expert_id.in_(list(result)), GapTask.status == GapTaskStatus.OPEN)
            .group_by(GapTask.expert_id)
        )
        for expert_id, count in rows:
            if expert_id is not None:
                result[expert_id] += int(count)
    return result
