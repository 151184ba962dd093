"""Who is calling: an API token or a signed-in user, seen the same way by every route."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from deskmate.auth.models import Role


@dataclass(frozen=True)
class Principal:
    name: str
    role: Role
    user_id: uuid.UUID | None = None  # None for API tokens
    email: str | None = None

    @property
    def actor(self) -> str:
        """The stable label written into histories (and compared for "reviewer is not author")."""
        return self.email if self.email else f"token:{self.name}"
