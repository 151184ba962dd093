from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Header, Query, Request, Response
from pydantic import BaseModel
from sqlalchemy.orm import Session

from deskmate.auth.models import Role
from deskmate.auth.principal import Principal
from deskmate.deps import SessionDep, in_worker_thread, require_permission
from deskmate.errors import Unprocessable
from deskmate.pagination import PageNumber, PageParams, PerPage
from experts.service import YellowPagesSkills
from ticketing import conversation, merging, repository, service
from ticketing.concurrency import retry_when_busy
from ticketing.customers.models import Customer
from ticketing.models import Priority, StatusCategory, Ticket, TicketType
from ticketing.routing import assignment
from ticketing.schemas import (
    AssignRequest,
    ClaimRequest,
    CsatCreate,
    CsatRead,
    MergeRequest,
    MessageCreate,
    MessageRead,
    TicketCreate,
    TicketDetail,
    TicketPage,
    TicketRead,
)
from ticketing.sla import service as sla_service
from ticketing.workflows import service as workflows
from ticketing.workflows.schemas import TransitionRequest

router = APIRouter(prefix="/api/v1/tickets", tags=["tickets"])

CanWrite = Annotated[Principal, Depends(require_permission("tickets.create"))]
CanRead = Annotated[Principal, Depends(require_permission("tickets.read"))]
CanUpdate = Annotated[Principal, Depends(require_permission("tickets.update"))]
CanAssign = Annotated[Principal, Depends(require_permission("tickets.assign"))]
CanMerge = Annotated[Principal, Depends(require_permission("tickets.merge"))]
CanMessage = Annotated[Principal, Depends(require_permission("tickets.message"))]
CanRate = Annotated[Principal, Depends(require_permission("tickets.csat"))]

Sort = Literal[
    "created_at",
    "-created_at",
    "updated_at",
    "-updated_at",
    "number",
    "-number",
    "priority",
    "-priority",
    "status",
    "-status",
]


def actor_of(principal: Principal) -> str:
    return principal.actor


def as_json(model: BaseModel, status_code: int = 200) -> Response:
    """The model serialised once, by pydantic. FastAPI sends a returned Response as it is (the
    route's ``response_model`` still documents it), instead of dumping the model to a dict,
    validating that against the response model and encoding the dict again."""
    return Response(
        content=model.model_dump_json(), status_code=status_code, media_type="application/json"
    )


def _detail(session: SessionDep, reference: str, token: Principal) -> TicketDetail:
    ticket, csat = service.get_for_detail_or_raise(session, reference=reference)
    return service.to_detail(
        session,
        ticket,
        include_notes=token.role != Role.INTEGRATION,
        sla=sla_service.status_for(session, ticket=ticket),
        csat=csat,
    )


@router.post("", status_code=201, response_model=TicketRead)
async def create_ticket(
    data: TicketCreate,
    request: Request,
    token: CanWrite,
    idempotency_key: Annotated[str | None, Header(max_length=200)] = None,
) -> Response:
    # The hot path: async, its database work in one worker-thread call (deskmate.deps).
    actor = actor_of(token)

    def work(session: Session) -> Response:
        def create() -> tuple[Ticket, bool]:
            result = service.create_ticket(
                session,
                data=data,
                actor=actor,
                idempotency_key=idempotency_key,
                skills=YellowPagesSkills(session),
            )
            session.commit()
            return result

        ticket, created = retry_when_busy(session, create)
        return as_json(service.to_read(ticket), 201 if created else 200)

    return await in_worker_thread(request, work)


@router.get("", response_model=TicketPage)
def list_tickets(
    session: SessionDep,
    _token: CanRead,
    status: Annotated[str | None, Query(max_length=40)] = None,
    status_category: StatusCategory | None = None,
    type: TicketType | None = None,
    priority: Priority | None = None,
    team: Annotated[str | None, Query(max_length=50, description="team key")] = None,
    assignee: Annotated[
        str | None, Query(max_length=320, description="agent email, or 'none'")
    ] = None,
    customer: Annotated[str | None, Query(max_length=320, description="customer email")] = None,
    created_from: datetime | None = None,
    created_to: datetime | None = None,
    sort: Sort = "-created_at",
    page: PageNumber = 1,
    per_page: PerPage = 20,
) -> TicketPage:
    params = PageParams(page=page, per_page=per_page)
    filters = repository.TicketFilters(
        status=status, status_category=status_category, type=type, priority=priority
    )
    if status is not None and status not in workflows.all_status_names(session):
        raise Unprocessable(f"{status!r} is not a status of any workflow.")
    for name, value in (("created_from", created_from), ("created_to", created_to)):
        if value is not None and value.tzinfo is None:
            raise Unprocessable(f"{name} needs a timezone (e.g. Z).")
    filters.created_from, filters.created_to = created_from, created_to
    empty = TicketPage(items=[], total=0, page=page, per_page=per_page)
    if team is not None:
        found = repository.team_by_key(session, team)
        if found is None:
            return empty
        filters.team_id = found.id
    if assignee == "none":
        filters.unassigned = True
    elif assignee is not None:
        agent = repository.agent_by_email(session, assignee)
        if agent is None:
            return empty
        filters.assignee_id = agent.id
    if customer is not None:
        found_customer = session.query(Customer).filter_by(email=customer.lower()).one_or_none()
        if found_customer is None:
            return empty
        filters.customer_id = found_customer.id
    rows, total = repository.list_tickets(
        session, filters=filters, sort=sort, offset=params.offset, limit=params.per_page
    )
    return TicketPage(
        items=[service.to_read(t) for t in rows],
        total=total or 0,
        page=page,
        per_page=per_page,
        total_is_lower_bound=(total or 0) > repository.COUNT_CAP,
    )


@router.get("/{reference}", response_model=TicketDetail)
async def get_ticket(reference: str, request: Request, token: CanRead) -> Response:
    # The hot path: async, its database work in one worker-thread call (deskmate.deps).
    return await in_worker_thread(
        request, lambda session: as_json(_detail(session, reference, token))
    )


@router.post("/{reference}/transitions", response_model=TicketDetail)
def transition(
    reference: str, data: TransitionRequest, session: SessionDep, token: CanUpdate
) -> TicketDetail:
    ticket = service.get_ticket_or_raise(session, reference=reference)
    workflows.transition(session, ticket=ticket, request=data, actor=actor_of(token))
    session.commit()
    return _detail(session, reference, token)


@router.post("/{reference}/claim", response_model=TicketRead)
def claim(reference: str, data: ClaimRequest, session: SessionDep, token: CanAssign) -> TicketRead:
    ticket = service.get_ticket_or_raise(session, reference=reference)
    agent = assignment.agent_or_raise(session, data.agent)
    assignment.claim(
        session, ticket=ticket, agent=agent, version=data.version, actor=actor_of(token)
    )
    session.commit()
    return service.to_read(ticket)


@router.post("/{reference}/assign", response_model=TicketRead)
def assign(
    reference: str, data: AssignRequest, session: SessionDep, token: CanAssign
) -> TicketRead:
    ticket = service.get_ticket_or_raise(session, reference=reference)
    agent = assignment.agent_or_raise(session, data.agent)
    assignment.assign(
        session,
        ticket=ticket,
        agent=agent,
        version=data.version,
        actor=actor_of(token),
        reason=data.reason,
    )
    session.commit()
    return service.to_read(ticket)


@router.post("/{reference}/messages", status_code=201, response_model=MessageRead)
def add_message(
    reference: str,
    data: MessageCreate,
    session: SessionDep,
    token: CanMessage,
    response: Response,
    idempotency_key: Annotated[str | None, Header(min_length=1, max_length=200)] = None,
) -> MessageRead:
    ticket = service.get_ticket_or_raise(session, reference=reference)
    message, created = conversation.add_message(
        session, ticket=ticket, data=data, actor=actor_of(token), idempotency_key=idempotency_key
    )
    session.commit()
    if not created:
        response.status_code = 200
    return MessageRead.model_validate(message)


@router.post("/{reference}/csat", status_code=201, response_model=CsatRead)
def rate(reference: str, data: CsatCreate, session: SessionDep, token: CanRate) -> CsatRead:
    ticket = service.get_ticket_or_raise(session, reference=reference)
    rating = conversation.rate(session, ticket=ticket, data=data, actor=actor_of(token))
    session.commit()
    return CsatRead.model_validate(rating)


@router.post("/{reference}/merge", response_model=TicketDetail)
def merge(reference: str, data: MergeRequest, session: SessionDep, token: CanMerge) -> TicketDetail:
    duplicate = service.get_ticket_or_raise(session, reference=reference)
    primary = service.get_ticket_or_raise(session, reference=data.into)
    merging.merge(
        session, duplicate=duplicate, primary=primary, actor=actor_of(token), reason=data.reason
    )
    session.commit()
    return _detail(session, reference, token)
