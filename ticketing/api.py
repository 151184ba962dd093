from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Header, Query, Response

from deskmate.auth.models import ApiToken
from deskmate.deps import SessionDep, require_permission
from deskmate.pagination import Page, PageParams
from ticketing import repository, service
from ticketing.models import TicketStatus
from ticketing.schemas import TicketCreate, TicketDetail, TicketRead

router = APIRouter(prefix="/api/v1/tickets", tags=["tickets"])

CanWrite = Annotated[ApiToken, Depends(require_permission("tickets.create"))]
CanRead = Annotated[ApiToken, Depends(require_permission("tickets.read"))]


@router.post("", status_code=201, response_model=TicketRead)
def create_ticket(
    data: TicketCreate,
    session: SessionDep,
    token: CanWrite,
    response: Response,
    idempotency_key: Annotated[str | None, Header(max_length=200)] = None,
) -> TicketRead:
    ticket, created = service.create_ticket(
        session, data=data, actor=f"token:{token.name}", idempotency_key=idempotency_key
    )
    session.commit()
    if not created:
        response.status_code = 200
    return service.to_read(ticket)


@router.get("", response_model=Page[TicketRead])
def list_tickets(
    session: SessionDep,
    _token: CanRead,
    status: TicketStatus | None = None,
    page: Annotated[int, Query(ge=1)] = 1,
    per_page: Annotated[int, Query(ge=1, le=100)] = 20,
) -> Page[TicketRead]:
    params = PageParams(page=page, per_page=per_page)
    rows, total = repository.list_tickets(
        session, status=status, offset=params.offset, limit=params.per_page
    )
    return Page[TicketRead](
        items=[service.to_read(t) for t in rows], total=total, page=page, per_page=per_page
    )


@router.get("/{reference}", response_model=TicketDetail)
def get_ticket(reference: str, session: SessionDep, _token: CanRead) -> TicketDetail:
    return service.to_detail(service.get_ticket_or_raise(session, reference=reference))
