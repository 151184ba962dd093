from __future__ import annotations

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from deskmate.audit.context import Actor, acting_as
from deskmate.audit.models import AuditEntry
from deskmate.audit.recorder import PERSONAL, record
from ticketing.models import Customer, CustomerTier

CLI = Actor(name="system:cli", role="system")


def _entries(session: Session, entity_id: str) -> list[AuditEntry]:
    return list(
        session.scalars(
            select(AuditEntry).where(AuditEntry.entity_id == entity_id).order_by(AuditEntry.id)
        )
    )


def test_insert_update_delete_are_recorded_without_personal_data(session: Session) -> None:
    with acting_as(CLI):
        customer = Customer(name="Quentin Zyx", email="qz@example.org", phone="+4411122")
        session.add(customer)
        session.flush()
        customer.tier = CustomerTier.CORE
        customer.email = "qz2@example.org"
        session.flush()
        session.delete(customer)
        session.flush()

    inserted, updated, deleted = _entries(session, str(customer.id))
    assert [e.action for e in (inserted, updated, deleted)] == ["insert", "update", "delete"]
    assert {(e.actor, e.actor_role, e.entity_type) for e in (inserted, updated, deleted)} == {
        ("system:cli", "system", "customers")
    }
    assert inserted.before is None and inserted.after is not None
    assert inserted.after["tier"] == "general" and inserted.after["email"] == PERSONAL
    assert inserted.after["region"] is None  # no value: nothing to hide
    assert updated.before == {"tier": "general", "email": PERSONAL}
    assert updated.after == {"tier": "core", "email": PERSONAL}
    assert deleted.before is not None and deleted.before["tier"] == "core"
    dump = repr([(e.before, e.after) for e in (inserted, updated, deleted)])
    for secret in ("Quentin", "qz@example.org", "qz2@example.org", "+4411122"):
        assert secret not in dump


def test_an_unchanged_flush_records_nothing(session: Session) -> None:
    customer = Customer(name="Nobody")
    session.add(customer)
    session.flush()
    customer.tier = CustomerTier.GENERAL  # the same value: no change
    session.flush()
    assert [e.action for e in _entries(session, str(customer.id))] == ["insert"]


def test_explicit_entries_and_the_default_actor(session: Session) -> None:
    record(session, action="customer.export", entity_type="customers", entity_id="c-1")
    (entry,) = _entries(session, "c-1")
    assert (entry.actor, entry.actor_role, entry.action) == ("system", "system", "customer.export")


@pytest.mark.parametrize(
    "statement", ["UPDATE audit_log SET actor = 'mallory'", "DELETE FROM audit_log"]
)
def test_the_database_refuses_to_change_the_log(session: Session, statement: str) -> None:
    record(session, action="probe", entity_type="probe", entity_id="p-1")
    savepoint = session.begin_nested()
    with pytest.raises(DBAPIError, match="append-only"):
        session.execute(text(statement))
    savepoint.rollback()
    assert [e.actor for e in _entries(session, "p-1")] == ["system"]
