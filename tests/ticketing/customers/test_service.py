from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tests.ticketing.factories import add_agent, add_team, open_ticket
from ticketing.customers.models import ChannelIdentity, Customer, CustomerTier, TierRule
from ticketing.customers.service import recompute_tier, tier_for


def rules() -> list[TierRule]:
    return [
        TierRule(
            position=1,
            tier=CustomerTier.CORE,
            minimums={"lifetime_value": 5000, "loyalty_months": 24},
        ),
        TierRule(position=2, tier=CustomerTier.POTENTIAL, minimums={"potential_score": 70}),
    ]


def test_tier_comes_from_the_first_rule_whose_minimums_are_reached() -> None:
    core = Customer(lifetime_value=9000, loyalty_months=36, potential_score=10)
    rising = Customer(lifetime_value=9000, loyalty_months=3, potential_score=80)
    plain = Customer(lifetime_value=10, loyalty_months=1, potential_score=5)
    assert tier_for(core, rules())[0] == CustomerTier.CORE
    assert tier_for(rising, rules())[0] == CustomerTier.POTENTIAL
    assert tier_for(plain, rules()) == (CustomerTier.GENERAL, "general: no tier rule matched")
    odd = [TierRule(position=0, tier=CustomerTier.CORE, minimums={"shoe_size": 1})]
    assert tier_for(core, odd)[0] == CustomerTier.GENERAL


def test_rules_are_data_and_recomputing_applies_them(session: Session) -> None:
    session.add_all(rules())
    customer = Customer(email="vip@example.com", lifetime_value=7000, loyalty_months=30)
    session.add(customer)
    session.flush()
    assert recompute_tier(session, customer=customer) == CustomerTier.CORE
    customer.lifetime_value = 100
    assert recompute_tier(session, customer=customer) == CustomerTier.GENERAL


def test_channel_identity_links_tickets_to_one_customer(session: Session) -> None:
    identity = {"channel": "telegram", "external_id": "42", "name": "Kim"}
    first = open_ticket(session, channel_identity=identity, email=None)
    second = open_ticket(session, channel_identity=identity, email=None, description="again")
    assert first.customer_id is not None and first.customer_id == second.customer_id
    count = session.scalar(select(func.count()).select_from(ChannelIdentity))
    assert count == 1
    # The same person on the web, known by email, is linked to the customer with that email.
    by_mail = open_ticket(session, email="kim@example.com")
    web = open_ticket(
        session,
        email="kim@example.com",
        channel_identity={"channel": "web", "external_id": "visitor-9"},
    )
    assert web.customer_id == by_mail.customer_id != first.customer_id
    assert session.scalar(select(func.count()).select_from(ChannelIdentity)) == 2


def test_core_customers_get_priority_and_the_most_senior_agent(session: Session) -> None:
    team = add_team(session)
    add_agent(session, team, name="Junior", email="junior@lumora.example", seniority=1, capacity=5)
    add_agent(session, team, name="Senior", email="senior@lumora.example", seniority=5, capacity=5)
    session.add(Customer(email="vip@example.com", tier=CustomerTier.CORE, lifetime_value=9000))
    session.flush()
    vip = open_ticket(session, email="vip@example.com")
    regular = open_ticket(session, email="someone@example.com")
    assert vip.priority == "high" and regular.priority == "normal"
    assert vip.assignee is not None and vip.assignee.email == "senior@lumora.example"
    routed = next(e for e in vip.events if e.kind == "routed")
    assert routed.data["reasons"][0] == "core customer: priority raised to high"
    assert any("most senior" in r for r in routed.data["reasons"])
    assert regular.assignee is not None and regular.assignee.email == "junior@lumora.example"
