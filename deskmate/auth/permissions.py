"""The permission matrix: which roles may do what. One place, read by every route.

Each route depends on ``require_permission(NAME)``; the names and their roles live here, so the
matrix can be read, reviewed and tested as a whole (tests/auth/test_permission_matrix.py walks
every route of the app against every role). Customers have no API role: they reach Deskmate only
through the channels (web chat, Telegram), which identify them by their channel identity.
"""

from __future__ import annotations

from deskmate.auth.models import Role

A, E, K, S, D, I = (  # noqa: E741 - short names keep the table readable
    Role.AGENT,
    Role.EXPERT,
    Role.KNOWLEDGE_MANAGER,
    Role.SUPERVISOR,
    Role.ADMIN,
    Role.INTEGRATION,
)

# Add one line per permission; keep them grouped by domain.
PERMISSIONS: dict[str, frozenset[Role]] = {
    # tickets
    "tickets.create": frozenset({A, S, D, I}),
    "tickets.read": frozenset({A, E, S, D, I}),
    "tickets.update": frozenset({A, S, D}),
    "tickets.assign": frozenset({A, S, D}),
    "tickets.merge": frozenset({A, S, D}),
    "tickets.message": frozenset({A, E, S, D, I}),
    "tickets.csat": frozenset({S, D, I}),
    "tickets.agents.availability": frozenset({A, S, D}),
    "tickets.config.read": frozenset({A, S, D}),
    "tickets.config.admin": frozenset({D}),
}


def roles_for(permission: str) -> frozenset[Role]:
    try:
        return PERMISSIONS[permission]
    except KeyError:
        raise KeyError(f"unknown permission {permission!r}: add it to PERMISSIONS") from None
