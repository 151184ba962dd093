"""Outgoing webhooks: outbox rows per event and subscription, signed, retried with backoff."""

from __future__ import annotations

import hashlib
import hmac
import json
import uuid
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import event, select
from sqlalchemy.orm import Session

from ticketing.models import Ticket, TicketEvent
from ticketing.webhooks.models import DeliveryStatus, WebhookDelivery, WebhookSubscription

MAX_ATTEMPTS = 8
BASE_BACKOFF_SECONDS = 10.0
SIGNATURE_HEADER = "X-Deskmate-Signature"
DELIVERY_HEADER = "X-Deskmate-Delivery"


def event_payload(event: TicketEvent, ticket: Ticket) -> dict[str, Any]:
    return {
        "event_id": str(event.id) if event.id else None,
        "kind": event.kind,
        "actor": event.actor,
        "data": event.data,
        "created_at": event.created_at.isoformat() if event.created_at else None,
        "ticket": {
            "reference": ticket.reference,
            "type": ticket.type,
            "status": ticket.status,
            "status_category": ticket.status_category,
            "priority": ticket.priority,
        },
    }


def _wants(subscription: WebhookSubscription, kind: str) -> bool:
    kinds = subscription.event_kinds
    return (
        not kinds
        or kind in kinds
        or any(k.endswith(".*") and kind.startswith(k[:-1]) for k in kinds)
    )


_ACTIVE_KEY = "webhooks.active_subscriptions"


def _active_subscriptions(session: Session) -> list[WebhookSubscription]:
    """Read once per transaction (creating a ticket records two events). The list is dropped
    when the transaction ends or a flush writes a subscription, and not used while a
    subscription change is pending in the session."""
    pending = any(
        isinstance(o, WebhookSubscription) for o in (*session.new, *session.dirty, *session.deleted)
    )
    known: list[WebhookSubscription] | None = None if pending else session.info.get(_ACTIVE_KEY)
    if known is None:
        # No autoflush here: the caller flushes its change (and handles its conflicts) itself.
        with session.no_autoflush:
            known = list(
                session.scalars(
                    select(WebhookSubscription).where(WebhookSubscription.active.is_(True))
                )
            )
        if not pending:
            session.info[_ACTIVE_KEY] = known
    return known


def _forget_subscriptions(session: Session, *_args: object) -> None:
    session.info.pop(_ACTIVE_KEY, None)


event.listen(Session, "after_commit", _forget_subscriptions)
event.listen(Session, "after_soft_rollback", _forget_subscriptions)


@event.listens_for(Session, "after_flush")
def _subscription_written(session: Session, _context: object) -> None:
    if any(
        isinstance(o, WebhookSubscription) for o in (*session.new, *session.dirty, *session.deleted)
    ):
        session.info.pop(_ACTIVE_KEY, None)


def enqueue(session: Session, *, event: TicketEvent, ticket: Ticket) -> list[WebhookDelivery]:
    """Write one pending delivery per active subscription that wants this kind of event."""
    subscriptions = _active_subscriptions(session)
    if not subscriptions:
        return []
    if event.id is None:
        event.id = uuid.uuid4()
    payload = event_payload(event, ticket)
    deliveries = [
        WebhookDelivery(
            id=uuid.uuid4(),
            subscription_id=s.id,
            event=event,
            kind=event.kind,
            payload=payload,
            status=DeliveryStatus.PENDING,
            attempts=0,
            next_attempt_at=event.created_at,
        )
        for s in subscriptions
        if _wants(s, event.kind)
    ]
    session.add_all(deliveries)
    return deliveries


def body_of(delivery: WebhookDelivery) -> bytes:
    payload = {"delivery_id": str(delivery.id), **delivery.payload}
    return json.dumps(payload, sort_keys=True, separators=(",", ":")).encode()


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """``t=<ts>,v1=<hex HMAC-SHA256(secret, "<ts>.<body>")>``, the value of the signature header."""
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={mac}"


def verify(secret: str, header: str, body: bytes, *, now: int, tolerance: int = 300) -> bool:
    """What a receiver does: recompute the signature and refuse stale timestamps."""
    parts = dict(p.split("=", 1) for p in header.split(",") if "=" in p)
    try:
        timestamp = int(parts["t"])
    except (KeyError, ValueError):
        return False
    if abs(now - timestamp) > tolerance:
        return False
    return hmac.compare_digest(sign(secret, timestamp, body), header)


def backoff(attempts: int) -> timedelta:
    """Exponential: 10 s, 20 s, 40 s, ... after the 1st, 2nd, 3rd failed attempt."""
    return timedelta(seconds=BASE_BACKOFF_SECONDS * 2 ** max(attempts - 1, 0))


def mark_result(delivery: WebhookDelivery, *, now: datetime, error: str | None) -> None:
    delivery.attempts += 1
    if error is None:
        delivery.status = DeliveryStatus.DELIVERED
        delivery.delivered_at = now
        delivery.last_error = None
        return
    delivery.last_error = error[:2000]
    if delivery.attempts >= MAX_ATTEMPTS:
        delivery.status = DeliveryStatus.FAILED
    else:
        delivery.next_attempt_at = now + backoff(delivery.attempts)
