from __future__ import annotations

import sqlite3
import uuid
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from deskmate.auth.models import Role
from knowledge.embedding import Embedder
from tests.apps import client_for, make_app, token_for
from tests.privacy.factories import (
    SUBJECT,
    add_rasa_events,
    give_data_everywhere,
    make_rasa_tracker,
)


@pytest.fixture
def tracker_path(tmp_path: Path) -> Path:
    path = tmp_path / "tracker.db"
    make_rasa_tracker(path)
    add_rasa_events(path, SUBJECT)
    return path


@pytest.fixture
def client(
    data_dir: Path,
    session_factory: sessionmaker[Session],
    embedder: Embedder,
    tracker_path: Path,
) -> TestClient:
    app = make_app(
        data_dir=data_dir,
        session_factory=session_factory,
        embedder=embedder,
        rasa_tracker_url=f"sqlite:///{tracker_path}",
    )
    return client_for(app)


@pytest.fixture
def customer_id(session_factory: sessionmaker[Session]) -> str:
    with session_factory() as session:
        customer = give_data_everywhere(session, SUBJECT)
        session.commit()
        return str(customer.id)


def _auth(session_factory: sessionmaker[Session], role: Role) -> dict[str, str]:
    return {"Authorization": f"Bearer {token_for(session_factory, role)}"}


def test_export_then_erase_through_the_api(
    client: TestClient,
    session_factory: sessionmaker[Session],
    customer_id: str,
    tracker_path: Path,
) -> None:
    supervisor = _auth(session_factory, Role.SUPERVISOR)
    admin = _auth(session_factory, Role.ADMIN)

    exported = client.get(f"/api/v1/customers/{customer_id}/export", headers=supervisor)
    assert exported.status_code == 200
    document = exported.json()
    assert document["format"] == "deskmate.customer-export/1"
    assert document["customer"][0]["phone"] == SUBJECT.phone
    assert len(document["rasa_events"]) == 3

    assert (
        client.post(f"/api/v1/customers/{customer_id}/erase", headers=supervisor).status_code == 403
    )
    erased = client.post(f"/api/v1/customers/{customer_id}/erase", headers=admin)
    assert erased.status_code == 200 and erased.json()["erased"]["rasa_events"] == 3
    with sqlite3.connect(tracker_path) as db:
        assert db.execute("SELECT count(*) FROM events").fetchone() == (0,)

    after = client.get(f"/api/v1/customers/{customer_id}/export", headers=admin).json()
    assert SUBJECT.email in exported.text and SUBJECT.email not in str(after)
    assert after["customer"][0]["email"] is None and after["chat"] == []

    log = client.get(f"/api/v1/audit?entity_id={customer_id}", headers=admin).json()["items"]
    actions = [(e["action"], e["actor_role"]) for e in log]
    assert ("customer.erase", "admin") in actions and ("customer.export", "supervisor") in actions
    erase_entry = next(e for e in log if e["action"] == "customer.erase")
    assert erase_entry["after"]["erased"]["tickets"] == 2
    assert SUBJECT.name not in str(log) and SUBJECT.email not in str(log)


def test_unknown_and_malformed_customers(
    client: TestClient, session_factory: sessionmaker[Session]
) -> None:
    admin = _auth(session_factory, Role.ADMIN)
    missing = client.post(f"/api/v1/customers/{uuid.uuid4()}/erase", headers=admin)
    assert missing.status_code == 404 and missing.json()["error"] == "not_found"
    malformed = client.get("/api/v1/customers/not-a-uuid/export", headers=admin)
    assert malformed.status_code == 422 and malformed.json()["error"] == "validation_error"
