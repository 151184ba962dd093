from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, String, Text, Uuid
from sqlalchemy.orm import Mapped, mapped_column, relationship

from deskmate.db import TimestampedBase, UtcDateTime, utcnow


class EvidenceKind(StrEnum):
    TICKET_RESOLVED = "ticket_resolved"
    ARTICLE_PUBLISHED = "article_published"


class Expert(TimestampedBase):
    """A knowledge carrier: a service agent (``agent_id``) or staff outside the service team.

    ``skills`` are declared ``{"skill": name, "level": 1..5}`` entries; evidence raises the
    effective level (see ``experts.service.effective_skills``).
    """

    __tablename__ = "experts"

    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(320), unique=True)
    department: Mapped[str | None] = mapped_column(String(200), default=None)
    agent_id: Mapped[uuid.UUID | None] = mapped_column(
        Uuid, ForeignKey("agents.id", ondelete="SET NULL"), default=None, unique=True
    )
    bio: Mapped[str] = mapped_column(Text, default="")
    skills: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    products: Mapped[list[str]] = mapped_column(JSON, default=list)
    languages: Mapped[list[str]] = mapped_column(JSON, default=list)
    customer_traits: Mapped[list[str]] = mapped_column(JSON, default=list)
    available: Mapped[bool] = mapped_column(default=True)
    capacity: Mapped[int] = mapped_column(Integer, default=8)

    evidence: Mapped[list[ExpertEvidence]] = relationship(
        back_populates="expert", order_by="ExpertEvidence.at", cascade="all, delete-orphan"
    )


class ExpertEvidence(TimestampedBase):
    """Something an expert did that shows a skill: a resolved ticket, a published article."""

    __tablename__ = "expert_evidence"

    expert_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("experts.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[EvidenceKind] = mapped_column(String(30))
    ref: Mapped[str] = mapped_column(String(200))
    title: Mapped[str] = mapped_column(String(300), default="")
    skills: Mapped[list[str]] = mapped_column(JSON, default=list)
    at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)

    expert: Mapped[Expert] = relationship(back_populates="evidence")
