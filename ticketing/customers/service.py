"""Customers: finding (or creating) the customer behind a channel identity, and classing them."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from deskmate.db import utcnow
from ticketing.customers.models import ChannelIdentity, Customer, CustomerTier, TierRule
from ticketing.customers.schemas import ChannelIdentityIn

METRICS = ("lifetime_value", "loyalty_months", "potential_score")


def tier_for(customer: Customer, rules: list[TierRule]) -> tuple[CustomerTier, str]:
    """The first rule (by position) whose minimums the customer reaches; else general."""
    for rule in sorted(rules, key=lambda r: (r.position, r.tier)):
        unknown = set(rule.minimums) - set(METRICS)
        if unknown:
            continue  # a rule naming a metric we do not have never matches
        if all(float(getattr(customer, m)) >= v for m, v in rule.minimums.items()):
            shown = ", ".join(f"{m} >= {v:g}" for m, v in sorted(rule.minimums.items()))
            return rule.tier, f"{rule.tier}: {shown or 'no minimums'}"
    return CustomerTier.GENERAL, "general: no tier rule matched"


def recompute_tier(session: Session, *, customer: Customer) -> CustomerTier:
    rules = list(session.scalars(select(TierRule)))
    customer.tier, _ = tier_for(customer, rules)
    return customer.tier


def _get_or_create(session: Session, make: Customer, lookup: Select[Any]) -> Customer:
    found: Customer | None = session.scalar(lookup)
    if found is not None:
        return found
    try:
        with session.begin_nested():
            session.add(make)
        return make
    except IntegrityError:
        # Someone created the same customer at the same moment: use theirs.
        found = session.scalar(lookup)
        assert found is not None
        return found


def resolve_customer(
    session: Session,
    *,
    identity: ChannelIdentityIn | None,
    email: str | None,
    language: str,
) -> Customer | None:
    """The customer a ticket belongs to: by channel identity (created if new), else by email."""
    customer: Customer | None = None
    if email:
        customer = session.scalar(select(Customer).where(Customer.email == email))
    if identity is None:
        if customer is None and email:
            customer = _get_or_create(
                session,
                Customer(email=email, language=language),
                select(Customer).where(Customer.email == email),
            )
        return customer
    lookup = select(ChannelIdentity).where(
        ChannelIdentity.channel == identity.channel,
        ChannelIdentity.external_id == identity.external_id,
    )
    linked = session.scalar(lookup)
    if linked is not None:
        return linked.customer
    if customer is None:
        customer = Customer(name=identity.name, email=email, language=language)
        session.add(customer)
        session.flush()
    try:
        with session.begin_nested():
            session.add(
                ChannelIdentity(
                    customer_id=customer.id,
                    channel=identity.channel,
                    external_id=identity.external_id,
                    name=identity.name,
                )
            )
    except IntegrityError:
        linked = session.scalar(lookup)
        assert linked is not None
        return linked.customer
    return customer


def identity_verified(session: Session, identity: ChannelIdentityIn | None) -> bool:
    """Whether this channel identity is linked to its customer by proof (not a typed email)."""
    if identity is None:
        return False
    found = session.scalar(
        select(ChannelIdentity).where(
            ChannelIdentity.channel == identity.channel,
            ChannelIdentity.external_id == identity.external_id,
        )
    )
    return found is not None and found.verified


def trusted_tier(
    session: Session, *, customer: Customer | None, identity: ChannelIdentityIn | None
) -> CustomerTier:
    """The tier a new ticket may use. A ticket that comes with a channel identity gets the
    customer's tier only when that identity is verified: otherwise anyone typing a core
    customer's email into the chat's form would have their ticket raised. A ticket without a
    channel identity (staff, the email channel) keeps the customer's tier."""
    if customer is None:
        return CustomerTier.GENERAL
    if identity is not None and not identity_verified(session, identity):
        return CustomerTier.GENERAL
    return customer.tier


def link_verified_identity(
    session: Session,
    *,
    channel: str,
    external_id: str,
    email: str,
    language: str = "en",
    name: str | None = None,
) -> Customer:
    """Links a channel identity to the customer with this email, as verified (the caller has
    checked the proof). The customer is created if new; an identity linked to someone else
    before (by a typed email) now points at the proven customer."""
    email = email.strip().lower()
    customer = _get_or_create(
        session,
        Customer(email=email, language=language),
        select(Customer).where(Customer.email == email),
    )
    session.flush()
    lookup = select(ChannelIdentity).where(
        ChannelIdentity.channel == channel, ChannelIdentity.external_id == external_id
    )
    identity = session.scalar(lookup)
    if identity is None:
        try:
            with session.begin_nested():
                identity = ChannelIdentity(
                    customer_id=customer.id, channel=channel, external_id=external_id
                )
                session.add(identity)
        except IntegrityError:
            identity = session.scalar(lookup)
            assert identity is not None
    identity.customer_id = customer.id
    identity.customer = customer
    if name:
        identity.name = name
    identity.verified = True
    identity.verified_at = utcnow()
    session.flush()
    return customer
