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
    # governance: the audit log, privacy export and erasure
    "audit.read": frozenset({D}),
    "customers.export": frozenset({S, D}),
    "customers.erase": frozenset({D}),
}

# Routes anyone may call without a token, as (METHOD, path). Add one line per public route.
PUBLIC_ROUTES: frozenset[tuple[str, str]] = frozenset(
    {
        ("GET", "/healthz"),
        ("GET", "/readyz"),
        ("GET", "/"),  # the web chat page
        ("GET", "/docs"),
        ("GET", "/docs/oauth2-redirect"),
        ("GET", "/redoc"),
        ("GET", "/openapi.json"),
        # customers, through the web chat (identified by their conversation id)
        ("POST", "/api/v1/chat/messages"),
        ("GET", "/api/v1/chat/conversations/{conversation_id}/messages"),
        # self-service knowledge
        ("GET", "/api/v1/kb/search"),
        ("GET", "/kb/articles/{article_id}"),
    }
)
PUBLIC_MOUNTS: frozenset[str] = frozenset({"/static"})


def roles_for(permission: str) -> frozenset[Role]:
    try:
        return PERMISSIONS[permission]
    except KeyError:
        raise KeyError(f"unknown permission {permission!r}: add it to PERMISSIONS") from None
