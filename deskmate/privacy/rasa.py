"""Rasa's conversation events, in its SQL tracker store (table ``events``).

Rasa owns that database (SQLite in the data directory by default, PostgreSQL in production); the
app reads and deletes a customer's rows there over its own connection. Rasa keeps a tracker in
memory only while it handles a message, so deleted rows do not come back.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, bindparam, inspect, make_url, text
from sqlalchemy.orm import Session

from deskmate.db import make_engine
from deskmate.privacy.subject import Subject

EVENTS = "events"  # the table name Rasa's SQLTrackerStore uses


def app_side_url(url: str) -> str:
    """Rasa's environment drives PostgreSQL with psycopg2; the app's with psycopg 3."""
    return (
        "postgresql+psycopg://" + url.split("://", 1)[1] if url.startswith("postgresql://") else url
    )


class RasaTrackerDatabase:
    def __init__(self, url: str) -> None:
        self.url = app_side_url(url)
        self._engine: Engine | None = None

    def _exists(self) -> bool:
        parsed = make_url(self.url)
        sqlite_file = parsed.database if parsed.get_backend_name() == "sqlite" else None
        if sqlite_file and not Path(sqlite_file).exists():
            return False  # never create Rasa's file from here
        if self._engine is None:
            self._engine = make_engine(self.url)
        return inspect(self._engine).has_table(EVENTS)

    def events(self, sender_ids: frozenset[str]) -> list[dict[str, Any]]:
        if not sender_ids or not self._exists():
            return []
        assert self._engine is not None
        query = text(
            f"SELECT sender_id, type_name, timestamp, intent_name, action_name, data "
            f"FROM {EVENTS} WHERE sender_id IN :ids ORDER BY id"
        ).bindparams(bindparam("ids", expanding=True))
        with self._engine.connect() as connection:
            rows = connection.execute(query, {"ids": sorted(sender_ids)}).mappings().all()
        return [dict(row) | {"data": _parsed(row["data"])} for row in rows]

    def delete(self, sender_ids: frozenset[str]) -> int:
        """Deletes and commits at once: this database is not the app's, so it cannot share the
        app's transaction. Erasure runs this first, so a failure later can simply be retried."""
        if not sender_ids or not self._exists():
            return 0
        assert self._engine is not None
        query = text(f"DELETE FROM {EVENTS} WHERE sender_id IN :ids").bindparams(
            bindparam("ids", expanding=True)
        )
        with self._engine.begin() as connection:
            return int(connection.execute(query, {"ids": sorted(sender_ids)}).rowcount or 0)


def _parsed(data: Any) -> Any:
    try:
        return json.loads(data) if isinstance(data, str) else data
    except ValueError:
        return data


@lru_cache(maxsize=4)
def tracker_database(url: str) -> RasaTrackerDatabase:
    return RasaTrackerDatabase(url)


class RasaTrackerEvents:
    name = "rasa_events"
    tables: tuple[str, ...] = ()  # Rasa's own database, not the app's

    def __init__(self, tracker: RasaTrackerDatabase) -> None:
        self.tracker = tracker

    def export(self, session: Session, subject: Subject) -> list[dict[str, Any]]:
        return self.tracker.events(subject.sender_ids)

    def erase(self, session: Session, subject: Subject) -> int:
        return self.tracker.delete(subject.sender_ids)
