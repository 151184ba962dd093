"""Signed web chat identities: only the embedding site's signature makes a visitor verified."""

from __future__ import annotations

import hashlib
import hmac
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.identify import sign, signature_valid
from knowledge.embedding import Embedder
from tests.apps import WIDGET_SECRET as SECRET
from tests.apps import client_for, make_app
from ticketing.customers.models import ChannelIdentity, Customer

IDENTIFY = "/api/v1/chat/identify"


@pytest.fixture
def unsigned(
    data_dir: Path, session_factory: sessionmaker[Session], embedder: Embedder
) -> TestClient:
    return client_for(
        make_app(data_dir=data_dir, session_factory=session_factory, embedder=embedder)
    )


def identities(factory: sessionmaker[Session]) -> list[tuple[str, str, str | None, bool]]:
    with factory() as session:
        rows = session.scalars(select(ChannelIdentity).order_by(ChannelIdentity.external_id))
        return [(r.channel, r.external_id, r.customer.email, r.verified) for r in rows]


def body(conversation: str, email: str, signature: str) -> dict[str, object]:
    return {"conversation_id": conversation, "identity": {"email": email, "signature": signature}}


def test_the_signature_is_hmac_sha256_of_the_normalised_email() -> None:
    expected = hmac.new(SECRET.encode(), b"mei@example.com", hashlib.sha256).hexdigest()
    assert sign(SECRET, " Mei@Example.COM ") == expected
    assert signature_valid(SECRET, "mei@example.com", expected.upper())
    assert not signature_valid(SECRET, "kim@example.com", expected)
    assert not signature_valid("another-secret", "mei@example.com", expected)
    assert not signature_valid(None, "mei@example.com", expected)
    assert not signature_valid("", "mei@example.com", sign("", "mei@example.com"))


def test_a_signed_identity_links_the_visitor_as_verified(
    signed_app: TestClient, session_factory: sessionmaker[Session]
) -> None:
    response = signed_app.post(
        IDENTIFY, json=body("visitor-9", "Mei@example.com", sign(SECRET, "mei@example.com"))
    )
    assert response.status_code == 200, response.text
    assert response.json() == {"conversation_id": "visitor-9", "verified": True}
    assert identities(session_factory) == [("web", "visitor-9", "mei@example.com", True)]
    with session_factory() as session:
        identity = session.scalar(select(ChannelIdentity))
        assert identity is not None and identity.verified_at is not None


def test_a_signed_identity_replaces_a_typed_link_to_someone_else(
    signed_app: TestClient, session_factory: sessionmaker[Session]
) -> None:
    with session_factory() as session, session.begin():
        victim = Customer(email="victim@example.com", name="Victim")
        session.add(victim)
        session.flush()
        session.add(ChannelIdentity(customer_id=victim.id, channel="web", external_id="v-1"))
    response = signed_app.post(
        IDENTIFY, json=body("v-1", "ann@example.com", sign(SECRET, "ann@example.com"))
    )
    assert response.status_code == 200, response.text
    assert identities(session_factory) == [("web", "v-1", "ann@example.com", True)]


def test_a_forged_signature_is_refused_and_nothing_is_linked(
    signed_app: TestClient, session_factory: sessionmaker[Session]
) -> None:
    forged = sign("guessed-secret", "mei@example.com")
    response = signed_app.post(IDENTIFY, json=body("visitor-9", "mei@example.com", forged))
    assert response.status_code == 403
    assert response.json()["error"] == "identity_refused"
    assert "signature does not match" in response.json()["detail"]
    # A valid signature of another email does not vouch for this one.
    swapped = sign(SECRET, "kim@example.com")
    assert (
        signed_app.post(IDENTIFY, json=body("visitor-9", "mei@example.com", swapped)).status_code
        == 403
    )
    assert identities(session_factory) == []
    with session_factory() as session:
        assert session.scalars(select(Customer)).all() == []


def test_without_a_secret_no_identity_is_accepted(
    unsigned: TestClient, session_factory: sessionmaker[Session]
) -> None:
    response = unsigned.post(
        IDENTIFY, json=body("visitor-9", "mei@example.com", sign("", "mei@example.com"))
    )
    assert response.status_code == 403
    assert "DESKMATE_WIDGET_IDENTITY_SECRET" in response.json()["detail"]
    assert identities(session_factory) == []


@pytest.mark.parametrize(
    "bad",
    [
        {"conversation_id": "visitor-9"},
        body("visitor 9", "mei@example.com", "a" * 64),
        body("visitor-9", "not-an-email", "a" * 64),
        body("visitor-9", "mei@example.com", "a" * 63),
        body("visitor-9", "mei@example.com", "z" * 64),
        {**body("visitor-9", "mei@example.com", "a" * 64), "verified": True},
    ],
)
def test_bad_input_is_rejected_and_nothing_is_linked(
    signed_app: TestClient, session_factory: sessionmaker[Session], bad: dict[str, object]
) -> None:
    assert signed_app.post(IDENTIFY, json=bad).status_code == 422
    assert identities(session_factory) == []
