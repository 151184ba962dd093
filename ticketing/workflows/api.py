from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends

from deskmate.auth.principal import Principal
from deskmate.deps import SessionDep, require_permission
from ticketing.models import TicketType
from ticketing.workflows import service
from ticketing.workflows.schemas import WorkflowDefinition, WorkflowRead

router = APIRouter(prefix="/api/v1/workflows", tags=["workflows"])

CanRead = Annotated[Principal, Depends(require_permission("tickets.config.read"))]
CanAdmin = Annotated[Principal, Depends(require_permission("tickets.config.admin"))]


@router.get("", response_model=list[WorkflowRead])
def list_workflows(session: SessionDep, _token: CanRead) -> list[WorkflowRead]:
    return [service.read(session, t) for t in TicketType]


@router.get("/{ticket_type}", response_model=WorkflowRead)
def get_workflow(ticket_type: TicketType, session: SessionDep, _token: CanRead) -> WorkflowRead:
    return service.read(session, ticket_type)


@router.put("/{ticket_type}", response_model=WorkflowRead)
def put_workflow(
    ticket_type: TicketType, definition: WorkflowDefinition, session: SessionDep, token: CanAdmin
) -> WorkflowRead:
    """Replace a ticket type's workflow (admins only); takes effect for the next transition."""
    service.save(session, ticket_type=ticket_type, definition=definition, actor=token.actor)
    session.commit()
    return service.read(session, ticket_type)
