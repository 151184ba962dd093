from __future__ import annotations

import uuid
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request, Response

from deskmate.auth.principal import Principal
from deskmate.deps import SessionDep, require_permission
from deskmate.pagination import Page, PageNumber, PageParams, PerPage
from experts import service
from experts.schemas import (
    EvidenceCreate,
    EvidenceRead,
    ExpertCreate,
    ExpertRead,
    ExpertSearchResponse,
    ExpertUpdate,
)
from knowledge.retrieval import LanguageRouter, query_language
from ticketing.models import CustomerTier

router = APIRouter(prefix="/api/v1/experts", tags=["experts"])

CanSearch = Annotated[Principal, Depends(require_permission("experts.search"))]
CanRead = Annotated[Principal, Depends(require_permission("experts.read"))]
CanWrite = Annotated[Principal, Depends(require_permission("experts.write"))]
CanAddEvidence = Annotated[Principal, Depends(require_permission("experts.evidence"))]


@router.get("/search", response_model=ExpertSearchResponse)
def search(
    request: Request,
    session: SessionDep,
    _token: CanSearch,
    q: Annotated[str, Query(min_length=1, max_length=500)],
    k: Annotated[int, Query(ge=1, le=50)] = 5,
    language: Annotated[str | None, Query(pattern="^[a-z]{2}$")] = None,
    product: Annotated[str | None, Query(min_length=1, max_length=100)] = None,
    customer_tier: CustomerTier | None = None,
    trait: Annotated[list[str] | None, Query(max_length=10)] = None,
) -> ExpertSearchResponse:
    """Who knows ``q``: experts ranked by what they know, availability, load and fit with the
    customer (``customer_tier``, and ``trait`` repeated, e.g. ``trait=banking``), with reasons."""
    retriever: LanguageRouter = request.app.state.retriever
    embedder = retriever.for_language(query_language(q)).embedder
    matches = service.search_experts(
        session,
        query=q,
        k=k,
        embedder=embedder,
        language=language,
        product=product,
        customer_tier=customer_tier,
        customer_traits=[t for t in trait or [] if 0 < len(t) <= 50],
    )
    return ExpertSearchResponse(query=q, results=matches)


ExpertSort = Literal["name", "-name", "email", "-email", "capacity", "-capacity", "load", "-load"]


@router.get("", response_model=Page[ExpertRead])
def list_experts(
    session: SessionDep,
    _token: CanRead,
    page: PageNumber = 1,
    per_page: PerPage = 20,
    sort: ExpertSort = "name",
    available: bool | None = None,
    language: Annotated[str | None, Query(pattern="^[a-zA-Z]{2}$")] = None,
    product: Annotated[str | None, Query(min_length=1, max_length=100)] = None,
    skill: Annotated[str | None, Query(min_length=1, max_length=100)] = None,
    q: Annotated[str | None, Query(max_length=200)] = None,
) -> Page[ExpertRead]:
    """Everyone in the yellow pages, by name unless ``sort`` says otherwise (``-`` descends).

    Filters: ``available``, ``language`` spoken, ``product`` covered, ``skill`` known (the
    effective skills, evidence included), ``q`` a part of the name; all ignore case.
    """
    return service.list_experts(
        session,
        page=PageParams(page=page, per_page=per_page),
        sort=sort,
        available=available,
        language=language,
        product=product,
        skill=skill,
        name=q.strip() if q and q.strip() else None,
    )


@router.post("", status_code=201, response_model=ExpertRead)
def create_expert(data: ExpertCreate, session: SessionDep, _token: CanWrite) -> ExpertRead:
    expert = service.create_expert(session, data=data)
    session.commit()
    return service.read_expert(session, expert)


@router.get("/{expert_id}", response_model=ExpertRead)
def get_expert(expert_id: uuid.UUID, session: SessionDep, _token: CanRead) -> ExpertRead:
    return service.read_expert(session, service.get_expert_or_raise(session, expert_id=expert_id))


@router.patch("/{expert_id}", response_model=ExpertRead)
def update_expert(
    expert_id: uuid.UUID, data: ExpertUpdate, session: SessionDep, _token: CanWrite
) -> ExpertRead:
    expert = service.get_expert_or_raise(session, expert_id=expert_id)
    service.update_expert(session, expert=expert, data=data)
    session.commit()
    return service.read_expert(session, expert)


@router.delete("/{expert_id}", status_code=204)
def delete_expert(expert_id: uuid.UUID, session: SessionDep, _token: CanWrite) -> Response:
    service.delete_expert(session, expert=service.get_expert_or_raise(session, expert_id=expert_id))
    session.commit()
    return Response(status_code=204)


@router.post("/{expert_id}/evidence", status_code=201, response_model=EvidenceRead)
def add_evidence(
    expert_id: uuid.UUID, data: EvidenceCreate, session: SessionDep, _token: CanAddEvidence
) -> EvidenceRead:
    """A resolved ticket or a published article that shows skills (idempotent per kind+ref)."""
    expert = service.get_expert_or_raise(session, expert_id=expert_id)
    evidence = service.add_evidence(session, expert=expert, data=data)
    session.commit()
    return EvidenceRead.model_validate(evidence)
