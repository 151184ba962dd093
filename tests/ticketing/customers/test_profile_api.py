"""The customer profile API: who is behind a channel identity, and profile updates by staff."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from bot.identify import sign
from deskmate.auth.models import Role
from tests.apps import WIDGET_SECRET as SECRET
from ticketing.customers.models import Customer, CustomerTier

Headers = Callable[[Role], dict[str, str]]
BY_IDENTITY = "/api/v1/customers/by-identity"


def open_ticket(api: TestClient, headers: dict[str, str], **extra: Any) -> dict[str, Any]:
    body = {"description": "The hub reboots every hour", "email": "mei@example.com", **extra}
    response = api.post("/api/v1/tickets", headers=headers, json=body)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


def test_an_identity_linked_by_a_typed_email_reveals_nothing_until_signed(
    signed_app: TestClient, headers_for: Headers
) -> None:
    api = signed_app
    bot = headers_for(Role.INTEGRATION)
    params = {"channel": "web", "external_id": "visitor-1"}
    assert api.get(BY_IDENTITY, params=params, headers=bot).status_code == 404
    first = open_ticket(
        api, bot, channel_identity={"channel": "web", "external_id": "visitor-1", "name": "Mei"}
    )
    second = open_ticket(api, bot, type="request")
    # The visitor typed an email: the ticket is the customer's, but the link proves nothing.
    found = api.get(BY_IDENTITY, params=params, headers=bot)
    assert found.status_code == 200, found.text
    assert found.json() == {
        "verified": False,
        "name": None,
        "language": "en",
        "tier": "general",
        "open_tickets": [],
    }
    staff = api.get("/api/v1/customers/mei@example.com", headers=headers_for(Role.AGENT)).json()
    assert staff["identities"] == [
        {"channel": "web", "external_id": "visitor-1", "name": "Mei", "verified": False}
    ]

    # The site the chat is embedded in vouches for its signed-in customer: now verified.
    identified = api.post(
        "/api/v1/chat/identify",
        json={
            "conversation_id": "visitor-1",
            "identity": {"email": "Mei@Example.com", "signature": sign(SECRET, "mei@example.com")},
        },
    )
    assert identified.status_code == 200, identified.text
    body = api.get(BY_IDENTITY, params=params, headers=bot).json()
    assert body["verified"] is True
    assert body["name"] == "Mei" and body["tier"] == "general" and body["language"] == "en"
    # Both tickets belong to the customer (the second was linked by email only); newest first.
    assert [t["reference"] for t in body["open_tickets"]] == [
        second["reference"],
        first["reference"],
    ]
    # Another channel's identity with the same external id is somebody else.
    other = api.get(
        BY_IDENTITY, params={"channel": "telegram", "external_id": "visitor-1"}, headers=bot
    )
    assert other.status_code == 404


def test_a_typed_email_does_not_raise_priority_a_verified_identity_does(
    signed_app: TestClient, headers_for: Headers, session_factory: sessionmaker[Session]
) -> None:
    with session_factory() as session, session.begin():
        session.add(Customer(name="Kim", email="kim@example.com", tier=CustomerTier.CORE))
    bot = headers_for(Role.INTEGRATION)
    typed = open_ticket(
        signed_app,
        bot,
        email="kim@example.com",
        channel_identity={"channel": "web", "external_id": "visitor-2"},
    )
    assert (typed["customer_tier"], typed["priority"]) == ("core", "normal")
    signed_app.post(
        "/api/v1/chat/identify",
        json={
            "conversation_id": "visitor-2",
            "identity": {"email": "kim@example.com", "signature": sign(SECRET, "kim@example.com")},
        },
    ).raise_for_status()
    proven = open_ticket(
        signed_app,
        bot,
        email="kim@example.com",
        channel_identity={"channel": "web", "external_id": "visitor-2"},
    )
    assert (proven["customer_tier"], proven["priority"]) == ("core", "high")
    # Staff (no channel identity) keep the customer's tier, as before.
    by_staff = open_ticket(signed_app, headers_for(Role.AGENT), email="kim@example.com")
    assert by_staff["priority"] == "high"


def test_staff_link_a_telegram_identity_as_verified(api: TestClient, headers_for: Headers) -> None:
    bot, agent = headers_for(Role.INTEGRATION), headers_for(Role.AGENT)
    telegram = {"channel": "telegram", "external_id": "777", "name": "Mei"}
    ticket = open_ticket(api, bot, channel_identity=telegram)  # typed email: unverified
    params = {"channel": "telegram", "external_id": "777"}
    assert api.get(BY_IDENTITY, params=params, headers=bot).json()["verified"] is False

    url = "/api/v1/customers/mei@example.com/identities"
    for role in (Role.INTEGRATION, Role.EXPERT, Role.KNOWLEDGE_MANAGER):
        assert api.put(url, headers=headers_for(role), json=telegram).status_code == 403, role
    assert api.get(BY_IDENTITY, params=params, headers=bot).json()["verified"] is False
    bad = api.put(url, headers=agent, json={"channel": "fax", "external_id": "777"})
    assert bad.status_code == 422
    missing = api.put(
        "/api/v1/customers/nobody@example.com/identities", headers=agent, json=telegram
    )
    assert missing.status_code == 404

    linked = api.put(url, headers=agent, json=telegram)
    assert linked.status_code == 200, linked.text
    assert linked.json()["identities"] == [{**telegram, "verified": True}]
    body = api.get(BY_IDENTITY, params=params, headers=bot).json()
    assert body["verified"] is True and body["name"] == "Mei"
    assert [t["reference"] for t in body["open_tickets"]] == [ticket["reference"]]


def test_by_identity_rejects_bad_input(api: TestClient, headers_for: Headers) -> None:
    bot = headers_for(Role.INTEGRATION)
    assert api.get(BY_IDENTITY, params={"channel": "web"}, headers=bot).status_code == 422
    bad_channel = api.get(BY_IDENTITY, params={"channel": "fax", "external_id": "1"}, headers=bot)
    assert bad_channel.status_code == 422
    too_long = api.get(
        BY_IDENTITY, params={"channel": "web", "external_id": "x" * 201}, headers=bot
    )
    assert too_long.status_code == 422
    assert api.get(BY_IDENTITY, params={"channel": "web", "external_id": "1"}).status_code == 401
    expert = api.get(
        BY_IDENTITY, params={"channel": "web", "external_id": "1"}, headers=headers_for(Role.EXPERT)
    )
    assert expert.status_code == 403


def test_staff_update_a_profile_and_consent_changes_are_timed_and_audited(
    api: TestClient, headers_for: Headers
) -> None:
    open_ticket(api, headers_for(Role.INTEGRATION))
    agent = headers_for(Role.AGENT)
    url = "/api/v1/customers/MEI@example.com"
    before = api.get(url, headers=agent).json()
    assert before["consent"] == {} and before["consent_updated_at"] is None
    changed = api.patch(url, headers=agent, json={"name": "Mei Lin", "region": "APAC"})
    assert changed.status_code == 200, changed.text
    body = changed.json()
    assert (body["name"], body["region"], body["language"]) == ("Mei Lin", "APAC", "en")
    assert body["consent_updated_at"] is None  # no consent change, no consent time
    consented = api.patch(url, headers=agent, json={"consent": {"marketing": True}}).json()
    assert consented["consent"] == {"marketing": True}
    assert consented["consent_updated_at"] is not None
    merged = api.patch(url, headers=agent, json={"consent": {"surveys": False}}).json()
    assert merged["consent"] == {"marketing": True, "surveys": False}
    assert merged["name"] == "Mei Lin"  # fields not sent are kept
    log = api.get(
        "/api/v1/audit", params={"entity_type": "customers"}, headers=headers_for(Role.ADMIN)
    )
    assert log.status_code == 200, log.text
    entries = log.json()["items"]
    consents = [e for e in entries if (e.get("after") or {}).get("consent") is not None]
    assert any(e["after"]["consent"] == {"marketing": True} for e in consents)
    assert all("Mei Lin" not in str(e) for e in entries)  # the name is personal: never audited


def test_profile_update_rejects_bad_input_and_keeps_the_profile(
    api: TestClient, headers_for: Headers
) -> None:
    open_ticket(api, headers_for(Role.INTEGRATION))
    agent = headers_for(Role.AGENT)
    url = "/api/v1/customers/mei@example.com"
    for bad in (
        {"language": "fr"},
        {"name": ""},
        {"consent": {"marketing": "maybe"}},
        {"tier": "core"},  # the tier comes from the rules, never set by hand
        {"region": "x" * 101},
    ):
        response = api.patch(url, headers=agent, json=bad)
        assert response.status_code == 422, (bad, response.text)
    after = api.get(url, headers=agent).json()
    assert (after["language"], after["tier"], after["consent"]) == ("en", "general", {})
    missing = api.patch("/api/v1/customers/nobody@example.com", headers=agent, json={"name": "X"})
    assert missing.status_code == 404
    for role in (Role.EXPERT, Role.KNOWLEDGE_MANAGER, Role.INTEGRATION):
        refused = api.patch(url, headers=headers_for(role), json={"name": "X"})
        assert refused.status_code == 403, role
