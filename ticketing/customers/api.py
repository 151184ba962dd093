from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query
from sqlalchemy import delete, select

from deskmate.auth.principal import Principal
from deskmate.deps import SessionDep, require_permission
from deskmate.errors import Unprocessable
from ticketing.customers import profile
from ticketing.customers.models import Customer, TierRule
from ticketing.customers.schemas import (
    ChannelIdentityIn,
    CustomerDetail,
    CustomerUpdate,
    IdentityProfile,
    TierRuleIn,
)
from ticketing.customers.service import METRICS, link_verified_identity, recompute_tier
from ticketing.models import Channel

router = APIRouter(prefix="/api/v1/customers", tags=["customers"])

CanRead = Annotated[Principal, Depends(require_permission("tickets.config.read"))]
CanAdmin = Annotated[Principal, Depends(require_permission("tickets.config.admin"))]
CanReadIdentity = Annotated[Principal, Depends(require_permission("customers.identity.read"))]
CanUpdate = Annotated[Principal, Depends(require_permission("customers.update"))]
CanLinkIdentity = Annotated[Principal, Depends(require_permission("customers.identity.link"))]


def _rules(session: SessionDep) -> list[TierRuleIn]:
    rows = session.scalars(select(TierRule).order_by(TierRule.position))
    return [TierRuleIn(tier=r.tier, position=r.position, minimums=r.minimums) for r in rows]


@router.get("/tier-rules", response_model=list[TierRuleIn])
def list_tier_rules(session: SessionDep, _token: CanRead) -> list[TierRuleIn]:
    return _rules(session)


@router.put("/tier-rules", response_model=list[TierRuleIn])
def put_tier_rules(
    rules: list[TierRuleIn], session: SessionDep, _token: CanAdmin
) -> list[TierRuleIn]:
    """Replace the tier rules (admins only) and class every customer again by them."""
    for rule in rules:
        unknown = sorted(set(rule.minimums) - set(METRICS))
        if unknown:
            raise Unprocessable(f"Unknown customer metrics {unknown}; use {list(METRICS)}.")
    session.execute(delete(TierRule))
    session.add_all(TierRule(**rule.model_dump()) for rule in rules)
    session.flush()
    for customer in session.scalars(select(Customer)):
        recompute_tier(session, customer=customer)
    session.commit()
    return _rules(session)


@router.get("/by-identity", response_model=IdentityProfile)
def get_by_identity(
    session: SessionDep,
    _token: CanReadIdentity,
    channel: Annotated[Channel, Query()],
    external_id: Annotated[str, Query(min_length=1, max_length=200)],
) -> IdentityProfile:
    """Who is behind a channel identity: name, language, tier and open tickets (404 if nobody)."""
    return profile.profile_for_identity(session, channel=channel, external_id=external_id)


@router.get("/{email}", response_model=CustomerDetail)
def get_customer(email: str, session: SessionDep, _token: CanRead) -> CustomerDetail:
    return CustomerDetail.model_validate(profile.get_customer_by_email_or_raise(session, email))


@router.patch("/{email}", response_model=CustomerDetail)
def update_customer(
    email: str, data: CustomerUpdate, session: SessionDep, _token: CanUpdate
) -> CustomerDetail:
    """Change a customer's name, region, language or consent flags (audited)."""
    customer = profile.get_customer_by_email_or_raise(session, email)
    profile.update_customer(session, customer=customer, data=data)
    session.commit()
    return CustomerDetail.model_validate(customer)


@router.put("/{email}/identities", response_model=CustomerDetail)
def link_identity(
    email: str, data: ChannelIdentityIn, session: SessionDep, _token: CanLinkIdentity
) -> CustomerDetail:
    """Staff link a channel identity (a Telegram user, a web visitor) to this customer as
    verified: the assistant may then greet it by name with the customer's open tickets. An
    identity linked to someone else before is moved to this customer (audited)."""
    customer = profile.get_customer_by_email_or_raise(session, email)
    assert customer.email is not None  # found by it
    link_verified_identity(
        session,
        channel=data.channel,
        external_id=data.external_id,
        email=customer.email,
        name=data.name,
    )
    session.commit()
    session.refresh(customer)
    return CustomerDetail.model_validate(customer)
