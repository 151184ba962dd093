from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from deskmate.auth.models import Role
from tests.ticketing.factories import add_agent, add_team

Headers = Callable[[Role], dict[str, str]]


def _open(api: TestClient, headers: dict[str, str], **extra: object) -> dict[str, object]:
    body = {"description": "Cam offline", "product": "Lumora Cam"} | extra
    response = api.post("/api/v1/tickets", json=body, headers=headers)
    assert response.status_code == 201, response.text
    return response.json()  # type: ignore[no-any-return]


def test_lists_filter_sort_and_page(
    api: TestClient, headers_for: Headers, session_factory: sessionmaker[Session]
) -> None:
    with session_factory() as session:
        team = add_team(session)
        add_agent(session, team, capacity=2)
        session.commit()
    bot, agent = headers_for(Role.INTEGRATION), headers_for(Role.AGENT)
    a = _open(api, bot, type="complaint", priority="high", email="x@example.com")
    b = _open(api, bot, type="fault", priority="low")
    c = _open(api, bot, type="fault", priority="urgent")  # over capacity: unassigned
    url = "/api/v1/tickets"

    def refs(query: str) -> list[str]:
        response = api.get(f"{url}?{query}", headers=agent)
        assert response.status_code == 200, response.text
        return [t["reference"] for t in response.json()["items"]]

    assert refs("type=fault") == [c["reference"], b["reference"]]
    assert refs("type=fault&sort=created_at") == [b["reference"], c["reference"]]
    assert refs("priority=high") == [a["reference"]]
    assert refs("assignee=ada@lumora.example&sort=number") == [a["reference"], b["reference"]]
    assert refs("assignee=none") == [c["reference"]]
    assert refs("assignee=nobody@lumora.example") == []
    assert refs("team=devices&per_page=1&page=3") == [a["reference"]]
    assert refs("customer=x@example.com") == [a["reference"]]
    assert refs("status_category=open&status=new") == [
        c["reference"],
        b["reference"],
        a["reference"],
    ]
    assert refs("created_from=2000-01-01T00:00:00Z&created_to=2001-01-01T00:00:00Z") == []
    assert len(refs("created_from=2000-01-01T00:00:00Z")) == 3
    for bad in (
        "sort=colour",
        "created_from=2000-01-01T00:00:00",
        "status_category=lost",
        "priority=meh",
        "status=bogus",
    ):
        response = api.get(f"{url}?{bad}", headers=agent)
        assert response.status_code == 422 and response.json()["error"] == "validation_error", bad


def test_merging_keeps_both_histories_and_closes_the_duplicate(
    api: TestClient, headers_for: Headers
) -> None:
    bot, agent = headers_for(Role.INTEGRATION), headers_for(Role.AGENT)
    primary = _open(api, bot)
    duplicate = _open(api, bot, description="Cam offline again")
    api.post(
        f"/api/v1/tickets/{duplicate['reference']}/messages",
        json={"author_kind": "customer", "body": "any news?"},
        headers=bot,
    )
    merged = api.post(
        f"/api/v1/tickets/{duplicate['reference']}/merge",
        json={"into": primary["reference"], "reason": "same camera"},
        headers=agent,
    )
    assert merged.status_code == 200, merged.text
    body = merged.json()
    assert body["status"] == "duplicate" and body["status_category"] == "closed"
    assert body["merged_into"] == primary["reference"]
    assert [e["kind"] for e in body["events"]] == ["created", "routed", "message", "merged_into"]
    assert [m["body"] for m in body["messages"]] == ["any news?"]
    kept = api.get(f"/api/v1/tickets/{primary['reference']}", headers=agent).json()
    assert kept["events"][-1]["kind"] == "merged_from"
    assert kept["events"][-1]["data"]["duplicate"] == duplicate["reference"]
    again = api.post(
        f"/api/v1/tickets/{duplicate['reference']}/merge",
        json={"into": primary["reference"]},
        headers=agent,
    )
    assert again.status_code == 409
    itself = api.post(
        f"/api/v1/tickets/{primary['reference']}/merge",
        json={"into": primary["reference"]},
        headers=agent,
    )
    assert itself.status_code == 409
    into_merged = api.post(
        f"/api/v1/tickets/{primary['reference']}/merge",
        json={"into": duplicate["reference"]},
        headers=agent,
    )
    assert into_merged.status_code == 409 and "itself merged" in into_merged.json()["detail"]
    listed = api.get("/api/v1/tickets?status=duplicate", headers=agent).json()
    assert listed["total"] == 1


def test_counts_past_the_cap_are_a_lower_bound(
    api: TestClient, headers_for: Headers, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ticketing import repository

    monkeypatch.setattr(repository, "COUNT_CAP", 2)  # the real cap is 1,000
    bot = headers_for(Role.INTEGRATION)
    for i in range(4):
        _open(api, bot, description=f"t{i}")
    page = api.get("/api/v1/tickets?per_page=1", headers=bot).json()
    assert page["total"] == 3 and page["total_is_lower_bound"] is True
    few = api.get("/api/v1/tickets?per_page=1&type=complaint", headers=bot).json()
    assert few["total"] == 0 and few["total_is_lower_bound"] is False
