from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from deskmate.audit.models import AuditEntry


@dataclass(frozen=True)
class AuditFilter:
    entity_type: str | None = None
    entity_id: str | None = None
    actor: str | None = None
    since: datetime | None = None
    until: datetime | None = None


def list_entries(
    session: Session, *, where: AuditFilter, offset: int, limit: int, newest_first: bool = True
) -> tuple[Sequence[AuditEntry], int]:
    """Newest first (or oldest first), and the total that matches."""
    query = select(AuditEntry)
    if where.entity_type is not None:
        query = query.where(AuditEntry.entity_type == where.entity_type)
    if where.entity_id is not None:
        query = query.where(AuditEntry.entity_id == where.entity_id)
    if where.actor is not None:
        query = query.where(AuditEntry.actor == where.actor)
    if where.since is not None:
        query = query.where(AuditEntry.created_at >= where.since)
    if where.until is not None:
        query = query.where(AuditEntry.created_at < where.until)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    order = AuditEntry.id.desc() if newest_first else AuditEntry.id.asc()  # ids grow with time
    rows = session.scalars(query.order_by(order).offset(offset).limit(limit)).all()
    return rows, total
