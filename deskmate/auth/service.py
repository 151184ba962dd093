"""API tokens: creation and verification.

Tokens are 32 random bytes, so a plain SHA-256 digest is enough to store them safely (a slow
password hash buys nothing against a value with 256 bits of entropy) and lets us look them up.
"""

from __future__ import annotations

import hashlib
import secrets

from sqlalchemy import select
from sqlalchemy.orm import Session

from deskmate.auth.models import ApiToken, Role
from deskmate.auth.principal import Principal
from deskmate.errors import NotAuthenticated, NotPermitted

TOKEN_PREFIX = "dm_"


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(session: Session, *, role: Role, name: str) -> str:
    """Store a new token and return its plain value, which is shown once and never stored."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    session.add(ApiToken(name=name, role=role, token_hash=_digest(token)))
    session.flush()
    return token


def authenticate(session: Session, *, token: str | None) -> ApiToken:
    if not token:
        raise NotAuthenticated("A bearer token is required (Authorization: Bearer <token>).")
    found = session.scalar(select(ApiToken).where(ApiToken.token_hash == _digest(token)))
    if found is None or found.revoked_at is not None:
        raise NotAuthenticated("The bearer token is unknown or revoked.")
    return found


def ensure_role(caller: ApiToken | Principal, allowed: frozenset[Role]) -> None:
    if Role(caller.role) not in allowed:
        raise NotPermitted(f"Role {caller.role!r} may not do this.")
