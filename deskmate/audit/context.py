"""Who is acting and in which request, for the audit log.

The API's auth dependency is async and sets ``current_actor`` in the request's own task; every
worker thread the route then runs in starts from a copy of that context, so the flush that writes
the audit rows sees the caller. (A context variable set inside one worker-thread call would not
reach the next one: that is why the dependency must stay async.) The CLI and workers, which own
their sessions, use ``acting_as``.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

from sqlalchemy.orm import Session


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


def actor_for(_session: Session) -> Actor:
    return current_actor.get()
