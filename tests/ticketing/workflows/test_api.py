from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient

from deskmate.auth.models import Role
from ticketing.workflows.defaults import DEFAULT_WORKFLOWS

Headers = Callable[[Role], dict[str, str]]


def _open(api: TestClient, headers: dict[str, str], **extra: object) -> dict[str, object]:
    body = {"description": "Hub keeps rebooting", "type": "fault"} | extra
    response = api.post("/api/v1/tickets", json=body, headers=headers)
    assert response.status_code == 201, response.text
    return response.json()  # type: ignore[no-any-return]


def test_transition_endpoint_moves_and_refuses_with_409(
    api: TestClient, headers_for: Headers
) -> None:
    agent = headers_for(Role.AGENT)
    ticket = _open(api, headers_for(Role.INTEGRATION))
    url = f"/api/v1/tickets/{ticket['reference']}/transitions"
    moved = api.post(url, json={"to": "triaged", "version": ticket["version"]}, headers=agent)
    assert moved.status_code == 200, moved.text
    body = moved.json()
    assert body["status"] == "triaged" and body["status_category"] == "open"
    assert body["next_statuses"] == ["inspection", "resolved", "waiting_on_customer"]
    assert body["events"][-1]["kind"] == "status_changed"
    assert body["events"][-1]["actor"] == "token:test-agent"

    refused = api.post(url, json={"to": "closed"}, headers=agent)
    assert refused.status_code == 409
    assert refused.json()["error"] == "transition_not_allowed"
    assert "cannot go from 'triaged' to 'closed'" in refused.json()["detail"]
    stale = api.post(url, json={"to": "inspection", "version": 1}, headers=agent)
    assert stale.status_code == 409 and "reload" in stale.json()["detail"]
    unknown = api.post(url, json={"to": "teleported"}, headers=agent)
    assert unknown.status_code == 400
    # The action server may open and read tickets but not move them.
    forbidden = api.post(url, json={"to": "inspection"}, headers=headers_for(Role.INTEGRATION))
    assert forbidden.status_code == 403


def test_only_admins_change_workflows(api: TestClient, headers_for: Headers) -> None:
    custom = DEFAULT_WORKFLOWS["request"] | {
        "statuses": {"new": "open", "approved": "open", "done": "resolved"},
        "transitions": [{"from": "new", "to": "approved"}, {"from": "approved", "to": "done"}],
    }
    refused = api.put(
        "/api/v1/workflows/request", json=custom, headers=headers_for(Role.SUPERVISOR)
    )
    assert refused.status_code == 403
    admin = headers_for(Role.ADMIN)
    saved = api.put("/api/v1/workflows/request", json=custom, headers=admin)
    assert saved.status_code == 200, saved.text
    assert saved.json()["revision"] == 1 and not saved.json()["is_default"]
    assert saved.json()["definition"]["transitions"][0] == {
        "from": "new",
        "to": "approved",
        "requires": [],
    }
    ticket = _open(api, headers_for(Role.INTEGRATION), type="request")
    moved = api.post(
        f"/api/v1/tickets/{ticket['reference']}/transitions",
        json={"to": "approved"},
        headers=headers_for(Role.AGENT),
    )
    assert moved.status_code == 200 and moved.json()["status"] == "approved"
    bad = api.put("/api/v1/workflows/request", json={"initial": "x"}, headers=admin)
    assert bad.status_code == 422 and bad.json()["error"] == "validation_error"
    listed = api.get("/api/v1/workflows", headers=headers_for(Role.AGENT)).json()
    assert {w["ticket_type"] for w in listed} == {
        "consultation",
        "fault",
        "complaint",
        "suggestion",
        "request",
    }
