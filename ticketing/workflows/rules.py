"""What every workflow of a ticket type must keep, however admins edit it: a complaint is only
finished with an outcome and a reason, a suggestion is only decided (adopted, declined, ...)
with a reason. A definition that would let a ticket skip them is refused when it is saved."""

from __future__ import annotations

from deskmate.errors import Unprocessable
from ticketing.models import StatusCategory, TicketType
from ticketing.workflows.schemas import WorkflowDefinition

ACTIVE = (StatusCategory.OPEN, StatusCategory.WAITING)
FINISHED = (StatusCategory.RESOLVED, StatusCategory.CLOSED)
REQUIRED_TO_FINISH: dict[str, set[str]] = {
    TicketType.COMPLAINT: {"outcome", "reason"},
    TicketType.SUGGESTION: {"reason"},
}


def check(ticket_type: str, definition: WorkflowDefinition) -> None:
    required = REQUIRED_TO_FINISH.get(ticket_type)
    if not required:
        return
    for t in definition.transitions:
        finishing = definition.statuses[t.from_] in ACTIVE and definition.statuses[t.to] in FINISHED
        missing = sorted(required - set(t.requires))
        if finishing and missing:
            raise Unprocessable(
                f"A {ticket_type} going from {t.from_!r} to {t.to!r} must require "
                f"{' and '.join(sorted(required))} (missing: {', '.join(missing)})."
            )
