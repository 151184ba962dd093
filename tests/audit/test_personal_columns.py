"""Every text column of a table linked to a customer is either marked personal (the audit log
then records only that it changed) or reviewed here as holding no personal data. A new column
fails this test until someone decides which it is: that keeps the audit log free of personal
data, so erasing a customer never has to rewrite it."""

from __future__ import annotations

from sqlalchemy import JSON, String, Text

from deskmate.models import Base
from deskmate.privacy.registry import linked_to_customers

# Reviewed: these hold codes, states and staff names, not the customer's data.
NOT_PERSONAL: dict[str, set[str]] = {
    "customers": {"language", "tier", "consent"},  # consent: flags the customer chose, no text
    "tickets": {
        "type",
        "status",
        "status_category",
        "priority",
        "product",
        "category",
        "channel",
        "language",
        "resolution_outcome",  # a code from the resolution list
    },
    "ticket_events": {"kind", "actor"},
    "idempotency_keys": {"scope", "request_hash"},
    "conversations": {"channel", "language"},
    "chat_messages": {"sender", "buttons", "delivery", "channel_message_id"},
    "channel_identities": {"channel"},
    "ticket_messages": {"author_kind", "channel", "channel_message_id"},
    # Staff who linked the duplicate, and their reason (which tickets are the same, not who).
    "ticket_duplicate_links": {"actor", "reason"},
    # last_error: the receiver's HTTP status or connection error, never the payload.
    "webhook_deliveries": {"kind", "status", "last_error"},
    "handoffs": {"ticket_reference", "reason", "state", "agent"},  # agent: a staff name
}


def test_text_columns_of_customer_tables_are_classified() -> None:
    unclassified = []
    for name in sorted(linked_to_customers(Base.metadata)):
        for column in Base.metadata.tables[name].columns:
            if not isinstance(column.type, String | Text | JSON):
                continue
            if not column.info.get("personal") and column.name not in NOT_PERSONAL.get(name, ()):
                unclassified.append(f"{name}.{column.name}")
    assert unclassified == [], (
        "mark these mapped_column(..., info=PERSONAL) or add them to NOT_PERSONAL here"
    )


def test_the_known_personal_columns_are_marked() -> None:
    tables = Base.metadata.tables
    for table, column in [
        ("customers", "name"),
        ("customers", "email"),
        ("customers", "phone"),
        ("tickets", "description"),
        ("tickets", "contact_email"),
        ("chat_messages", "text"),
        ("conversations", "external_id"),
        ("kb_search_log", "query"),
        ("kb_search_log", "conversation_id"),
        ("tickets", "context"),
        ("channel_identities", "external_id"),
        ("channel_identities", "name"),
        ("ticket_messages", "body"),
        ("csat_ratings", "comment"),
        ("webhook_deliveries", "payload"),
        ("handoffs", "transcript"),
    ]:
        assert tables[table].columns[column].info.get("personal"), f"{table}.{column}"
