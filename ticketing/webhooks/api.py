from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Response
from sqlalchemy import select

from deskmate.auth.principal import Principal
from deskmate.deps import SessionDep, require_permission
from deskmate.pagination import Page, PageNumber, PerPage
from ticketing import named
from ticketing.listing import page_of, sort_order
from ticketing.webhooks.models import DeliveryStatus, WebhookDelivery, WebhookSubscription
from ticketing.webhooks.schemas import DeliveryRead, SubscriptionIn, SubscriptionRead

router = APIRouter(prefix="/api/v1/webhooks", tags=["webhooks"])

CanAdmin = Annotated[Principal, Depends(require_permission("tickets.config.admin"))]


def _read(s: WebhookSubscription) -> SubscriptionRead:
    return SubscriptionRead(name=s.name, url=s.url, event_kinds=s.event_kinds, active=s.active)


SubscriptionSort = Literal["name", "-name", "updated_at", "-updated_at"]
DeliverySort = Literal["created_at", "-created_at", "next_attempt_at", "-next_attempt_at"]


@router.get("", response_model=Page[SubscriptionRead])
def list_subscriptions(
    session: SessionDep,
    _token: CanAdmin,
    active: bool | None = None,
    sort: SubscriptionSort = "name",
    page: PageNumber = 1,
    per_page: PerPage = 20,
) -> Page[SubscriptionRead]:
    query = select(WebhookSubscription)
    if active is not None:
        query = query.where(WebhookSubscription.active.is_(active))
    columns = {"name": WebhookSubscription.name, "updated_at": WebhookSubscription.updated_at}
    return page_of(
        session,
        query,
        page=page,
        per_page=per_page,
        order_by=sort_order(sort, columns, WebhookSubscription.name),
        read=_read,
    )


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


@router.get("/{name}/deliveries", response_model=Page[DeliveryRead])
def list_deliveries(
    name: str,
    session: SessionDep,
    _token: CanAdmin,
    status: DeliveryStatus | None = None,
    kind: Annotated[str | None, Query(max_length=50, description="event kind")] = None,
    sort: DeliverySort = "-created_at",
    page: PageNumber = 1,
    per_page: PerPage = 20,
) -> Page[DeliveryRead]:
    subscription = named.by_name_or_raise(
        session, WebhookSubscription, name, "webhook subscription"
    )
    query = select(WebhookDelivery).where(WebhookDelivery.subscription_id == subscription.id)
    if status is not None:
        query = query.where(WebhookDelivery.status == status)
    if kind is not None:
        query = query.where(WebhookDelivery.kind == kind)
    columns = {
        "created_at": WebhookDelivery.created_at,
        "next_attempt_at": WebhookDelivery.next_attempt_at,
    }
    return page_of(
        session,
        query,
        page=page,
        per_page=per_page,
        order_by=sort_order(sort, columns, WebhookDelivery.id),
        read=_delivery,
    )


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
