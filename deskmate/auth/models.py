from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Boolean, Integer, String
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


class User(TimestampedBase):
    """A person who signs in to the consoles with an e-mail address and a password.

    ``session_epoch`` is part of every session cookie; logging out bumps it, which ends every
    session of that user at once (the cookie itself is a stateless signed token).
    """

    __tablename__ = "users"

    email: Mapped[str] = mapped_column(String(320), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[Role] = mapped_column(String(32))
    password_hash: Mapped[str] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UtcDateTime, default=None)
    session_epoch: Mapped[int] = mapped_column(Integer, default=0)
    last_login_at: Mapped[datetime | None] = mapped_column(UtcDateTime, default=None)
