"""Service processes as data: each ticket type's statuses and the transitions between them."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from deskmate.cache import ProcessCache
from deskmate.errors import BadRequest, Conflict
from experts.service import record_ticket_resolution
from ticketing import events
from ticketing.concurrency import flush_or_conflict
from ticketing.models import DUPLICATE_STATUS, StatusCategory, Ticket, TicketType
from ticketing.workflows import rules
from ticketing.workflows.defaults import DEFAULT_WORKFLOWS
from ticketing.workflows.models import Workflow
from ticketing.workflows.schemas import TransitionRequest, WorkflowDefinition, WorkflowRead

# Parsed definitions by ticket type. A save in this process is seen at once (any flush of a
# Workflow row invalidates); other worker processes see it within DEFINITION_CACHE_SECONDS.
DEFINITION_CACHE_SECONDS = 5.0
_definitions: ProcessCache[WorkflowDefinition] = ProcessCache(
    "workflows", ttl=DEFINITION_CACHE_SECONDS, watches=(Workflow,)
)


def get_workflow(session: Session, ticket_type: str) -> Workflow | None:
    return session.scalar(select(Workflow).where(Workflow.ticket_type == ticket_type))


def _load_definition(session: Session, ticket_type: str) -> WorkflowDefinition:
    stored = get_workflow(session, ticket_type)
    raw = stored.definition if stored is not None else DEFAULT_WORKFLOWS[ticket_type]
    return WorkflowDefinition.model_validate(raw)


def definition_for(session: Session, ticket_type: str) -> WorkflowDefinition:
    """The workflow of a ticket type (shared between requests: do not modify it)."""
    return _definitions.get(ticket_type, lambda: _load_definition(session, ticket_type))


def read(session: Session, ticket_type: TicketType) -> WorkflowRead:
    stored = get_workflow(session, ticket_type)
    return WorkflowRead(
        ticket_type=ticket_type,
        revision=stored.revision if stored else 0,
        is_default=stored is None,
        definition=_load_definition(session, ticket_type),
        updated_by=stored.updated_by if stored else None,
        updated_at=stored.updated_at if stored else None,
    )


def save(
    session: Session, *, ticket_type: TicketType, definition: WorkflowDefinition, actor: str
) -> Workflow:
    """Store a new definition. Statuses that open tickets still use must stay, or they'd strand."""
    rules.check(ticket_type, definition)
    in_use = set(
        session.scalars(
            select(Ticket.status)
            .where(Ticket.type == ticket_type, Ticket.status != DUPLICATE_STATUS)
            .distinct()
        )
    )
    missing = sorted(in_use - set(definition.statuses))
    if missing:
        raise Conflict(
            f"Tickets of type {ticket_type} are in status(es) {', '.join(missing)}; "
            "keep these statuses in the workflow."
        )
    stored = get_workflow(session, ticket_type)
    raw = definition.model_dump(mode="json", by_alias=True)
    if stored is None:
        stored = Workflow(ticket_type=ticket_type, definition=raw, revision=1, updated_by=actor)
        session.add(stored)
    else:
        stored.definition = raw
        stored.revision += 1
        stored.updated_by = actor
    session.flush()
    return stored


def all_status_names(session: Session) -> set[str]:
    names = {DUPLICATE_STATUS}
    for ticket_type in TicketType:
        names |= set(definition_for(session, ticket_type).statuses)
    return names


def transition(
    session: Session, *, ticket: Ticket, request: TransitionRequest, actor: str
) -> Ticket:
    """Move a ticket along its workflow; refuses (409) what the workflow does not allow."""
    if request.version is not None and request.version != ticket.version:
        raise Conflict(
            f"{ticket.reference} changed since you read it (version {ticket.version}, "
            f"you sent {request.version}); reload and try again."
        )
    workflow = definition_for(session, ticket.type)
    if request.to not in workflow.statuses:
        raise BadRequest(
            f"{request.to!r} is not a status of the {ticket.type} workflow; "
            f"statuses: {', '.join(workflow.statuses)}."
        )
    allowed = workflow.find(ticket.status, request.to)
    if allowed is None:
        nexts = workflow.next_statuses(ticket.status)
        raise Conflict(
            f"A {ticket.type} ticket cannot go from {ticket.status!r} to {request.to!r}; "
            f"allowed next: {', '.join(nexts) if nexts else 'none'}.",
            code="transition_not_allowed",
        )
    missing = [field for field in allowed.requires if not getattr(request, field)]
    if missing:
        raise BadRequest(
            f"Moving to {request.to!r} needs {' and '.join(missing)}.", code="missing_fields"
        )
    before, before_category = ticket.status, ticket.status_category
    ticket.status = request.to
    ticket.status_category = workflow.statuses[request.to]
    if request.outcome:
        ticket.resolution_outcome = request.outcome
    if request.reason and ticket.status_category != StatusCategory.OPEN:
        ticket.resolution_reason = request.reason
    events.record(
        session,
        ticket=ticket,
        kind="status_changed",
        actor=actor,
        data={
            "from": before,
            "to": ticket.status,
            "category_from": before_category,
            "category_to": ticket.status_category,
            "outcome": request.outcome,
            "reason": request.reason,
        },
    )
    if (
        ticket.status_category == StatusCategory.RESOLVED
        and before_category != StatusCategory.RESOLVED
    ):
        # The yellow pages learn from resolved tickets (issue 3, point 7).
        record_ticket_resolution(session, ticket=ticket)
    flush_or_conflict(session, ticket)
    return ticket
