from __future__ import annotations

from typing import Any

from sqlalchemy import JSON, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from deskmate.db import TimestampedBase


class Workflow(TimestampedBase):
    """The process of one ticket type as data (see schemas.WorkflowDefinition)."""

    __tablename__ = "workflows"

    ticket_type: Mapped[str] = mapped_column(String(20), unique=True)
    definition: Mapped[dict[str, Any]] = mapped_column(JSON)
    revision: Mapped[int] = mapped_column(Integer, default=1)
    updated_by: Mapped[str | None] = mapped_column(String(200), default=None)
