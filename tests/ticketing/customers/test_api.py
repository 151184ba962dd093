from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient

from deskmate.auth.models import Role

Headers = Callable[[Role], dict[str, str]]


def test_tier_rules_are_replaced_by_admins_and_reclass_customers(
    api: TestClient, headers_for: Headers
) -> None:
    bot, admin = headers_for(Role.INTEGRATION), headers_for(Role.ADMIN)
    api.post(
        "/api/v1/tickets",
        headers=bot,
        json={
            "description": "hi",
            "email": "kim@example.com",
            "channel_identity": {"channel": "telegram", "external_id": "5", "name": "Kim"},
        },
    )
    customer = api.get("/api/v1/customers/KIM@example.com", headers=admin).json()
    assert customer["tier"] == "general"
    # Linked by the email typed with the ticket: known to staff, but not verified.
    assert customer["identities"] == [
        {"channel": "telegram", "external_id": "5", "name": "Kim", "verified": False}
    ]
    everyone_core = [{"tier": "core", "position": 1, "minimums": {}}]
    assert (
        api.put(
            "/api/v1/customers/tier-rules", json=everyone_core, headers=headers_for(Role.SUPERVISOR)
        ).status_code
        == 403
    )
    saved = api.put("/api/v1/customers/tier-rules", json=everyone_core, headers=admin)
    assert saved.status_code == 200 and saved.json() == everyone_core
    assert api.get("/api/v1/customers/kim@example.com", headers=admin).json()["tier"] == "core"
    bad = api.put(
        "/api/v1/customers/tier-rules",
        headers=admin,
        json=[{"tier": "core", "minimums": {"shoe_size": 40}}],
    )
    assert bad.status_code == 422 and "shoe_size" in bad.json()["detail"]
    assert api.get("/api/v1/customers/nobody@example.com", headers=admin).status_code == 404
