"""Per-process caches (deskmate/cache.py): what they save and that a change is never missed for
longer than promised. Statement counts are regression tests for the request paths."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event, update
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session, sessionmaker

from deskmate import seed
from deskmate.auth import service as auth
from deskmate.auth.models import ApiToken, Role
from deskmate.cache import ProcessCache
from deskmate.db import utcnow
from deskmate.errors import NotAuthenticated
from ticketing.models import TicketType
from ticketing.routing.models import RoutingRule
from ticketing.sla.models import SlaPolicy
from ticketing.workflows import service as workflows
from ticketing.workflows.schemas import WorkflowDefinition

TICKET = {"description": "Hub offline", "product": "Lumora Hub", "language": "en"}


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@contextmanager
def statements(connection: Connection) -> Iterator[list[str]]:
    seen: list[str] = []

    def record(*args: Any) -> None:
        verb = args[2].split()[0].upper()
        # The test's savepoints stand in for the app's BEGIN / COMMIT / ROLLBACK: not counted.
        if verb not in ("SAVEPOINT", "RELEASE", "ROLLBACK"):
            seen.append(verb)

    event.listen(connection, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(connection, "before_cursor_execute", record)


# ------------------------------------------------------------------ the cache itself


def test_an_entry_lives_for_its_ttl_then_is_loaded_again() -> None:
    clock = Clock()
    cache: ProcessCache[int] = ProcessCache("t", ttl=5, clock=clock)
    loads = iter(range(10))
    assert cache.get("k", lambda: next(loads)) == 0
    clock.now += 4.9
    assert cache.get("k", lambda: next(loads)) == 0
    clock.now += 0.2
    assert cache.get("k", lambda: next(loads)) == 1


def test_a_load_that_races_an_invalidation_is_not_kept() -> None:
    cache: ProcessCache[str] = ProcessCache("t", ttl=60)

    def stale_load() -> str:
        cache.invalidate()  # a writer commits while this (old) value is being read
        return "old"

    assert cache.get("k", stale_load) == "old"
    assert cache.get("k", lambda: "new") == "new"


def test_keep_refuses_to_store_a_value() -> None:
    cache: ProcessCache[str | None] = ProcessCache("t", ttl=60)
    assert cache.get("k", lambda: None, keep=lambda v: v is not None) is None
    assert cache.get("k", lambda: "found", keep=lambda v: v is not None) == "found"


def test_readers_in_many_threads_share_one_entry() -> None:
    cache: ProcessCache[int] = ProcessCache("t", ttl=60)
    cache.get("k", lambda: 7)
    results: list[int] = []

    def read() -> None:
        results.extend(cache.get("k", lambda: -1) for _ in range(200))

    threads = [threading.Thread(target=read) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert set(results) == {7} and len(results) == 800


# ------------------------------------------------------------------ API tokens


def test_a_token_revoked_in_this_process_is_refused_at_once(session: Session) -> None:
    token = auth.create_token(session, role=Role.AGENT, name="t")
    assert auth.principal_for_token(session, token=token).role == Role.AGENT
    stored = session.query(ApiToken).filter_by(name="t").one()
    stored.revoked_at = utcnow()
    session.flush()  # any ORM write to a token drops the cached lookups
    with pytest.raises(NotAuthenticated):
        auth.principal_for_token(session, token=token)


def test_a_token_revoked_elsewhere_is_refused_within_the_ttl(
    session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = Clock()
    monkeypatch.setattr(auth._principals, "_clock", clock)
    token = auth.create_token(session, role=Role.AGENT, name="t")
    assert auth.principal_for_token(session, token=token).name == "t"
    # Another worker process revokes it: nothing here sees that write.
    session.execute(update(ApiToken).where(ApiToken.name == "t").values(revoked_at=utcnow()))
    assert auth.principal_for_token(session, token=token).name == "t"  # cached, for now
    clock.now += auth.TOKEN_CACHE_SECONDS + 0.1
    with pytest.raises(NotAuthenticated):
        auth.principal_for_token(session, token=token)


def test_the_auth_fast_path_knows_only_live_cached_tokens(
    session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``cached_principal`` (the async dependency's lookup without the database) answers only
    what ``principal_for_token`` cached, and forgets it on revocation and after the TTL."""
    clock = Clock()
    monkeypatch.setattr(auth._principals, "_clock", clock)
    token = auth.create_token(session, role=Role.AGENT, name="fast")
    assert auth.cached_principal(token) is None  # never looked up yet
    assert auth.cached_principal("dm_nope") is None
    auth.principal_for_token(session, token=token)
    found = auth.cached_principal(token)
    assert found is not None and (found.name, found.role) == ("fast", Role.AGENT)
    clock.now += auth.TOKEN_CACHE_SECONDS + 0.1
    assert auth.cached_principal(token) is None  # expired
    auth.principal_for_token(session, token=token)
    assert auth.cached_principal(token) is not None
    session.query(ApiToken).filter_by(name="fast").one().revoked_at = utcnow()
    session.flush()
    assert auth.cached_principal(token) is None  # revoked in this process: at once


def test_a_revoked_token_is_refused_by_the_api_at_once(
    session_factory: sessionmaker[Session], api: TestClient
) -> None:
    """Through the async auth dependency: a cached token stops working as soon as this
    process revokes it."""
    with session_factory() as session:
        token = auth.create_token(session, role=Role.AGENT, name="api-fast")
        session.commit()
    headers = {"Authorization": f"Bearer {token}"}
    assert api.get("/api/v1/tickets", headers=headers).status_code == 200
    assert auth.cached_principal(token) is not None
    with session_factory() as session:
        session.query(ApiToken).filter_by(name="api-fast").one().revoked_at = utcnow()
        session.commit()
    assert api.get("/api/v1/tickets", headers=headers).status_code == 401


def test_an_unknown_token_is_never_cached(session: Session) -> None:
    with pytest.raises(NotAuthenticated):
        auth.principal_for_token(session, token="dm_nope")
    with pytest.raises(NotAuthenticated):
        auth.principal_for_token(session, token=None)
    token = auth.create_token(session, role=Role.ADMIN, name="late")
    session.execute(update(ApiToken).where(ApiToken.name == "late").values(revoked_at=utcnow()))
    with pytest.raises(NotAuthenticated):
        auth.principal_for_token(session, token=token)
    session.execute(update(ApiToken).where(ApiToken.name == "late").values(revoked_at=None))
    assert auth.principal_for_token(session, token=token).role == Role.ADMIN


# ------------------------------------------------------------------ definitions


def test_a_saved_workflow_is_used_at_once_and_a_rolled_back_one_is_not(
    session_factory: sessionmaker[Session],
) -> None:
    with session_factory() as session:
        before = workflows.definition_for(session, TicketType.SUGGESTION)
        assert "parked" not in before.statuses
        changed = before.model_dump(mode="json", by_alias=True)
        changed["statuses"]["parked"] = "waiting"
        changed["transitions"].append({"from": before.initial, "to": "parked"})
        definition = WorkflowDefinition.model_validate(changed)
        workflows.save(session, ticket_type=TicketType.SUGGESTION, definition=definition, actor="a")
        assert "parked" in workflows.definition_for(session, TicketType.SUGGESTION).statuses
        session.rollback()
        assert "parked" not in workflows.definition_for(session, TicketType.SUGGESTION).statuses


def test_a_changed_routing_rule_routes_the_next_ticket(
    session: Session, open_ticket_in: Callable[..., Any]
) -> None:
    seed.seed_org(session)
    first = open_ticket_in(session)
    assert first.team is not None
    rule = session.query(RoutingRule).filter_by(enabled=True).order_by(RoutingRule.position)
    for r in rule.all():
        r.enabled = False  # every rule off: the team is chosen by product instead
    session.flush()
    second = open_ticket_in(session)
    routed = next(e for e in second.events if e.kind == "routed")
    assert not any("rule" in reason for reason in routed.data["reasons"])


def test_a_changed_sla_policy_shows_on_the_next_read(
    session: Session, open_ticket_in: Callable[..., Any]
) -> None:
    from ticketing.sla.service import status_for

    seed.seed_org(session)
    ticket = open_ticket_in(session)
    session.add(
        SlaPolicy(
            name="everything",
            position=1,
            first_response_minutes=60,
            next_response_minutes=60,
            resolution_minutes=600,
        )
    )
    session.flush()
    shown = status_for(session, ticket=ticket)
    assert shown is not None and shown["policy"] == "everything"
    session.query(SlaPolicy).filter_by(name="everything").one().name = "renamed"
    session.flush()
    shown = status_for(session, ticket=ticket)
    assert shown is not None and shown["policy"] == "renamed"


@pytest.fixture
def open_ticket_in() -> Callable[..., Any]:
    from ticketing import service
    from ticketing.schemas import TicketCreate

    def make(session: Session) -> Any:
        ticket, _ = service.create_ticket(
            session, data=TicketCreate.model_validate(TICKET), actor="test"
        )
        return ticket

    return make


# ------------------------------------------------------------------ statements per request


def test_statements_per_create_and_per_read(
    api: TestClient,
    session_factory: sessionmaker[Session],
    connection: Connection,
    headers_for: Callable[[Role], dict[str, str]],
) -> None:
    with session_factory() as session:
        seed.seed_org(session)
        session.commit()
    headers = headers_for(Role.AGENT)
    warm = api.post("/api/v1/tickets", json=TICKET | {"email": "c@x.example"}, headers=headers)
    assert warm.status_code == 201
    reference = warm.json()["reference"]
    assert api.get(f"/api/v1/tickets/{reference}", headers=headers).status_code == 200

    with statements(connection) as seen:
        created = api.post("/api/v1/tickets", json=TICKET, headers=headers)
    assert created.status_code == 201 and created.json()["team"] is not None
    # number; team; agents with their load; subscriptions; experts (skills); then one flush:
    # ticket, events, agent's round-robin time, audit rows. No token, workflow, rule lookups.
    selects = [s for s in seen if s == "SELECT"]
    assert len(selects) <= 5, seen
    assert seen.count("UPDATE") <= 1, seen  # the chosen agent only: the ticket is not updated
    assert len(seen) <= 11, seen

    with statements(connection) as seen:
        read = api.get(f"/api/v1/tickets/{reference}", headers=headers)
    assert read.status_code == 200 and read.json()["customer"] is not None
    assert len(read.json()["events"]) == 2 and read.json()["sla"]["policy"] == "default"
    # the ticket (joined with rating, team, assignee, customer); its events; its messages.
    # No token, SLA policy, calendar or workflow lookups: those come from the caches.
    assert seen == ["SELECT", "SELECT", "SELECT"], seen


def test_subscriptions_are_read_once_per_transaction_and_a_new_one_is_seen(
    session: Session, open_ticket_in: Callable[..., Any], connection: Connection
) -> None:
    from ticketing.webhooks.models import WebhookDelivery, WebhookSubscription

    looked: list[str] = []

    def record(*args: Any) -> None:
        if "FROM webhook_subscriptions" in args[2]:
            looked.append(args[2])

    event.listen(connection, "before_cursor_execute", record)
    try:
        open_ticket_in(session)  # two events
    finally:
        event.remove(connection, "before_cursor_execute", record)
    assert len(looked) == 1
    session.add(WebhookSubscription(name="crm", url="https://crm.example/hook", secret="s" * 32))
    session.flush()  # written in this transaction: the remembered (empty) list is dropped
    ticket = open_ticket_in(session)
    deliveries = session.query(WebhookDelivery).all()
    assert {d.kind for d in deliveries} == {"created", "routed"}
    assert all(d.payload["ticket"]["reference"] == ticket.reference for d in deliveries)
    session.query(WebhookSubscription).filter_by(name="crm").one().active = False
    session.flush()
    open_ticket_in(session)
    assert session.query(WebhookDelivery).count() == 2  # none for the deactivated one
