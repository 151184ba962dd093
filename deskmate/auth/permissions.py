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
    # knowledge lifecycle: agents and experts author; anyone who authors may review someone
    # else's work (the service refuses self-review); knowledge managers publish and retire.
    "kb.articles.read": frozenset({A, E, K, S, D}),
    "kb.articles.write": frozenset({A, E, K, D}),
    "kb.articles.review": frozenset({A, E, K, D}),
    "kb.articles.publish": frozenset({K, D}),
    # signed-in users
    "auth.me": frozenset({A, E, K, S, D, I}),
    "auth.logout": frozenset({A, E, K, S, D, I}),
    # knowledge: answer policy, follow-ups, value, gaps (knowledge.insight_api)
    "kb.thresholds.read": frozenset({K, S, D}),
    "kb.thresholds.write": frozenset({K, D}),
    "kb.searches.ticket": frozenset({D, I}),
    "kb.searches.vote": frozenset({D, I}),  # "did this help?" from the chat, by conversation
    "kb.searches.settle": frozenset({K, D, I}),
    "kb.value.read": frozenset({K, S, D}),
    "kb.gaps.read": frozenset({K, S, D}),
    "kb.gaps.manage": frozenset({K, D}),
    # yellow pages (experts.api)
    "experts.search": frozenset({A, E, K, S, D, I}),
    "experts.read": frozenset({A, E, K, S, D, I}),
    "experts.write": frozenset({K, D}),
    "experts.evidence": frozenset({K, D, I}),
    "tickets.update": frozenset({A, S, D}),
    "tickets.assign": frozenset({A, S, D}),
    "tickets.merge": frozenset({A, S, D}),
    "tickets.message": frozenset({A, E, S, D, I}),
    "tickets.csat": frozenset({S, D, I}),
    "tickets.agents.availability": frozenset({A, S, D}),
    "tickets.config.read": frozenset({A, S, D}),
    "tickets.config.admin": frozenset({D}),
    # live handoff: the assistant (integration) hands a conversation over; staff take it
    "conversations.handoff": frozenset({A, S, D, I}),
    "conversations.handle": frozenset({A, S, D}),
    # governance: the audit log, privacy export and erasure
    "audit.read": frozenset({D}),
    "customers.export": frozenset({S, D}),
    "customers.erase": frozenset({D}),
    # customer profiles: the assistant looks up who is behind a channel identity; staff edit
    "customers.identity.read": frozenset({A, S, D, I}),
    "customers.update": frozenset({A, S, D}),
    # staff vouch for a channel identity (e.g. a Telegram user who proved who they are)
    "customers.identity.link": frozenset({A, S, D}),
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
        # the signed-in customer, vouched for by the embedding site's HMAC signature
        ("POST", "/api/v1/chat/identify"),
        ("GET", "/api/v1/chat/conversations/{conversation_id}/messages"),
        # self-service knowledge
        ("GET", "/api/v1/kb/search"),
        ("GET", "/kb/articles/{article_id}"),
        # "did this help?" on an answer, from the chat (like the search it follows)
        ("POST", "/api/v1/kb/searches/{search_id}/feedback"),
        # signing in to the web consoles
        ("POST", "/api/v1/auth/login"),
        ("GET", "/login"),
        ("GET", "/console"),
    }
)
PUBLIC_MOUNTS: frozenset[str] = frozenset({"/static"})


def roles_for(permission: str) -> frozenset[Role]:
    try:
        return PERMISSIONS[permission]
    except KeyError:
        raise KeyError(f"unknown permission {permission!r}: add it to PERMISSIONS") from None
