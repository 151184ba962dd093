"""Optimistic concurrency: every ticket UPDATE checks the version it read (``version_id_col``)."""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from typing import TypeVar

from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from deskmate.errors import Conflict
from ticketing.models import Ticket

T = TypeVar("T")


def flush_or_conflict(session: Session, ticket: Ticket) -> None:
    """Flush; a concurrent change of the same ticket becomes a 409 instead of a lost update.

    PostgreSQL: the second UPDATE waits for the first, then matches no row (StaleDataError).
    SQLite: the second writer's snapshot is stale and the write is refused as "locked".
    """
    message = f"{ticket.reference} was changed by someone else at the same moment; reload it."
    try:
        session.flush()
    except StaleDataError as exc:
        raise Conflict(message) from exc
    except OperationalError as exc:
        if not is_busy(exc):
            raise
        raise Conflict(message) from exc


def is_busy(exc: OperationalError) -> bool:
    """SQLite refused a write because another connection wrote first ("database is locked")."""
    return "locked" in str(exc.orig).lower()


def retry_when_busy(session: Session, work: Callable[[], T], *, attempts: int = 8) -> T:
    """Run a unit of work (that commits) again when SQLite was busy with another writer.

    SQLite has one writer at a time: a transaction that read before another one committed
    cannot write (its snapshot is stale) and fails at once. The whole unit is rolled back and
    retried, so nothing is half done; PostgreSQL never takes this path.
    """
    for attempt in range(attempts):
        try:
            return work()
        except OperationalError as exc:
            if not is_busy(exc) or attempt == attempts - 1:
                raise
            session.rollback()
            time.sleep(random.uniform(0.005, 0.02) * 2**attempt)
    raise AssertionError("unreachable")
