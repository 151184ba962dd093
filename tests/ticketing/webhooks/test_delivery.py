"""Outgoing webhooks against a real HTTP server on loopback."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from deskmate.auth.models import Role
from ticketing.webhooks.models import DeliveryStatus, WebhookDelivery
from ticketing.webhooks.service import verify
from ticketing.webhooks.tasks import deliver_due

SECRET = "s3cret-s3cret-s3cret"


class Receiver:
    """Records what arrives; answers with the next queued status (then 200)."""

    def __init__(self) -> None:
        self.requests: list[tuple[dict[str, str], bytes]] = []
        self.statuses: list[int] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.requests.append(({k.lower(): v for k, v in self.headers.items()}, body))
                self.send_response(receiver.statuses.pop(0) if receiver.statuses else 200)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver()
    thread = threading.Thread(target=r.server.serve_forever, daemon=True)
    thread.start()
    yield r
    r.server.shutdown()
    r.server.server_close()


def test_events_are_delivered_signed_and_retried_with_the_same_delivery_id(
    api: TestClient,
    headers_for: Callable[[Role], dict[str, str]],
    session_factory: sessionmaker[Session],
    receiver: Receiver,
) -> None:
    admin = headers_for(Role.ADMIN)
    subscription = {
        "name": "slack",
        "url": receiver.url,
        "secret": SECRET,
        "event_kinds": ["created", "sla.*"],
    }
    assert api.put("/api/v1/webhooks/slack", json=subscription, headers=admin).status_code == 201
    assert "secret" not in api.get("/api/v1/webhooks", headers=admin).json()["items"][0]
    short = api.put(
        "/api/v1/webhooks/x", json=subscription | {"name": "x", "secret": "short"}, headers=admin
    )
    assert short.status_code == 422
    created = api.post(
        "/api/v1/tickets", json={"description": "Hub dead"}, headers=headers_for(Role.INTEGRATION)
    ).json()

    with session_factory() as session:
        (delivery,) = session.scalars(select(WebhookDelivery)).all()  # "routed" is not wanted
        assert delivery.kind == "created" and delivery.status == DeliveryStatus.PENDING
        first_due = delivery.next_attempt_at

    receiver.statuses = [500]
    result = deliver_due(session_factory, now=first_due, clock=lambda: 1_700_000_000)
    assert (result.delivered, result.failed_attempts) == (0, 1)
    with session_factory() as session:
        delivery = session.scalars(select(WebhookDelivery)).one()
        assert delivery.attempts == 1 and delivery.last_error == "HTTP 500"
        assert delivery.next_attempt_at == first_due + timedelta(seconds=10)
    # Not due yet: nothing is sent.
    assert deliver_due(session_factory, now=first_due + timedelta(seconds=5)).delivered == 0
    result = deliver_due(
        session_factory, now=first_due + timedelta(seconds=11), clock=lambda: 1_700_000_011
    )
    assert result.delivered == 1
    with session_factory() as session:
        delivery = session.scalars(select(WebhookDelivery)).one()
        assert delivery.status == DeliveryStatus.DELIVERED and delivery.attempts == 2

    assert len(receiver.requests) == 2
    ids = {headers["x-deskmate-delivery"] for headers, _ in receiver.requests}
    assert ids == {str(delivery.id)}
    headers, body = receiver.requests[1]
    assert verify(SECRET, headers["x-deskmate-signature"], body, now=1_700_000_011)
    assert not verify(
        "wrong-secret-wrong", headers["x-deskmate-signature"], body, now=1_700_000_011
    )
    assert not verify(SECRET, headers["x-deskmate-signature"], body + b" ", now=1_700_000_011)
    assert not verify(SECRET, headers["x-deskmate-signature"], body, now=1_700_000_011 + 3600)
    payload = json.loads(body)
    assert payload["delivery_id"] == str(delivery.id) and payload["kind"] == "created"
    assert payload["ticket"]["reference"] == created["reference"]
    listed = api.get("/api/v1/webhooks/slack/deliveries?kind=created", headers=admin).json()
    assert listed["total"] == 1
    assert listed["items"][0]["status"] == "delivered" and listed["items"][0]["attempts"] == 2


def test_unreachable_receivers_back_off_then_give_up(
    api: TestClient,
    headers_for: Callable[[Role], dict[str, str]],
    session_factory: sessionmaker[Session],
) -> None:
    closed = "http://127.0.0.1:9/hook"  # discard port: nothing listens on loopback
    api.put(
        "/api/v1/webhooks/down",
        json={"name": "down", "url": closed, "secret": SECRET},
        headers=headers_for(Role.ADMIN),
    )
    api.post("/api/v1/tickets", json={"description": "x"}, headers=headers_for(Role.INTEGRATION))
    with session_factory() as session:
        deliveries = session.scalars(select(WebhookDelivery)).all()
        assert {d.kind for d in deliveries} == {"created", "routed"}
        moment = max(d.next_attempt_at for d in deliveries)
    gaps = []
    for _ in range(8):
        deliver_due(session_factory, now=moment)
        with session_factory() as session:
            d = session.scalars(
                select(WebhookDelivery).where(WebhookDelivery.kind == "created")
            ).one()
            gaps.append((d.next_attempt_at - moment).total_seconds())
            moment = d.next_attempt_at
    assert gaps[:4] == [10, 20, 40, 80]
    assert d.status == DeliveryStatus.FAILED and d.attempts == 8
    assert "ConnectError" in (d.last_error or "")
