"""Every place that holds a customer's personal data. Add one line per new source.

Order matters for erasure: Rasa's events first (another database, committed on their own, so a
failure afterwards leaves the app's data in place for a retry), then children before parents.
"""

from __future__ import annotations

from sqlalchemy import MetaData

from deskmate.privacy.rasa import RasaTrackerDatabase, RasaTrackerEvents, tracker_database
from deskmate.privacy.sources import (
    ChannelIdentities,
    ChatConversations,
    CsatRatings,
    CustomerProfile,
    Handoffs,
    IdempotencyKeys,
    KnowledgeSearchLog,
    PersonalDataSource,
    TicketEvents,
    TicketMessages,
    Tickets,
    WebhookDeliveries,
)
from deskmate.settings import Settings

# Tables linked to a customer (by a foreign key to customers, or to a table linked to one) that
# hold no personal data, with why. tests/privacy/test_registry.py requires every linked table to
# be covered by a source or listed here.
NOT_PERSONAL: dict[str, str] = {
    "ticket_duplicate_links": "which ticket duplicates which, linked by staff with their reason",
}


def personal_data_sources(*, tracker: RasaTrackerDatabase) -> list[PersonalDataSource]:
    return [
        RasaTrackerEvents(tracker),
        KnowledgeSearchLog(),
        Handoffs(),  # before the conversations they belong to
        ChatConversations(),
        IdempotencyKeys(),
        TicketMessages(),
        CsatRatings(),
        WebhookDeliveries(),  # before the ticket events they copy
        TicketEvents(),
        Tickets(),
        ChannelIdentities(),
        CustomerProfile(),
    ]


def sources_for(settings: Settings) -> list[PersonalDataSource]:
    return personal_data_sources(tracker=tracker_database(settings.resolved_rasa_tracker_url))


def linked_to_customers(metadata: MetaData) -> set[str]:
    """customers, and every table with a foreign key to a table already in the set."""
    linked = {"customers"}
    tables = list(metadata.tables.values())
    grew = True
    while grew:
        grew = False
        for table in tables:
            targets = {fk.column.table.name for fk in table.foreign_keys}
            if table.name not in linked and targets & linked:
                linked.add(table.name)
                grew = True
    return linked
