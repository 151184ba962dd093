"""Users, passwords (argon2id), login with lockout, and the signed session cookie.

The session cookie is a JWT (HS256, settings.secret_key) holding the user id, the user's
``session_epoch`` and a CSRF value. The CSRF value is also sent in a readable cookie; requests
that change something must echo it in the ``X-Deskmate-CSRF`` header (double submit, and the
value is bound into the signed token so a planted cookie does not help). Logging out bumps the
epoch, which ends every session of the user.
"""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass
from datetime import timedelta

import jwt
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from deskmate.auth.models import Role, User
from deskmate.auth.principal import Principal
from deskmate.db import utcnow
from deskmate.errors import BadRequest, Conflict, NotAuthenticated

SESSION_HOURS = 8
MAX_FAILED_LOGINS = 5
LOCK_MINUTES = 15
MIN_PASSWORD_CHARS = 10
_ALGORITHM = "HS256"
_hasher = PasswordHasher()
# Verified against when the e-mail is unknown, so both cases take the same time.
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))


@dataclass(frozen=True)
class IssuedSession:
    token: str
    csrf: str
    max_age: int


def normalise_email(email: str) -> str:
    return email.strip().lower()


def get_user_by_email(session: Session, email: str) -> User | None:
    return session.scalar(select(User).where(func.lower(User.email) == normalise_email(email)))


def create_user(session: Session, *, email: str, name: str, role: Role, password: str) -> User:
    email = normalise_email(email)
    if "@" not in email or len(email) > 320:
        raise BadRequest(f"{email!r} is not an e-mail address.")
    if not name.strip():
        raise BadRequest("The name is empty.")
    if len(password) < MIN_PASSWORD_CHARS:
        raise BadRequest(f"The password must have at least {MIN_PASSWORD_CHARS} characters.")
    if get_user_by_email(session, email) is not None:
        raise Conflict(f"A user with e-mail {email} already exists.")
    user = User(
        email=email,
        name=name.strip(),
        role=role,
        password_hash=_hasher.hash(password),
        active=True,
        failed_logins=0,
        session_epoch=0,
    )
    session.add(user)
    session.flush()
    return user


def login(
    session: Session, *, email: str, password: str, secret: str
) -> tuple[User, IssuedSession]:
    """Check the password; count failures and lock the account for a while after too many.

    The caller commits in every case (a failure's counter must be stored too).
    """
    user = get_user_by_email(session, email)
    now = utcnow()
    if user is None or not user.active:
        _verify(_DUMMY_HASH, password)
        raise NotAuthenticated("Wrong e-mail or password.", code="invalid_credentials")
    if user.locked_until is not None and user.locked_until > now:
        raise NotAuthenticated(
            "Too many failed attempts: this account is locked for a few minutes.",
            code="account_locked",
        )
    if not _verify(user.password_hash, password):
        user.failed_logins += 1
        if user.failed_logins >= MAX_FAILED_LOGINS:
            user.locked_until = now + timedelta(minutes=LOCK_MINUTES)
            user.failed_logins = 0
        session.flush()
        raise NotAuthenticated("Wrong e-mail or password.", code="invalid_credentials")
    user.failed_logins = 0
    user.locked_until = None
    user.last_login_at = now
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = _hasher.hash(password)
    session.flush()
    return user, issue_session(user, secret=secret)


def _verify(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def issue_session(user: User, *, secret: str) -> IssuedSession:
    now = utcnow()
    csrf = secrets.token_urlsafe(24)
    claims = {
        "sub": str(user.id),
        "epoch": user.session_epoch,
        "csrf": csrf,
        "iat": int(now.timestamp()),
        "exp": int((now + timedelta(hours=SESSION_HOURS)).timestamp()),
    }
    token = jwt.encode(claims, secret, algorithm=_ALGORITHM)
    return IssuedSession(token=token, csrf=csrf, max_age=SESSION_HOURS * 3600)


def principal_from_session(
    session: Session, *, token: str, secret: str, csrf_header: str | None, csrf_cookie: str | None
) -> Principal:
    """The signed-in user of a session cookie. ``csrf_header`` is None for safe methods."""
    try:
        claims = jwt.decode(
            token, secret, algorithms=[_ALGORITHM], options={"require": ["sub", "exp", "csrf"]}
        )
        user_id = uuid.UUID(str(claims["sub"]))
    except (jwt.PyJWTError, ValueError) as exc:
        raise NotAuthenticated("The session has expired or is invalid; sign in again.") from exc
    user = session.get(User, user_id)
    if user is None or not user.active or claims.get("epoch") != user.session_epoch:
        raise NotAuthenticated("The session has ended; sign in again.")
    if csrf_header is not None and not (
        csrf_cookie
        and secrets.compare_digest(csrf_header, str(claims["csrf"]))
        and secrets.compare_digest(csrf_cookie, str(claims["csrf"]))
    ):
        raise NotAuthenticated(
            "Missing or wrong CSRF header (X-Deskmate-CSRF).", code="csrf_failed"
        )
    return Principal(name=user.name, role=Role(user.role), user_id=user.id, email=user.email)


def end_sessions(session: Session, *, user_id: uuid.UUID) -> None:
    user = session.get(User, user_id)
    if user is not None:
        user.session_epoch += 1
        session.flush()
