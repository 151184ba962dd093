"""FastAPI dependencies shared by every router: the request's session and who is calling."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from deskmate.audit.context import Actor, set_session_actor
from deskmate.auth.models import Role
from deskmate.auth.permissions import roles_for
from deskmate.auth.principal import Principal
from deskmate.auth.service import ensure_role, principal_for_token
from deskmate.auth.users import principal_from_session
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


SESSION_COOKIE = "dm_session"
CSRF_COOKIE = "dm_csrf"
CSRF_HEADER = "X-Deskmate-CSRF"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def current_principal(request: Request, session: Session) -> Principal:
    """The bearer token if one is sent, else the session cookie (with its CSRF check)."""
    bearer = _bearer(request)
    cookie = request.cookies.get(SESSION_COOKIE)
    if bearer is None and cookie:
        settings: Settings = request.app.state.settings
        unsafe = request.method.upper() not in SAFE_METHODS
        return principal_from_session(
            session,
            token=cookie,
            secret=settings.secret_key.get_secret_value(),
            csrf_header=(request.headers.get(CSRF_HEADER) or "") if unsafe else None,
            csrf_cookie=request.cookies.get(CSRF_COOKIE),
        )
    return principal_for_token(session, token=bearer)


def require_roles(*roles: Role) -> Callable[..., Principal]:
    allowed = frozenset(roles)

    def dependency(request: Request, session: SessionDep) -> Principal:
        principal = current_principal(request, session)
        ensure_role(principal, allowed)
        set_session_actor(session, Actor(name=principal.actor, role=str(principal.role)))
        return principal

    return dependency


def require_permission(permission: str) -> Callable[..., Principal]:
    """The dependency every protected route uses; the roles come from the permission matrix."""
    dependency = require_roles(*roles_for(permission))
    dependency.permission = permission  # type: ignore[attr-defined]  # read by the matrix test
    return dependency
