"""Admin-managed rows addressed by name (routing rules, calendars, SLA policies, webhooks):
``PUT /…/{name}`` creates or replaces one."""

from __future__ import annotations

from typing import TypeVar

from fastapi import Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from deskmate.db import TimestampedBase
from deskmate.errors import NotFound, Unprocessable

N = TypeVar("N", bound=TimestampedBase)


def by_name(session: Session, model: type[N], name: str) -> N | None:
    return session.scalar(select(model).where(model.__table__.c.name == name))


def by_name_or_raise(session: Session, model: type[N], name: str, what: str) -> N:
    found = by_name(session, model, name)
    if found is None:
        raise NotFound(f"No {what} named {name[:100]!r}.")
    return found


def for_put(
    session: Session, model: type[N], *, name: str, body_name: str, response: Response
) -> N:
    """The row a PUT replaces, or a new one (answered with 201)."""
    if body_name != name:
        raise Unprocessable("The name in the body must match the URL.")
    found = by_name(session, model, name)
    if found is None:
        found = model(name=name)
        session.add(found)
        response.status_code = 201
    return found
