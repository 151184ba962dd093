from __future__ import annotations

import pytest
from pydantic import ValidationError
from sqlalchemy.orm import Session

from deskmate.errors import BadRequest, Conflict, Unprocessable
from tests.ticketing.factories import open_ticket
from ticketing.models import StatusCategory, TicketType
from ticketing.workflows import service
from ticketing.workflows.defaults import DEFAULT_WORKFLOWS
from ticketing.workflows.schemas import TransitionRequest, WorkflowDefinition


def _move(session: Session, ticket, to: str, **extra: object):  # type: ignore[no-untyped-def]
    request = TransitionRequest.model_validate({"to": to} | extra)
    return service.transition(session, ticket=ticket, request=request, actor="agent:ada")


def test_every_default_workflow_is_valid_and_starts_open() -> None:
    for ticket_type in TicketType:
        definition = WorkflowDefinition.model_validate(DEFAULT_WORKFLOWS[ticket_type])
        assert definition.statuses[definition.initial] == StatusCategory.OPEN


def test_fault_follows_inspection_and_repair_and_logs_each_step(session: Session) -> None:
    ticket = open_ticket(session, type="fault")
    for status in ("triaged", "inspection", "repair_scheduled", "resolved", "verified", "closed"):
        _move(session, ticket, status)
    assert ticket.status == "closed" and ticket.status_category == StatusCategory.CLOSED
    changes = [e.data["to"] for e in ticket.events if e.kind == "status_changed"]
    assert changes == [
        "triaged",
        "inspection",
        "repair_scheduled",
        "resolved",
        "verified",
        "closed",
    ]


def test_a_transition_the_workflow_does_not_allow_is_refused_with_what_is(
    session: Session,
) -> None:
    ticket = open_ticket(session, type="fault")
    with pytest.raises(Conflict) as refused:
        _move(session, ticket, "verified")
    assert refused.value.code == "transition_not_allowed"
    assert "from 'new' to 'verified'" in refused.value.detail
    assert "allowed next: triaged" in refused.value.detail
    assert ticket.status == "new"
    with pytest.raises(BadRequest):
        _move(session, ticket, "answered")  # a consultation status, not a fault one


def test_complaint_resolution_needs_outcome_and_reason(session: Session) -> None:
    ticket = open_ticket(session, type="complaint")
    _move(session, ticket, "acknowledged")
    _move(session, ticket, "investigating")
    with pytest.raises(BadRequest) as missing:
        _move(session, ticket, "resolved", outcome="refund")
    assert "reason" in missing.value.detail and ticket.status == "investigating"
    _move(session, ticket, "resolved", outcome="refund", reason="camera was faulty")
    assert (ticket.resolution_outcome, ticket.resolution_reason) == ("refund", "camera was faulty")
    _move(session, ticket, "confirmed")
    assert ticket.status_category == StatusCategory.CLOSED


def test_suggestion_starts_received_and_declining_needs_a_reason(session: Session) -> None:
    ticket = open_ticket(session, type="suggestion")
    assert ticket.status == "received"
    _move(session, ticket, "under_review")
    with pytest.raises(BadRequest):
        _move(session, ticket, "declined")
    _move(session, ticket, "adopted", reason="many customers asked")
    _move(session, ticket, "implemented")
    assert ticket.status == "implemented"


def test_a_stale_version_is_a_conflict(session: Session) -> None:
    ticket = open_ticket(session, type="fault")
    with pytest.raises(Conflict):
        _move(session, ticket, "triaged", version=ticket.version + 1)
    _move(session, ticket, "triaged", version=ticket.version)
    assert ticket.status == "triaged"


def test_admins_change_workflows_without_code(session: Session) -> None:
    custom = DEFAULT_WORKFLOWS["consultation"] | {
        "statuses": {"new": "open", "escalated": "open", "answered": "resolved"},
        "transitions": [
            {"from": "new", "to": "escalated"},
            {"from": "escalated", "to": "answered"},
        ],
    }
    ticket = open_ticket(session, type="consultation")
    service.save(
        session,
        ticket_type=TicketType.CONSULTATION,
        definition=WorkflowDefinition.model_validate(custom),
        actor="admin:root",
    )
    with pytest.raises(Conflict):
        _move(session, ticket, "answered")
    _move(session, ticket, "escalated")
    assert service.read(session, TicketType.CONSULTATION).revision == 1
    # Tickets sit in "escalated": a workflow without it would strand them.
    with pytest.raises(Conflict) as stranded:
        service.save(
            session,
            ticket_type=TicketType.CONSULTATION,
            definition=WorkflowDefinition.model_validate(DEFAULT_WORKFLOWS["consultation"]),
            actor="admin:root",
        )
    assert "escalated" in stranded.value.detail


@pytest.mark.parametrize(
    "broken",
    [
        {"initial": "nowhere"},
        {"transitions": [{"from": "new", "to": "ghost"}]},
        {"statuses": {"new": "open", "duplicate": "closed"}},
        {"statuses": {"new": "paused", "closed": "closed"}},
    ],
)
def test_inconsistent_definitions_are_rejected(broken: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        WorkflowDefinition.model_validate(DEFAULT_WORKFLOWS["request"] | broken)


@pytest.mark.parametrize(
    ("ticket_type", "transition", "missing"),
    [
        (
            "complaint",
            {"from": "investigating", "to": "resolved", "requires": ["outcome"]},
            "reason",
        ),
        ("complaint", {"from": "investigating", "to": "confirmed"}, "outcome, reason"),
        ("suggestion", {"from": "under_review", "to": "declined"}, "reason"),
        ("suggestion", {"from": "received", "to": "implemented"}, "reason"),
    ],
)
def test_edited_workflows_keep_the_reasons_complaints_and_suggestions_need(
    session: Session, ticket_type: str, transition: dict[str, object], missing: str
) -> None:
    default = DEFAULT_WORKFLOWS[ticket_type]
    edited = default | {"transitions": [*default["transitions"], transition]}
    with pytest.raises(Unprocessable) as refused:
        service.save(
            session,
            ticket_type=TicketType(ticket_type),
            definition=WorkflowDefinition.model_validate(edited),
            actor="admin:root",
        )
    assert f"missing: {missing}" in refused.value.detail
    assert service.read(session, TicketType(ticket_type)).is_default  # nothing was saved
    # Between open statuses, or on from a finished one, nothing is required.
    extra = {"complaint": {"from": "new", "to": "investigating"}}.get(
        ticket_type, {"from": "adopted", "to": "declined"}
    )
    service.save(
        session,
        ticket_type=TicketType(ticket_type),
        definition=WorkflowDefinition.model_validate(
            default | {"transitions": [*default["transitions"], extra]}
        ),
        actor="admin:root",
    )
