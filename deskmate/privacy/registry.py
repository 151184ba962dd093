"""Every place that holds a customer's personal data. Add one line per new source.

Order matters for erasure: Rasa's events first (another database, committed on their own, so a
failure afterwards leaves the app's data in place for a retry), then children before parents.
"""

from __future__ import annotations

from deskmate.privacy.rasa import RasaTrackerDatabase, RasaTrackerEvents, tracker_database
from deskmate.privacy.sources import (
    ChatConversations,
    CustomerProfile,
    IdempotencyKeys,
    KnowledgeSearchLog,
    PersonalDataSource,
    TicketEvents,
    Tickets,
)
from deskmate.settings import Settings


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


def sources_for(settings: Settings) -> list[PersonalDataSource]:
    return personal_data_sources(tracker=tracker_database(settings.resolved_rasa_tracker_url))
