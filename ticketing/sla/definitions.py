"""SLA policies with their calendars, cached per process for the ticket page.

A change through the ORM in this process (the SLA API, seeding) is seen at once; other worker
processes see it within POLICY_CACHE_SECONDS (see deskmate/cache.py). The sweep keeps loading
the policies itself at the start of each run.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from deskmate.cache import ProcessCache, detached_copy
from ticketing.sla.models import BusinessCalendar, SlaPolicy
from ticketing.sla.service import load_policies

POLICY_CACHE_SECONDS = 5.0
_policies: ProcessCache[tuple[SlaPolicy, ...]] = ProcessCache(
    "sla policies", ttl=POLICY_CACHE_SECONDS, watches=(SlaPolicy, BusinessCalendar)
)


def _copies(session: Session) -> tuple[SlaPolicy, ...]:
    copies = []
    for policy in load_policies(session):
        copy = detached_copy(policy)
        copy.calendar = detached_copy(policy.calendar) if policy.calendar else None
        copies.append(copy)
    return tuple(copies)


def cached_policies(session: Session) -> list[SlaPolicy]:
    """Every policy with its calendar loaded; shared between requests: read only."""
    return list(_policies.get("all", lambda: _copies(session)))
