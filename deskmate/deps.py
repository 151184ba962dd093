"""FastAPI dependencies shared by every router: the request's session and the caller's token."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from deskmate.audit.context import Actor, set_session_actor
from deskmate.auth.models import ApiToken, Role
from deskmate.auth.permissions import roles_for
from deskmate.auth.service import authenticate, ensure_role
from deskmate.settings import Settings


def get_session(request: Request) -> Iterator[Session]:
    """One session per request. Routes (the request boundary) commit before they answer, so a
    failed commit is never reported as success; anything left uncommitted is rolled back here."""
    session: Session = request.app.state.session_factory()
    try:
        yield session
    finally:
        session.rollback()
        session.close()


def get_app_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


SessionDep = Annotated[Session, Depends(get_session)]
SettingsDep = Annotated[Settings, Depends(get_app_settings)]


def _bearer(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    return value.strip() if scheme.lower() == "bearer" and value.strip() else None


def require_roles(*roles: Role) -> Callable[..., ApiToken]:
    allowed = frozenset(roles)

    def dependency(request: Request, session: SessionDep) -> ApiToken:
        token = authenticate(session, token=_bearer(request))
        ensure_role(token, allowed)
        set_session_actor(session, Actor(name=f"token:{token.name}", role=str(token.role)))
        return token

    return dependency


def require_permission(permission: str) -> Callable[..., ApiToken]:
    """The dependency every protected route uses; the roles come from the permission matrix."""
    dependency = require_roles(*roles_for(permission))
    dependency.permission = permission  # type: ignore[attr-defined]  # read by the matrix test
    return dependency
