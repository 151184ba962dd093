"""Who is acting and in which request, for the audit log.

The API's auth dependency puts the caller on the request's session (``session.info``), because
FastAPI runs sync dependencies and routes in different threadpool calls and a context variable set
in one does not reach the other. The CLI and workers, which own their sessions, use ``acting_as``.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

from sqlalchemy.orm import Session

SESSION_KEY = "audit_actor"


@dataclass(frozen=True)
class Actor:
    name: str
    role: str


SYSTEM = Actor(name="system", role="system")
ANONYMOUS = Actor(name="anonymous", role="public")  # channel traffic: customers have no token

current_actor: ContextVar[Actor] = ContextVar("audit_actor", default=SYSTEM)
current_request_id: ContextVar[str | None] = ContextVar("audit_request_id", default=None)


@contextmanager
def acting_as(actor: Actor) -> Iterator[None]:
    """Attribute the changes made inside the block to ``actor`` (e.g. ``system:cli``)."""
    reset = current_actor.set(actor)
    try:
        yield
    finally:
        current_actor.reset(reset)


def set_session_actor(session: Session, actor: Actor) -> None:
    session.info[SESSION_KEY] = actor


def actor_for(session: Session) -> Actor:
    found = session.info.get(SESSION_KEY)
    return found if isinstance(found, Actor) else current_actor.get()
