from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends
from sqlalchemy import delete, select

from deskmate.auth.principal import Principal
from deskmate.deps import SessionDep, require_permission
from deskmate.errors import NotFound, Unprocessable
from ticketing.customers.models import Customer, TierRule
from ticketing.customers.schemas import CustomerDetail, TierRuleIn
from ticketing.customers.service import METRICS, recompute_tier

router = APIRouter(prefix="/api/v1/customers", tags=["customers"])

CanRead = Annotated[Principal, Depends(require_permission("tickets.config.read"))]
CanAdmin = Annotated[Principal, Depends(require_permission("tickets.config.admin"))]


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


@router.get("/{email}", response_model=CustomerDetail)
def get_customer(email: str, session: SessionDep, _token: CanRead) -> CustomerDetail:
    customer = session.scalar(select(Customer).where(Customer.email == email.strip().lower()))
    if customer is None:
        raise NotFound(f"No customer with email {email[:80]!r}.")
    return CustomerDetail.model_validate(customer)
