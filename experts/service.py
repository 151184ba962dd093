"""Yellow pages: who knows X, with reasons; proficiency for ticket routing; evidence.

Proficiency rule (``effective_skills``): a skill's level is the declared level (0 if not
declared), raised to at least 1 by the first piece of evidence, plus one level for every
``EVIDENCE_PER_LEVEL`` pieces of evidence (resolved tickets, published articles) that show the
skill; capped at 5. A level-3 wiring expert who resolves six wiring tickets is level 5.

Search score (``search_experts``), each part in 0..1:

    0.55·semantic + 0.20·skill + 0.10·product + 0.15·availability  (+0.10 trait fit)

*semantic* is the cosine of the query with the expert's profile text (department, bio, skills,
products, titles of the evidence), embedded with the router's embedder for the query language;
*skill* is the best effective level / 5 among the skills the query is about (named in it, or
close to it in embedding space); *product* is 1 when a product the expert covers is named (in
full or by its last word); *availability* is 0 when unavailable, else 1 − load/capacity.
An expert who does not speak the requested language scores half. *Trait fit* is the share of
the customer's needs (the tier, plus wanted traits such as "banking") found among the expert's
customer traits; a core customer's need is half met by a "careful" or "trustworthy" expert.
"""

from __future__ import annotations

import hashlib
import re
import threading
import uuid
from collections import Counter
from collections.abc import Sequence

import numpy as np
from sqlalchemy.orm import Session

from deskmate.errors import BadRequest, Conflict, NotFound
from deskmate.pagination import Page, PageParams
from experts import repository
from experts.models import EvidenceKind, Expert, ExpertEvidence
from experts.schemas import (
    EvidenceCreate,
    ExpertCreate,
    ExpertMatch,
    ExpertRead,
    ExpertUpdate,
    SkillLevel,
)
from knowledge.embedding import Embedder, Vectors
from ticketing.models import Agent, Ticket
from ticketing.routing.service import AgentSkills

EVIDENCE_PER_LEVEL = 3
MAX_LEVEL = 5
SKILL_SIMILARITY = 0.55  # a skill counts as "asked about" at this cosine with the query
W_SEMANTIC, W_SKILL, W_PRODUCT, W_AVAILABLE, W_TRAIT = 0.55, 0.20, 0.10, 0.15, 0.10
LANGUAGE_MISMATCH_FACTOR = 0.5
CORE_TRAITS = {"careful", "trustworthy"}
MAX_QUERY_CHARS = 500


def effective_skills(expert: Expert) -> dict[str, int]:
    declared = {str(item["skill"]).lower(): int(item["level"]) for item in expert.skills}
    shown: Counter[str] = Counter()
    for evidence in expert.evidence:
        shown.update({skill.lower() for skill in evidence.skills})
    levels = dict(declared)
    for skill, count in shown.items():
        base = max(declared.get(skill, 0), 1)
        levels[skill] = min(MAX_LEVEL, base + count // EVIDENCE_PER_LEVEL)
    return levels


def proficiency(session: Session, *, agent_id: uuid.UUID, skill: str) -> int | None:
    """The effective level of ``skill`` for the expert linked to a ticketing agent, or None."""
    expert = repository.get_expert_by_agent(session, agent_id)
    if expert is None:
        return None
    return effective_skills(expert).get(skill.lower())


def profile_text(expert: Expert) -> str:
    skills = ", ".join(f"{skill} (level {level})" for skill, level in _sorted_skills(expert))
    titles = "; ".join(e.title for e in expert.evidence[-20:] if e.title)
    parts = [
        expert.department or "",
        expert.bio,
        f"Skills: {skills}." if skills else "",
        f"Products: {', '.join(expert.products)}." if expert.products else "",
        f"Worked on: {titles}." if titles else "",
    ]
    return " ".join(part for part in parts if part)


def _sorted_skills(expert: Expert) -> list[tuple[str, int]]:
    return sorted(effective_skills(expert).items(), key=lambda item: (-item[1], item[0]))


class VectorCache:
    """Profile and skill vectors by (embedder, text): profiles change rarely, N is small."""

    def __init__(self, max_items: int = 20_000) -> None:
        self._vectors: dict[tuple[str, str], np.ndarray] = {}
        self._lock = threading.Lock()
        self._max_items = max_items

    def encode(self, embedder: Embedder, texts: list[str]) -> Vectors:
        keys = [(embedder.name, hashlib.sha256(t.encode()).hexdigest()) for t in texts]
        with self._lock:
            missing = sorted(
                {t for t, key in zip(texts, keys, strict=True) if key not in self._vectors}
            )
        if missing:
            vectors = embedder.encode(missing)
            with self._lock:
                if len(self._vectors) + len(missing) > self._max_items:
                    self._vectors.clear()
                for text, vector in zip(missing, vectors, strict=True):
                    self._vectors[(embedder.name, hashlib.sha256(text.encode()).hexdigest())] = (
                        vector
                    )
        with self._lock:
            return np.stack([self._vectors[key] for key in keys]).astype(np.float32)


CACHE = VectorCache()


def search_experts(
    session: Session,
    *,
    query: str,
    k: int,
    embedder: Embedder,
    language: str | None = None,
    product: str | None = None,
    customer_tier: str | None = None,
    customer_traits: Sequence[str] = (),
) -> list[ExpertMatch]:
    """Who knows ``query``: the ``k`` best experts, each with the reasons it was chosen."""
    query = " ".join(query.split())
    if not query:
        raise BadRequest("The query is empty.")
    if len(query) > MAX_QUERY_CHARS:
        raise BadRequest(f"The query is longer than {MAX_QUERY_CHARS} characters.")
    experts = repository.list_experts(session)
    if not experts:
        return []
    loads = repository.loads(session, experts)
    skills = {expert.id: _sorted_skills(expert) for expert in experts}
    skill_names = sorted({name for items in skills.values() for name, _ in items})
    vectors = CACHE.encode(embedder, [profile_text(e) for e in experts] + skill_names)
    query_vector = embedder.encode([query])[0]
    semantic = np.clip(vectors[: len(experts)] @ query_vector, 0.0, 1.0)
    skill_similarity = dict(
        zip(skill_names, (vectors[len(experts) :] @ query_vector).tolist(), strict=True)
    )
    lowered = query.lower()
    asked = {
        name
        for name in skill_names
        if name in lowered or skill_similarity[name] >= SKILL_SIMILARITY
    }
    matches = [
        _match(
            expert,
            semantic=float(semantic[i]),
            skills=skills[expert.id],
            asked=asked,
            load=loads[expert.id],
            lowered=lowered,
            language=language,
            product=product,
            customer_tier=customer_tier,
            customer_traits=customer_traits,
        )
        for i, expert in enumerate(experts)
    ]
    matches.sort(key=lambda m: (-m.score, m.name, m.email))
    return matches[:k]


def _names(product: str, lowered: str) -> bool:
    """The query names the product: in full, or by its last word ("thermostat", "cloud")."""
    words = re.findall(r"\w+", lowered)
    return product.lower() in lowered or product.lower().split()[-1] in words


def _trait_fit(
    expert: Expert, *, customer_tier: str | None, wanted: Sequence[str], reasons: list[str]
) -> float:
    """Share of the customer's needs the expert meets: the tier and each wanted trait count
    one; a core customer's need is half met by a careful or trustworthy expert."""
    traits = {t.lower() for t in expert.customer_traits}
    needs = [n.lower() for n in ([customer_tier] if customer_tier else []) + list(wanted)]
    if not needs:
        return 0.0
    met = 0.0
    for need in dict.fromkeys(needs):
        if need in traits:
            met += 1.0
            reasons.append(f"serves {need} customers")
        elif need == "core" and traits & CORE_TRAITS:
            met += 0.5
            reasons.append(f"{' and '.join(sorted(traits & CORE_TRAITS))} with key customers")
    return met / len(dict.fromkeys(needs))


def _match(
    expert: Expert,
    *,
    semantic: float,
    skills: list[tuple[str, int]],
    asked: set[str],
    load: int,
    lowered: str,
    language: str | None,
    product: str | None,
    customer_tier: str | None,
    customer_traits: Sequence[str],
) -> ExpertMatch:
    reasons: list[str] = []
    known = [(skill, level) for skill, level in skills if skill in asked]
    for skill, level in known[:2]:
        reasons.append(f"knows {skill} (level {level})")
    skill_part = known[0][1] / MAX_LEVEL if known else 0.0
    wanted = {p.lower() for p in expert.products if _names(p, lowered)}
    if product is not None and product.lower() in {p.lower() for p in expert.products}:
        wanted.add(product.lower())
    product_part = 1.0 if wanted else 0.0
    for name in expert.products:
        if name.lower() in wanted:
            reasons.append(f"works on {name}")
    if expert.available:
        available_part = max(0.0, 1.0 - load / expert.capacity)
        reasons.append(f"available, load {load}/{expert.capacity}")
    else:
        available_part = 0.0
        reasons.append("not available now")
    trait_part = _trait_fit(
        expert, customer_tier=customer_tier, wanted=customer_traits, reasons=reasons
    )
    score = (
        W_SEMANTIC * semantic
        + W_SKILL * skill_part
        + W_PRODUCT * product_part
        + W_AVAILABLE * available_part
        + W_TRAIT * trait_part
    )
    if language:
        if language.lower() in {lang.lower() for lang in expert.languages}:
            reasons.append(f"speaks {language.lower()}")
        else:
            score *= LANGUAGE_MISMATCH_FACTOR
            reasons.append(f"does not speak {language.lower()}")
    return ExpertMatch(
        expert_id=expert.id,
        name=expert.name,
        email=expert.email,
        score=round(score, 4),
        reasons=reasons,
        available=expert.available,
        load=load,
        capacity=expert.capacity,
    )


def to_read(expert: Expert, *, load: int) -> ExpertRead:
    return ExpertRead(
        id=expert.id,
        name=expert.name,
        email=expert.email,
        department=expert.department,
        agent_id=expert.agent_id,
        bio=expert.bio,
        skills=[SkillLevel(skill=s, level=lvl) for s, lvl in _sorted_skills(expert)],
        products=expert.products,
        languages=expert.languages,
        customer_traits=expert.customer_traits,
        available=expert.available,
        capacity=expert.capacity,
        load=load,
    )


def read_expert(session: Session, expert: Expert) -> ExpertRead:
    return to_read(expert, load=repository.loads(session, [expert])[expert.id])


def get_expert_or_raise(session: Session, *, expert_id: uuid.UUID) -> Expert:
    expert = repository.get_expert(session, expert_id)
    if expert is None:
        raise NotFound(f"No expert {expert_id}.")
    return expert


def _check_agent(
    session: Session, agent_id: uuid.UUID | None, *, expert_id: uuid.UUID | None
) -> None:
    if agent_id is None:
        return
    if session.get(Agent, agent_id) is None:
        raise BadRequest(f"No agent {agent_id}.")
    linked = repository.get_expert_by_agent(session, agent_id)
    if linked is not None and linked.id != expert_id:
        raise Conflict(f"Agent {agent_id} is already linked to expert {linked.email}.")


def create_expert(session: Session, *, data: ExpertCreate) -> Expert:
    if repository.get_expert_by_email(session, data.email) is not None:
        raise Conflict(f"An expert with email {data.email} exists.")
    _check_agent(session, data.agent_id, expert_id=None)
    values = data.model_dump()
    values["skills"] = [skill.model_dump() for skill in data.skills]
    expert = Expert(**values)
    session.add(expert)
    session.flush()
    return expert


def update_expert(session: Session, *, expert: Expert, data: ExpertUpdate) -> Expert:
    changes = data.model_dump(exclude_unset=True)
    for key in (
        "name",
        "bio",
        "skills",
        "products",
        "languages",
        "customer_traits",
        "available",
        "capacity",
    ):
        if key in changes and changes[key] is None:
            raise BadRequest(f"{key} cannot be null.")
    if "agent_id" in changes:
        _check_agent(session, changes["agent_id"], expert_id=expert.id)
    for key, value in changes.items():
        setattr(expert, key, value)
    session.flush()
    return expert


def delete_expert(session: Session, *, expert: Expert) -> None:
    session.delete(expert)
    session.flush()


def add_evidence(session: Session, *, expert: Expert, data: EvidenceCreate) -> ExpertEvidence:
    """Record evidence once per (kind, ref): a retried report does not count twice."""
    existing = repository.find_evidence(session, expert_id=expert.id, kind=data.kind, ref=data.ref)
    if existing is not None:
        return existing
    values = data.model_dump(exclude_none=True)
    evidence = ExpertEvidence(expert_id=expert.id, **values)
    expert.evidence.append(evidence)
    session.flush()
    return evidence


def record_ticket_resolved(
    session: Session, *, agent_id: uuid.UUID, reference: str, title: str, skills: list[str]
) -> ExpertEvidence | None:
    """Hook for ticketing: the agent's expert (if any) gains evidence for ``skills``."""
    expert = repository.get_expert_by_agent(session, agent_id)
    if expert is None:
        return None
    data = EvidenceCreate(
        kind=EvidenceKind.TICKET_RESOLVED, ref=reference, title=title, skills=skills
    )
    return add_evidence(session, expert=expert, data=data)


def record_ticket_resolution(session: Session, *, ticket: Ticket) -> ExpertEvidence | None:
    """Hook for the ticket workflows: a ticket reached a resolved status, so the expert linked
    to its assignee gains evidence for the ticket's category (the skill routing asks for).

    The evidence title names the ticket's type, product and category only: the description is
    the customer's text, which must not enter the yellow pages (erasure does not look there).
    A ticket resolved, reopened and resolved again counts once.
    """
    if ticket.assignee_id is None:
        return None
    title = " · ".join(str(part) for part in (ticket.type, ticket.product, ticket.category) if part)
    return record_ticket_resolved(
        session,
        agent_id=ticket.assignee_id,
        reference=ticket.reference,
        title=title,
        skills=[ticket.category] if ticket.category else [],
    )


def record_article_published(
    session: Session, *, author_email: str, article_id: uuid.UUID, title: str, skills: list[str]
) -> ExpertEvidence | None:
    """Hook for the knowledge lifecycle: the author's expert record gains evidence."""
    expert = repository.get_expert_by_email(session, author_email)
    if expert is None:
        return None
    data = EvidenceCreate(
        kind=EvidenceKind.ARTICLE_PUBLISHED, ref=str(article_id), title=title, skills=skills
    )
    return add_evidence(session, expert=expert, data=data)


class YellowPagesSkills:
    """Ticket routing's proficiency, read from the yellow pages (``ticketing.routing.SkillSource``).

    An agent with a yellow-pages entry is judged by its effective skills (declared levels raised
    by evidence from resolved tickets and published articles); an agent without one falls back to
    the skills on the agent record.
    """

    def __init__(self, session: Session) -> None:
        self._session = session
        self._fallback = AgentSkills()

    def levels(self, agents: Sequence[Agent], skill: str) -> dict[uuid.UUID, int]:
        """Every candidate's level in one read of their yellow-pages entries (with evidence)."""
        experts = repository.experts_by_agent(self._session, [a.id for a in agents])
        wanted = skill.lower()
        found: dict[uuid.UUID, int] = {}
        for agent in agents:
            expert = experts.get(agent.id)
            level = effective_skills(expert).get(wanted) if expert is not None else None
            found[agent.id] = (
                level if level is not None else self._fallback.proficiency(agent, skill)
            )
        return found


EXPERT_SORTS = ("name", "-name", "email", "-email", "capacity", "-capacity", "load", "-load")


def list_experts(
    session: Session,
    *,
    page: PageParams,
    sort: str = "name",
    available: bool | None = None,
    language: str | None = None,
    product: str | None = None,
    skill: str | None = None,
    name: str | None = None,
) -> Page[ExpertRead]:
    """One page of the yellow pages, filtered and sorted (``-field`` for descending).

    ``language`` and ``product`` match a listed value ignoring case; ``skill`` matches an
    effective skill (declared or shown by evidence); ``name`` is a part of the name. Ties in
    the sort keep the default order (name, then email). The yellow pages is small (search reads
    all of it too), so the list-valued filters run here rather than in SQL.
    """
    if sort not in EXPERT_SORTS:
        raise BadRequest(f"Unknown sort {sort!r}; use one of {', '.join(EXPERT_SORTS)}.")
    experts = repository.filter_experts(session, available=available, name=name)
    if language:
        experts = [e for e in experts if language.lower() in {x.lower() for x in e.languages}]
    if product:
        experts = [e for e in experts if product.lower() in {x.lower() for x in e.products}]
    if skill:
        wanted = " ".join(skill.lower().split())
        experts = [e for e in experts if wanted in effective_skills(e)]
    loads = repository.loads(session, experts)
    field = sort.removeprefix("-")
    if field != "name":
        key = {
            "email": lambda e: e.email.lower(),
            "capacity": lambda e: e.capacity,
            "load": lambda e: loads[e.id],
        }[field]
        experts.sort(key=key, reverse=sort.startswith("-"))  # stable: ties stay by name
    elif sort.startswith("-"):
        experts.sort(key=lambda e: (e.name, e.email), reverse=True)
    chosen = experts[page.offset : page.offset + page.per_page]
    return Page[ExpertRead](
        items=[to_read(e, load=loads[e.id]) for e in chosen],
        total=len(experts),
        page=page.page,
        per_page=page.per_page,
    )
