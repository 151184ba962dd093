from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response
from sqlalchemy import select

from deskmate.auth.principal import Principal
from deskmate.deps import SessionDep, require_permission
from ticketing import named
from ticketing.webhooks.models import WebhookDelivery, WebhookSubscription
from ticketing.webhooks.schemas import DeliveryRead, SubscriptionIn, SubscriptionRead

router = APIRouter(prefix="/api/v1/webhooks", tags=["webhooks"])

CanAdmin = Annotated[Principal, Depends(require_permission("tickets.config.admin"))]


def _read(s: WebhookSubscription) -> SubscriptionRead:
    return SubscriptionRead(name=s.name, url=s.url, event_kinds=s.event_kinds, active=s.active)


@router.get("", response_model=list[SubscriptionRead])
def list_subscriptions(session: SessionDep, _token: CanAdmin) -> list[SubscriptionRead]:
    return [_read(s) for s in session.scalars(select(WebhookSubscription))]


@router.put("/{name}", response_model=SubscriptionRead)
def put_subscription(
    name: str, data: SubscriptionIn, session: SessionDep, _token: CanAdmin, response: Response
) -> SubscriptionRead:
    found = named.for_put(
        session, WebhookSubscription, name=name, body_name=data.name, response=response
    )
    found.url, found.secret, found.event_kinds, found.active = (
        data.url,
        data.secret,
        data.event_kinds,
        data.active,
    )
    session.commit()
    return _read(found)


@router.get("/{name}/deliveries", response_model=list[DeliveryRead])
def list_deliveries(
    name: str,
    session: SessionDep,
    _token: CanAdmin,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> list[DeliveryRead]:
    subscription = named.by_name_or_raise(
        session, WebhookSubscription, name, "webhook subscription"
    )
    rows = session.scalars(
        select(WebhookDelivery)
        .where(WebhookDelivery.subscription_id == subscription.id)
        .order_by(WebhookDelivery.created_at.desc())
        .limit(limit)
    )
    return [_delivery(r) for r in rows]


def _delivery(row: WebhookDelivery) -> DeliveryRead:
    return DeliveryRead(
        id=str(row.id),
        kind=row.kind,
        status=row.status,
        attempts=row.attempts,
        next_attempt_at=row.next_attempt_at,
        delivered_at=row.delivered_at,
        last_error=row.last_error,
    )
