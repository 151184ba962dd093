"""Optimistic concurrency: every ticket UPDATE checks the version it read (``version_id_col``)."""

from __future__ import annotations

from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from deskmate.errors import Conflict
from ticketing.models import Ticket


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
        if "locked" not in str(exc.orig).lower():
            raise
        raise Conflict(message) from exc
