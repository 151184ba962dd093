from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from deskmate.db import Base, UtcDateTime, utcnow


class AuditEntry(Base):
    """One change: who (actor, role), what (action on an entity), when, before and after.

    Append-only: no route writes it, and triggers made by migration 0003 refuse UPDATE and DELETE
    in the database. Personal-data columns are never copied here (only the fact that they
    changed), so erasing a customer never needs to rewrite this table.
    """

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, index=True)
    actor: Mapped[str] = mapped_column(String(200), index=True)
    actor_role: Mapped[str] = mapped_column(String(32))
    action: Mapped[str] = mapped_column(String(50))
    entity_type: Mapped[str] = mapped_column(String(100), index=True)
    entity_id: Mapped[str | None] = mapped_column(String(100), default=None, index=True)
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None)
    request_id: Mapped[str | None] = mapped_column(String(64), default=None)
