"""Password login for the consoles: a signed session cookie, CSRF double submit, logout."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import FileResponse, RedirectResponse
from pydantic import BaseModel, Field

from deskmate.auth import users
from deskmate.auth.principal import Principal
from deskmate.auth.throttle import MemoryRateLimiter
from deskmate.deps import (
    CSRF_COOKIE,
    SESSION_COOKIE,
    SessionDep,
    SettingsDep,
    current_principal,
    require_permission,
)
from deskmate.errors import DeskmateError, RateLimited
from deskmate.settings import Settings

router = APIRouter(tags=["auth"])
CONSOLE_DIR = Path(__file__).resolve().parent.parent / "web" / "static" / "console"


class LoginRequest(BaseModel):
    email: str = Field(min_length=3, max_length=320)
    password: str = Field(min_length=1, max_length=1000)


class MeRead(BaseModel):
    name: str
    role: str
    email: str | None
    user_id: str | None


def _me(principal: Principal) -> MeRead:
    return MeRead(
        name=principal.name,
        role=principal.role,
        email=principal.email,
        user_id=str(principal.user_id) if principal.user_id else None,
    )


def _throttle(request: Request, settings: Settings) -> None:
    """Per client address, on top of the per-account lock: slows down guessing across accounts."""
    limiter = request.app.state.rate_limiter
    if limiter is None:
        limiter = getattr(request.app.state, "login_limiter", None)
        if limiter is None:
            limiter = request.app.state.login_limiter = MemoryRateLimiter()
    address = request.client.host if request.client else "unknown"
    if not limiter.hit(f"login:{address}", limit=settings.login_rate_per_minute):
        raise RateLimited("Too many sign-in attempts from this address; wait a minute.")


@router.post("/api/v1/auth/login", response_model=MeRead)
def login(
    request: Request,
    data: LoginRequest,
    response: Response,
    session: SessionDep,
    settings: SettingsDep,
) -> MeRead:
    _throttle(request, settings)
    try:
        user, issued = users.login(
            session,
            email=data.email,
            password=data.password,
            secret=settings.secret_key.get_secret_value(),
        )
    except DeskmateError:
        session.commit()  # the failed-attempt counter and any lock must be kept
        raise
    session.commit()
    secure = settings.resolved_public_url.startswith("https://")
    response.set_cookie(
        SESSION_COOKIE,
        issued.token,
        max_age=issued.max_age,
        httponly=True,
        samesite="strict",
        secure=secure,
        path="/",
    )
    response.set_cookie(
        CSRF_COOKIE, issued.csrf, max_age=issued.max_age, samesite="strict", secure=secure, path="/"
    )
    return MeRead(name=user.name, role=user.role, email=user.email, user_id=str(user.id))


@router.post("/api/v1/auth/logout", status_code=204)
def logout(
    principal: Annotated[Principal, Depends(require_permission("auth.logout"))],
    response: Response,
    session: SessionDep,
) -> Response:
    """End every session of the user (the cookie is signed, so the server-side epoch moves on).

    Signed-in users only, with the CSRF header, so no other site can sign someone out.
    """
    if principal.user_id is not None:
        users.end_sessions(session, user_id=principal.user_id)
        session.commit()
    response.status_code = 204
    response.delete_cookie(SESSION_COOKIE, path="/")
    response.delete_cookie(CSRF_COOKIE, path="/")
    return response


@router.get("/api/v1/auth/me", response_model=MeRead)
def me(principal: Annotated[Principal, Depends(require_permission("auth.me"))]) -> MeRead:
    return _me(principal)


@router.get("/login", include_in_schema=False)
def login_page() -> FileResponse:
    return FileResponse(CONSOLE_DIR / "login.html")


@router.get("/console", include_in_schema=False, response_model=None)
def console_page(request: Request, session: SessionDep) -> FileResponse | RedirectResponse:
    """The console shell; without a valid session, the login page (then back here)."""
    if request.cookies.get(SESSION_COOKIE):
        try:
            current_principal(request, session)
            return FileResponse(CONSOLE_DIR / "console.html", headers={"Cache-Control": "no-store"})
        except DeskmateError:
            pass
    return RedirectResponse("/login?next=/console", status_code=303)
