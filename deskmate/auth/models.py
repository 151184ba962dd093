from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from deskmate.db import TimestampedBase, UtcDateTime


class Role(StrEnum):
    AGENT = "agent"
    EXPERT = "expert"
    KNOWLEDGE_MANAGER = "knowledge_manager"
    SUPERVISOR = "supervisor"
    ADMIN = "admin"
    INTEGRATION = "integration"


class ApiToken(TimestampedBase):
    """A bearer token for the API. Only a SHA-256 digest of the token is stored."""

    __tablename__ = "api_tokens"

    name: Mapped[str] = mapped_column(String(100))
    role: Mapped[Role] = mapped_column(String(32))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True, info={"secret": True})
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime, default=None)
