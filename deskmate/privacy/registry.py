"""Every place that holds a customer's personal data. Add one line per new source.

Order matters for erasure: Rasa's events first (another database, committed on their own, so a
failure afterwards leaves the app's data in place for a retry), then children before parents.
"""

from __future__ import annotations

from deskmate.privacy.rasa import RasaTrackerDatabase, RasaTrackerEvents
from deskmate.privacy.sources import (
    ChatConversations,
    CustomerProfile,
    IdempotencyKeys,
    KnowledgeSearchLog,
    PersonalDataSource,
    TicketEvents,
    Tickets,
)


def personal_data_sources(*, tracker: RasaTrackerDatabase) -> list[PersonalDataSource]:
    return [
        RasaTrackerEvents(tracker),
        KnowledgeSearchLog(),
        ChatConversations(),
        IdempotencyKeys(),
        TicketEvents(),
        Tickets(),
        CustomerProfile(),
    ]
