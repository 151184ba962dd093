"""Merging duplicate tickets: both histories stay; the duplicate is closed and linked."""

from __future__ import annotations

from sqlalchemy.orm import Session

from deskmate.errors import Conflict
from ticketing import events
from ticketing.concurrency import flush_or_conflict
from ticketing.models import DUPLICATE_STATUS, DuplicateLink, StatusCategory, Ticket


def merge(
    session: Session, *, duplicate: Ticket, primary: Ticket, actor: str, reason: str | None
) -> DuplicateLink:
    if duplicate.id == primary.id:
        raise Conflict("A ticket cannot be merged into itself.")
    if duplicate.merged_into_id is not None:
        raise Conflict(f"{duplicate.reference} is already merged.")
    if primary.merged_into_id is not None:
        raise Conflict(
            f"{primary.reference} is itself merged; merge into the ticket it was merged into."
        )
    before = duplicate.status
    duplicate.status = DUPLICATE_STATUS
    duplicate.status_category = StatusCategory.CLOSED
    duplicate.merged_into_id = primary.id
    duplicate.resolution_outcome = "duplicate"
    duplicate.resolution_reason = reason or f"duplicate of {primary.reference}"
    link = DuplicateLink(
        duplicate_id=duplicate.id, primary_id=primary.id, actor=actor, reason=reason
    )
    session.add(link)
    events.record(
        session,
        ticket=duplicate,
        kind="merged_into",
        actor=actor,
        data={"into": primary.reference, "from_status": before, "reason": reason},
    )
    events.record(
        session,
        ticket=primary,
        kind="merged_from",
        actor=actor,
        data={"duplicate": duplicate.reference, "reason": reason},
    )
    flush_or_conflict(session, duplicate)
    return link
