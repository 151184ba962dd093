"""FastAPI dependencies shared by every router: the request's session and who is calling.

Both are ``async`` on purpose. FastAPI runs every sync dependency in a worker thread (a
generator one twice: to enter and to exit), and each hop to anyio's thread pool costs more CPU
than a ticket read's own Python work. Creating a session does no I/O, closing one that holds no
transaction does none either, and a known token is answered from a per-process cache; only what
really touches the database goes to a thread.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Coroutine
from typing import Annotated, Any, TypeVar

from fastapi import Depends, Request
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from deskmate.audit.context import Actor, current_actor
from deskmate.auth.models import Role
from deskmate.auth.permissions import roles_for
from deskmate.auth.principal import Principal
from deskmate.auth.service import cached_principal, ensure_role, principal_for_token
from deskmate.auth.users import principal_from_session
from deskmate.settings import Settings

T = TypeVar("T")


def _end(session: Session) -> None:
    session.rollback()
    session.close()


async def get_session(request: Request) -> AsyncIterator[Session]:
    """One session per request. Routes (the request boundary) commit before they answer, so a
    failed commit is never reported as success; anything left uncommitted is rolled back here
    (in a worker thread: a rollback is a round trip to the database)."""
    session: Session = request.app.state.session_factory()
    try:
        yield session
    finally:
        if session.in_transaction():
            await run_in_threadpool(_end, session)
        else:
            session.close()


async def in_worker_thread(request: Request, work: Callable[[Session], T]) -> T:
    """Run an async route's whole unit of work in ONE worker-thread call, in a session of its
    own that is opened, rolled back if uncommitted, and closed there too: no session dependency
    to enter and exit around it. ``work`` must finish with the response built (a rollback
    expires what it loaded); as everywhere, it commits what it changes."""
    return await run_in_threadpool(_in_own_session, request, work)


def _in_own_session(request: Request, work: Callable[[Session], T]) -> T:
    """``work`` in a new session, rolled back if uncommitted and closed (blocking: a thread's)."""
    session: Session = request.app.state.session_factory()
    try:
        return work(session)
    finally:
        _end(session)


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


async def _principal(request: Request) -> Principal:
    """``current_principal`` without a database round trip, and without a worker thread, for a
    bearer token the cache knows; anything else is looked up in a thread, in a session of its
    own (it reads and never writes)."""
    bearer = _bearer(request)
    if bearer is not None:
        known = cached_principal(bearer)
        if known is not None:
            return known
    return await run_in_threadpool(
        _in_own_session, request, lambda session: current_principal(request, session)
    )


def require_roles(*roles: Role) -> Callable[..., Coroutine[Any, Any, Principal]]:
    allowed = frozenset(roles)

    async def dependency(request: Request) -> Principal:
        principal = await _principal(request)
        ensure_role(principal, allowed)
        # The audit log's actor for this request. Set in the request's task, so every worker
        # thread the route runs in afterwards starts from a copy of this context and sees it.
        current_actor.set(Actor(name=principal.actor, role=str(principal.role)))
        return principal

    return dependency


def require_permission(permission: str) -> Callable[..., Coroutine[Any, Any, Principal]]:
    """The dependency every protected route uses; the roles come from the permission matrix."""
    dependency = require_roles(*roles_for(permission))
    dependency.permission = permission  # type: ignore[attr-defined]  # read by the matrix test
    return dependency
