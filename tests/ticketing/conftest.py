from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from deskmate.auth.models import Role
from deskmate.models import Base
from knowledge.embedding import Embedder
from tests.apps import client_for, make_app, token_for


@pytest.fixture
def api(data_dir: Path, session_factory: sessionmaker[Session], embedder: Embedder) -> TestClient:
    return client_for(
        make_app(data_dir=data_dir, session_factory=session_factory, embedder=embedder)
    )


@pytest.fixture
def headers_for(session_factory: sessionmaker[Session]) -> Callable[[Role], dict[str, str]]:
    def make(role: Role) -> dict[str, str]:
        return {"Authorization": f"Bearer {token_for(session_factory, role)}"}

    return make


TICKETING_TABLES = {
    "webhook_deliveries", "webhook_subscriptions", "ticket_duplicate_links", "csat_ratings",
    "ticket_messages", "idempotency_keys", "ticket_events", "tickets", "ticket_numbers",
    "routing_rules", "agents", "teams", "channel_identities", "customers", "sla_policies",
    "business_calendars", "workflows", "customer_tier_rules",
}  # fmt: skip


@pytest.fixture
def committed(migrated_engine: Engine) -> Iterator[sessionmaker[Session]]:
    """Sessions that really commit (for tests of concurrent transactions); emptied afterwards."""
    yield sessionmaker(bind=migrated_engine, expire_on_commit=False)
    with migrated_engine.begin() as connection:
        for table in reversed(Base.metadata.sorted_tables):
            if table.name in TICKETING_TABLES:
                connection.execute(table.delete())
