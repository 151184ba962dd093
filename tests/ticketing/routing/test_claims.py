from __future__ import annotations

import threading
from collections.abc import Callable

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from deskmate.auth.models import Role
from deskmate.errors import Conflict
from tests.ticketing.factories import add_agent, add_team, open_ticket
from ticketing import service
from ticketing.routing import assignment

Headers = Callable[[Role], dict[str, str]]


def test_two_agents_claiming_at_the_same_moment_one_wins(
    committed: sessionmaker[Session],
) -> None:
    with committed() as session:
        team = add_team(session)
        add_agent(session, team, name="Ann", email="ann@lumora.example", available=False)
        add_agent(session, team, name="Bob", email="bob@lumora.example", available=False)
        reference = open_ticket(session).reference  # nobody available: unassigned
        session.commit()
    with committed() as session:
        for email in ("ann@lumora.example", "bob@lumora.example"):
            assignment.agent_or_raise(session, email).available = True
        session.commit()

    both_read = threading.Barrier(2)
    outcomes: dict[str, str] = {}

    def claim(email: str) -> None:
        with committed() as session:
            ticket = service.get_ticket_or_raise(session, reference=reference)
            agent = assignment.agent_or_raise(session, email)
            both_read.wait()  # both have read the same version before either writes
            try:
                assignment.claim(session, ticket=ticket, agent=agent, version=None, actor=email)
                session.commit()
                outcomes[email] = "won"
            except Conflict as exc:
                session.rollback()
                outcomes[email] = f"409 {exc.detail}"

    threads = [
        threading.Thread(target=claim, args=(e,))
        for e in ("ann@lumora.example", "bob@lumora.example")
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(o.split(" ")[0] for o in outcomes.values()) == ["409", "won"], outcomes
    winner = next(e for e, o in outcomes.items() if o == "won")
    with committed() as session:
        ticket = service.get_ticket_or_raise(session, reference=reference)
        assert ticket.assignee is not None and ticket.assignee.email == winner
        assert [e.kind for e in ticket.events].count("claimed") == 1


def test_claim_and_assign_endpoints(
    api: TestClient, headers_for: Headers, session_factory: sessionmaker[Session]
) -> None:
    with session_factory() as session:
        team = add_team(session)
        add_agent(session, team, name="Ann", email="ann@lumora.example", available=False)
        add_agent(session, team, name="Bob", email="bob@lumora.example")
        session.commit()
    bot, agent = headers_for(Role.INTEGRATION), headers_for(Role.AGENT)
    created = api.post(
        "/api/v1/tickets", json={"description": "Cam dead", "product": "Lumora Cam"}, headers=bot
    ).json()
    assert created["assignee"] == "Bob"
    url = f"/api/v1/tickets/{created['reference']}"
    taken = api.post(f"{url}/claim", json={"agent": "ann@lumora.example"}, headers=agent)
    assert taken.status_code == 409 and "unavailable" in taken.json()["detail"]
    stale = api.post(
        f"{url}/assign", json={"agent": "bob@lumora.example", "version": 99}, headers=agent
    )
    assert stale.status_code == 409
    api.put(
        "/api/v1/agents/ann@lumora.example/availability",
        json={"available": True},
        headers=headers_for(Role.SUPERVISOR),
    )
    claimed = api.post(f"{url}/claim", json={"agent": "ann@lumora.example"}, headers=agent)
    assert claimed.status_code == 409 and claimed.json()["error"] == "already_claimed"
    moved = api.post(
        f"{url}/assign",
        json={
            "agent": "ann@lumora.example",
            "version": created["version"],
            "reason": "speaks the customer's dialect",
        },
        headers=agent,
    )
    assert moved.status_code == 200, moved.text
    assert moved.json()["assignee"] == "Ann" and moved.json()["version"] == created["version"] + 1
    gone = api.put(
        "/api/v1/agents/ann@lumora.example/availability",
        json={"available": False},
        headers=headers_for(Role.SUPERVISOR),
    )
    assert gone.json()["rerouted"] == [created["reference"]]
    detail = api.get(url, headers=agent).json()
    assert detail["assignee"] == "Bob"
    assert [e["kind"] for e in detail["events"]][-2:] == ["assigned", "rerouted"]
    nobody = api.post(f"{url}/claim", json={"agent": "zed@lumora.example"}, headers=agent)
    assert nobody.status_code == 404


def test_routing_rules_are_admin_data(
    api: TestClient, headers_for: Headers, session_factory: sessionmaker[Session]
) -> None:
    with session_factory() as session:
        add_team(session, key="vip", name="VIP desk", products=[], categories=[], languages=[])
        session.commit()
    admin = headers_for(Role.ADMIN)
    rule = {"name": "core-to-vip", "position": 1, "match": {"tier": ["core"]}, "team": "vip"}
    assert (
        api.put(
            "/api/v1/routing/rules/core-to-vip", json=rule, headers=headers_for(Role.SUPERVISOR)
        ).status_code
        == 403
    )
    created = api.put("/api/v1/routing/rules/core-to-vip", json=rule, headers=admin)
    assert created.status_code == 201 and created.json()["team"] == "vip"
    updated = api.put(
        "/api/v1/routing/rules/core-to-vip", json=rule | {"position": 5}, headers=admin
    )
    assert updated.status_code == 200 and updated.json()["position"] == 5
    bad = api.put(
        "/api/v1/routing/rules/x",
        json=rule | {"name": "x", "match": {"colour": ["red"]}},
        headers=admin,
    )
    assert bad.status_code == 422
    no_team = api.put(
        "/api/v1/routing/rules/core-to-vip", json=rule | {"team": "ghost"}, headers=admin
    )
    assert no_team.status_code == 422 and "ghost" in no_team.json()["detail"]
    listed = api.get("/api/v1/routing/rules", headers=headers_for(Role.AGENT)).json()
    assert [r["name"] for r in listed["items"]] == ["core-to-vip"]
    second = rule | {"name": "late", "position": 1, "enabled": False}
    assert api.put("/api/v1/routing/rules/late", json=second, headers=admin).status_code == 201
    for query, expected in (
        ("", ["late", "core-to-vip"]),  # the order routing tries them in
        ("?sort=name", ["core-to-vip", "late"]),
        ("?enabled=false", ["late"]),
        ("?team=ghost", []),
        ("?per_page=1&page=2", ["core-to-vip"]),
    ):
        page = api.get(f"/api/v1/routing/rules{query}", headers=admin).json()
        assert [r["name"] for r in page["items"]] == expected, query
    assert api.get("/api/v1/routing/rules?sort=team", headers=admin).status_code == 422
    assert api.delete("/api/v1/routing/rules/late", headers=admin).status_code == 204
    assert api.delete("/api/v1/routing/rules/core-to-vip", headers=admin).status_code == 204
    assert api.delete("/api/v1/routing/rules/core-to-vip", headers=admin).status_code == 404
