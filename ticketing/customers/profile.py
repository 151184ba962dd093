"""A customer's profile as the channels and staff see it: who is behind a channel identity
(with their open tickets, for the assistant's greeting) and profile updates by staff."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from deskmate.db import utcnow
from deskmate.errors import NotFound
from ticketing.customers.models import ChannelIdentity, Customer, CustomerTier
from ticketing.customers.schemas import CustomerUpdate, IdentityProfile, OpenTicket
from ticketing.models import ACTIVE_CATEGORIES, Ticket

OPEN_TICKETS_SHOWN = 5


def get_customer_by_email(session: Session, email: str) -> Customer | None:
    return session.scalar(select(Customer).where(Customer.email == email.strip().lower()))


def get_customer_by_email_or_raise(session: Session, email: str) -> Customer:
    customer = get_customer_by_email(session, email)
    if customer is None:
        raise NotFound(f"No customer with email {email[:80]!r}.")
    return customer


def profile_for_identity(session: Session, *, channel: str, external_id: str) -> IdentityProfile:
    """The customer behind a channel identity, with their latest open tickets.

    Raises NotFound for an identity no customer is linked to (the assistant then greets a
    stranger). Open means a status in the open or waiting category. An identity whose link is
    not verified (made from an email someone typed) learns nothing of the customer: no name,
    no tickets, the general tier, and ``verified`` false.
    """
    identity = session.scalar(
        select(ChannelIdentity).where(
            ChannelIdentity.channel == channel, ChannelIdentity.external_id == external_id
        )
    )
    if identity is None:
        raise NotFound("No customer is linked to this channel identity.")
    customer = identity.customer
    if not identity.verified:
        return IdentityProfile(
            verified=False,
            name=None,
            language=customer.language,
            tier=CustomerTier.GENERAL,
            open_tickets=[],
        )
    tickets = session.scalars(
        select(Ticket)
        .where(Ticket.customer_id == customer.id, Ticket.status_category.in_(ACTIVE_CATEGORIES))
        .order_by(Ticket.created_at.desc())
        .limit(OPEN_TICKETS_SHOWN)
    )
    return IdentityProfile(
        verified=True,
        name=customer.name or identity.name,
        language=customer.language,
        tier=customer.tier,
        open_tickets=[
            OpenTicket(reference=t.reference, status=t.status, type=t.type, product=t.product)
            for t in tickets
        ],
    )


def update_customer(session: Session, *, customer: Customer, data: CustomerUpdate) -> Customer:
    """Applies the fields given; consent flags are merged and their change time recorded.

    The audit log records the change (who, before, after) from the flush, like any other.
    """
    changes = data.model_dump(exclude_unset=True)
    consent = changes.pop("consent", None)
    for field, value in changes.items():
        setattr(customer, field, value)
    if consent is not None:
        merged = {**(customer.consent or {}), **consent}
        if merged != customer.consent:
            customer.consent = merged
            customer.consent_updated_at = utcnow()
    session.flush()
    return customer
