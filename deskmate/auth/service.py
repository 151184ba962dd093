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
from deskmate.cache import ProcessCache
from deskmate.errors import NotAuthenticated, NotPermitted

TOKEN_PREFIX = "dm_"

# Who a valid token belongs to, by digest (never the token itself), for TOKEN_CACHE_SECONDS.
# Revoking a token (setting ``revoked_at`` through the ORM) in this process takes effect at once;
# in other worker processes within TOKEN_CACHE_SECONDS. Unknown or revoked tokens are never
# cached: every failed attempt asks the database again.
TOKEN_CACHE_SECONDS = 10.0
_principals: ProcessCache[Principal | None] = ProcessCache(
    "api tokens", ttl=TOKEN_CACHE_SECONDS, watches=(ApiToken,)
)


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


def cached_principal(token: str) -> Principal | None:
    """The caller behind ``token`` if the cache knows it (no database): the async fast path of
    the auth dependency. ``None`` means "ask ``principal_for_token``", not "unknown"."""
    return _principals.peek(_digest(token))


def principal_for_token(session: Session, *, token: str | None) -> Principal:
    """The caller behind a bearer token, as ``authenticate`` decides, cached briefly."""
    if not token:
        raise NotAuthenticated("A bearer token is required (Authorization: Bearer <token>).")
    digest = _digest(token)

    def load() -> Principal | None:
        found = session.scalar(select(ApiToken).where(ApiToken.token_hash == digest))
        if found is None or found.revoked_at is not None:
            return None
        return Principal(name=found.name, role=Role(found.role))

    principal = _principals.get(digest, load, keep=lambda found: found is not None)
    if principal is None:
        raise NotAuthenticated("The bearer token is unknown or revoked.")
    return principal


def ensure_role(caller: ApiToken | Principal, allowed: frozenset[Role]) -> None:
    if Role(caller.role) not in allowed:
        raise NotPermitted(f"Role {caller.role!r} may not do this.")
