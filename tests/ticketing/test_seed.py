from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from deskmate import seed
from tests.ticketing.factories import open_ticket
from ticketing.customers.models import Customer
from ticketing.routing.models import RoutingRule
from ticketing.sla.models import SlaPolicy
from ticketing.workflows.models import Workflow


def test_demo_org_has_processes_rules_policies_and_customers_of_each_tier(
    session: Session,
) -> None:
    seed.seed_org(session)
    seed.seed_org(session)  # a second run adds nothing
    assert session.scalar(select(func.count()).select_from(Workflow)) == 5
    assert session.scalar(select(func.count()).select_from(RoutingRule)) == 4
    assert session.scalar(select(func.count()).select_from(SlaPolicy)) == 5
    tiers = {c.email: c.tier for c in session.scalars(select(Customer))}
    assert set(tiers.values()) == {"core", "potential", "general"}
    assert tiers["chen.jing@example.com"] == "core"
    vip = open_ticket(
        session, email="chen.jing@example.com", product="Lumora Thermostat", language="zh"
    )
    assert vip.team is not None and vip.team.key == "climate"
    assert vip.priority == "high"
    routed = next(e for e in vip.events if e.kind == "routed")
    assert "rule 'thermostat'" in routed.data["reasons"][1]
