"""The proof: after erasure nothing of the customer remains in any table or in Rasa's events."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import JSON, String, Text, func, select
from sqlalchemy.orm import Session

from deskmate.errors import NotFound
from deskmate.models import Base
from deskmate.privacy.rasa import RasaTrackerDatabase
from deskmate.privacy.registry import personal_data_sources
from deskmate.privacy.service import erase_customer, export_customer
from tests.privacy.factories import (
    BYSTANDER,
    SUBJECT,
    add_rasa_events,
    give_data_everywhere,
    make_rasa_tracker,
)
from ticketing.models import Ticket


def _text_columns_found(session: Session, values: list[str]) -> list[str]:
    """Every string, text and JSON column of every table, searched for each value."""
    found = []
    for table in Base.metadata.sorted_tables:
        columns = [c for c in table.columns if isinstance(c.type, String | Text | JSON)]
        if not columns:
            continue
        for row in session.execute(select(*columns)).all():
            for column, cell in zip(columns, row, strict=True):
                text = str(cell).lower()
                found += [f"{table.name}.{column.name}: {v}" for v in values if v.lower() in text]
    return found


def _rasa_rows_found(path: Path, values: list[str]) -> list[str]:
    with sqlite3.connect(path) as db:
        rows = db.execute("SELECT * FROM events").fetchall()
    return [f"events: {v}" for row in rows for v in values if v.lower() in repr(row).lower()]


@pytest.fixture
def tracker_path(tmp_path: Path) -> Path:
    path = tmp_path / "rasa-tracker.db"
    make_rasa_tracker(path)
    add_rasa_events(path, SUBJECT)
    add_rasa_events(path, BYSTANDER)
    return path


def _sources(path: Path) -> list[Any]:
    return personal_data_sources(tracker=RasaTrackerDatabase(f"sqlite:///{path}"))


def test_nothing_of_an_erased_customer_remains_anywhere(
    session: Session, tracker_path: Path
) -> None:
    customer = give_data_everywhere(session, SUBJECT)
    give_data_everywhere(session, BYSTANDER)
    tickets_before = session.scalar(select(func.count()).select_from(Ticket))
    # The scan finds them before erasure: it can fail.
    assert len(_text_columns_found(session, SUBJECT.values)) >= 10
    assert _rasa_rows_found(tracker_path, SUBJECT.values)

    erased = erase_customer(session, customer_id=customer.id, sources=_sources(tracker_path))
    session.flush()
    session.expire_all()

    assert _text_columns_found(session, SUBJECT.values) == []
    assert _rasa_rows_found(tracker_path, SUBJECT.values) == []
    assert erased == {
        "rasa_events": 3,
        "kb_search_log": 2,
        "handoffs": 1,
        "chat": 3,  # two messages and the conversation
        "idempotency_keys": 1,
        "ticket_messages": 4,  # customer's and bot's deleted, agent's and note anonymised
        "csat_ratings": 1,
        "webhook_deliveries": 11,  # one per event but the note (added without the service)
        # created + routed for each ticket, the note, 4 messages, the rating, the merge (2)
        "ticket_events": 12,
        "tickets": 2,
        "channel_identities": 1,
        "customer": 1,
    }
    # Tickets stay for statistics; the bystander keeps everything.
    assert session.scalar(select(func.count()).select_from(Ticket)) == tickets_before
    bystander = _text_columns_found(session, BYSTANDER.values)
    assert {hit.split(":")[0] for hit in bystander} >= {
        "customers.name",
        "customers.email",
        "tickets.description",
        "chat_messages.text",
        "conversations.external_id",
        "kb_search_log.query",
        "ticket_events.data",
        "tickets.context",
        "channel_identities.external_id",
        "ticket_messages.body",
        "csat_ratings.comment",
        "webhook_deliveries.payload",
        "handoffs.transcript",
    }
    with sqlite3.connect(tracker_path) as db:
        left = db.execute("SELECT DISTINCT sender_id, count(*) FROM events").fetchall()
    assert left == [(BYSTANDER.conversation, 3)]


def test_erasing_twice_is_harmless(session: Session, tracker_path: Path) -> None:
    customer = give_data_everywhere(session, SUBJECT)
    erase_customer(session, customer_id=customer.id, sources=_sources(tracker_path))
    again = erase_customer(session, customer_id=customer.id, sources=_sources(tracker_path))
    assert again["rasa_events"] == again["chat"] == again["kb_search_log"] == 0


def test_export_holds_everything_in_one_document(session: Session, tracker_path: Path) -> None:
    customer = give_data_everywhere(session, SUBJECT)
    give_data_everywhere(session, BYSTANDER)
    document = export_customer(session, customer_id=customer.id, sources=_sources(tracker_path))
    text = repr(document)
    for value in SUBJECT.values:
        assert value in text, value
    for value in BYSTANDER.values:
        assert value not in text, value
    assert document["customer"][0]["email"] == SUBJECT.email
    assert len(document["tickets"]) == 2 and len(document["rasa_events"]) == 3
    assert document["chat"][0]["messages"][0]["text"] == SUBJECT.words


def test_unknown_customer(session: Session, tracker_path: Path) -> None:
    import uuid

    with pytest.raises(NotFound):
        erase_customer(session, customer_id=uuid.uuid4(), sources=_sources(tracker_path))


def test_a_missing_tracker_database_is_not_created(tmp_path: Path) -> None:
    path = tmp_path / "never-started.db"
    tracker = RasaTrackerDatabase(f"sqlite:///{path}")
    assert tracker.events(frozenset({"x"})) == [] and tracker.delete(frozenset({"x"})) == 0
    assert not path.exists()
