"""A new table that can hold a customer's data must be covered by a privacy source (one line in
deskmate/privacy/registry.py), or be declared free of personal data."""

from __future__ import annotations

from pathlib import Path

from deskmate.models import Base
from deskmate.privacy.rasa import RasaTrackerDatabase
from deskmate.privacy.registry import NOT_PERSONAL, linked_to_customers, personal_data_sources


def test_every_table_linked_to_a_customer_is_covered(tmp_path: Path) -> None:
    sources = personal_data_sources(tracker=RasaTrackerDatabase(f"sqlite:///{tmp_path}/t.db"))
    covered = {table for source in sources for table in source.tables}
    linked = linked_to_customers(Base.metadata)
    assert linked >= {"tickets", "conversations", "chat_messages", "ticket_events"}
    assert linked - covered - set(NOT_PERSONAL) == set(), (
        "add a source for these tables to deskmate/privacy/registry.py (or list them in "
        "NOT_PERSONAL with the reason)"
    )
    assert covered <= set(Base.metadata.tables), "a source names a table that does not exist"
    assert "kb_search_log" in covered  # not linked by a key, found by conversation id and text
    assert len({s.name for s in sources}) == len(sources)
