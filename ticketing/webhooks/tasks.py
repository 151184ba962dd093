"""Delivering the webhook outbox: due deliveries are claimed (SKIP LOCKED on PostgreSQL), sent
signed, and marked delivered or rescheduled with exponential backoff."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

import httpx
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload, sessionmaker

from deskmate.db import utcnow
from ticketing.webhooks.models import DeliveryStatus, WebhookDelivery
from ticketing.webhooks.service import DELIVERY_HEADER, SIGNATURE_HEADER, body_of, mark_result, sign

logger = logging.getLogger(__name__)

TIMEOUT = httpx.Timeout(5.0)


@dataclass
class DeliveryResult:
    delivered: int = 0
    failed_attempts: int = 0
    given_up: int = 0


def send(client: httpx.Client, delivery: WebhookDelivery, *, timestamp: int) -> str | None:
    """POST one delivery; returns None on a 2xx answer, else what went wrong."""
    body = body_of(delivery)
    headers = {
        "Content-Type": "application/json",
        DELIVERY_HEADER: str(delivery.id),
        "X-Deskmate-Event": delivery.kind,
        SIGNATURE_HEADER: sign(delivery.subscription.secret, timestamp, body),
    }
    try:
        response = client.post(delivery.subscription.url, content=body, headers=headers)
    except httpx.HTTPError as exc:
        return f"{type(exc).__name__}: {exc}"
    if 200 <= response.status_code < 300:
        return None
    return f"HTTP {response.status_code}"


def deliver_due(
    session_factory: sessionmaker[Session],
    *,
    now: datetime | None = None,
    batch_size: int = 50,
    client: httpx.Client | None = None,
    clock: Callable[[], float] = time.time,
) -> DeliveryResult:
    result = DeliveryResult()
    owned = client is None
    http = client or httpx.Client(timeout=TIMEOUT)
    try:
        while True:
            with session_factory() as session:
                moment = now or utcnow()
                query = (
                    select(WebhookDelivery)
                    .where(
                        WebhookDelivery.status == DeliveryStatus.PENDING,
                        WebhookDelivery.next_attempt_at <= moment,
                    )
                    .order_by(WebhookDelivery.next_attempt_at)
                    .limit(batch_size)
                    .options(selectinload(WebhookDelivery.subscription))
                )
                if session.get_bind().dialect.name == "postgresql":
                    query = query.with_for_update(skip_locked=True, of=WebhookDelivery)
                due = list(session.scalars(query))
                for delivery in due:
                    error = send(http, delivery, timestamp=int(clock()))
                    mark_result(delivery, now=moment, error=error)
                    if error is None:
                        result.delivered += 1
                    else:
                        result.failed_attempts += 1
                        result.given_up += delivery.status == DeliveryStatus.FAILED
                        logger.warning(
                            "webhook %s to %s failed: %s",
                            delivery.id,
                            delivery.subscription.url,
                            error,
                        )
                session.commit()
            if len(due) < batch_size:
                return result
    finally:
        if owned:
            http.close()
