"""Exporting and erasing a customer across every registered personal-data source."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy.orm import Session

from deskmate.audit.recorder import record
from deskmate.db import utcnow
from deskmate.privacy.sources import PersonalDataSource
from deskmate.privacy.subject import find_subject

EXPORT_FORMAT = "deskmate.customer-export/1"


def export_customer(
    session: Session, *, customer_id: uuid.UUID, sources: Sequence[PersonalDataSource]
) -> dict[str, Any]:
    """One JSON document with everything held about the customer; the export is audited."""
    subject = find_subject(session, customer_id=customer_id)
    document: dict[str, Any] = {
        "format": EXPORT_FORMAT,
        "customer_id": str(customer_id),
        "exported_at": utcnow().isoformat(),
    }
    for source in sources:
        document[source.name] = source.export(session, subject)
    record(
        session,
        action="customer.export",
        entity_type="customers",
        entity_id=str(customer_id),
        after={"counts": {s.name: len(document[s.name]) for s in sources}},
    )
    return document


def erase_customer(
    session: Session, *, customer_id: uuid.UUID, sources: Sequence[PersonalDataSource]
) -> dict[str, int]:
    """Erase or anonymise the customer's data in every source, in the caller's transaction (the
    caller commits). Returns how many rows each source erased; the audit entry holds only these
    counts. Erasing twice is harmless."""
    subject = find_subject(session, customer_id=customer_id)
    erased = {source.name: source.erase(session, subject) for source in sources}
    session.flush()
    record(
        session,
        action="customer.erase",
        entity_type="customers",
        entity_id=str(customer_id),
        after={"erased": erased},
    )
    return erased
