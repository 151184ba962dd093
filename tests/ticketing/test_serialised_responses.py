"""Ticket read and create send JSON that pydantic serialised once (a returned Response): the same
JSON as FastAPI's own response_model serialisation of the same models, which the routes did
before. Compared against a route that still returns the model, on tickets with everything a
ticket page shows: events, messages and notes, CSAT, team, assignee, customer, SLA, context."""

from __future__ import annotations

import json
from collections.abc import Callable

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from deskmate import seed
from deskmate.auth.models import Role
from deskmate.deps import SessionDep
from ticketing import service
from ticketing.api import CanRead, CanWrite, _detail
from ticketing.schemas import TicketDetail, TicketRead
from ticketing.sla.models import SlaPolicy

Headers = Callable[[Role], dict[str, str]]


CLOCK_FIELDS = ("elapsed_minutes", "remaining_minutes")


def _clock_minutes(node: object, path: str = "") -> dict[str, float]:
    """Pops the running clocks' minute counts out of a JSON document: {path: minutes}."""
    found: dict[str, float] = {}
    if isinstance(node, dict):
        for key in CLOCK_FIELDS:
            if isinstance(node.get(key), int | float):
                found[f"{path}.{key}"] = float(node.pop(key))
        for key, value in node.items():
            found |= _clock_minutes(value, f"{path}.{key}")
    elif isinstance(node, list):
        for i, value in enumerate(node):
            found |= _clock_minutes(value, f"{path}[{i}]")
    return found


def _model_routes(api: TestClient) -> None:
    """The routes as they were: FastAPI validates and serialises the returned model."""

    @api.app.get("/model-serialised/{reference}", response_model=TicketDetail)  # type: ignore[attr-defined]
    def old_read(reference: str, session: SessionDep, token: CanRead) -> TicketDetail:
        return _detail(session, reference, token)

    @api.app.get("/model-serialised-summary/{reference}", response_model=TicketRead)  # type: ignore[attr-defined]
    def old_summary(reference: str, session: SessionDep, _token: CanWrite) -> TicketRead:
        return service.to_read(service.get_ticket_or_raise(session, reference=reference))


def test_ticket_json_is_the_same_as_response_model_serialisation(
    api: TestClient, headers_for: Headers, session_factory: sessionmaker[Session]
) -> None:
    with session_factory() as session:
        seed.seed_org(session)  # teams, agents and rules: the ticket is routed and assigned
        session.add(
            SlaPolicy(
                name="all",
                position=1,
                first_response_minutes=60,
                next_response_minutes=60,
                resolution_minutes=600,
            )
        )
        session.commit()
    _model_routes(api)
    bot, agent = headers_for(Role.INTEGRATION), headers_for(Role.AGENT)
    body = {
        "description": "摄像头只显示黑屏 — since update «2.1»",
        "product": "Lumora Cam",
        "email": "Jo@Example.com",
        "channel": "web",
        "language": "zh",
        "conversation_id": "c-42",
        "context": {"firmware": "2.1", "nested": {"ok": True, "n": [1, 2.5, None]}},
    }
    created = api.post("/api/v1/tickets", json=body, headers=bot)
    assert created.status_code == 201
    assert created.headers["content-type"] == "application/json"
    reference = created.json()["reference"]
    summary = api.get(f"/model-serialised-summary/{reference}", headers=bot)
    assert created.json() == summary.json()

    url = f"/api/v1/tickets/{reference}"
    message = {"author_kind": "customer", "body": "Still black ✓", "channel": "web"}
    assert api.post(f"{url}/messages", json=message, headers=bot).status_code == 201
    note = {"author_kind": "note", "author": "Sam", "body": "firmware bug?"}
    assert api.post(f"{url}/messages", json=note, headers=agent).status_code == 201
    rated = api.post(f"{url}/csat", json={"rating": 5, "comment": "schnell"}, headers=bot)
    assert rated.status_code == 201

    for headers in (bot, agent):  # the integration does not see notes, an agent does
        new = api.get(url, headers=headers)
        old = api.get(f"/model-serialised/{reference}", headers=headers)
        assert new.status_code == old.status_code == 200
        assert new.headers["content-type"] == "application/json"
        new_json, old_json = json.loads(new.content), json.loads(old.content)
        # The SLA clocks run between the two requests: their elapsed minutes may differ by the
        # time between them; everything else must be identical.
        new_clocks, old_clocks = _clock_minutes(new_json), _clock_minutes(old_json)
        assert new_clocks.keys() == old_clocks.keys() and new_clocks
        assert all(abs(new_clocks[k] - old_clocks[k]) < 1.0 for k in new_clocks)
        assert new_json == old_json
        page = new.json()
        assert page["team"] and page["assignee"] and page["csat"]["rating"] == 5
        assert page["customer"]["email"] == "jo@example.com" and page["sla"] is not None
        assert [e["kind"] for e in page["events"]][:2] == ["created", "routed"]
        assert len(page["messages"]) == (2 if headers is agent else 1)
        assert page["context"]["nested"] == {"ok": True, "n": [1, 2.5, None]}


def test_repeated_create_answers_200_with_the_first_ticket(
    api: TestClient, headers_for: Headers
) -> None:
    bot = headers_for(Role.INTEGRATION) | {"Idempotency-Key": "k-1"}
    body = {"description": "No sound", "product": "Lumora Hub", "channel": "web", "language": "en"}
    first = api.post("/api/v1/tickets", json=body, headers=bot)
    again = api.post("/api/v1/tickets", json=body, headers=bot)
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json() == first.json()
    changed = api.post("/api/v1/tickets", json=body | {"product": "Lumora Cam"}, headers=bot)
    assert changed.status_code == 409
