from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient

from deskmate.auth.models import Role

Headers = Callable[[Role], dict[str, str]]

CALENDAR = {
    "name": "office",
    "timezone": "Asia/Shanghai",
    "weekly_hours": {d: [["09:00", "18:00"]] for d in ("mon", "tue", "wed", "thu", "fri")},
    "holidays": ["2026-10-01"],
}
POLICY = {
    "name": "core-faults",
    "ticket_type": "fault",
    "tier": "core",
    "first_response_minutes": 30,
    "next_response_minutes": 60,
    "resolution_minutes": 960,
    "warn_before_minutes": 10,
    "calendar": "office",
}


def test_admins_set_calendars_and_policies(api: TestClient, headers_for: Headers) -> None:
    admin = headers_for(Role.ADMIN)
    assert (
        api.put(
            "/api/v1/sla/calendars/office", json=CALENDAR, headers=headers_for(Role.SUPERVISOR)
        ).status_code
        == 403
    )
    created = api.put("/api/v1/sla/calendars/office", json=CALENDAR, headers=admin)
    assert created.status_code == 201, created.text
    for broken in (
        {"timezone": "Mars/Olympus"},
        {"weekly_hours": {"mon": [["18:00", "09:00"]]}},
        {"weekly_hours": {"someday": [["09:00", "10:00"]]}},
        {"weekly_hours": {}},
    ):
        response = api.put("/api/v1/sla/calendars/office", json=CALENDAR | broken, headers=admin)
        assert response.status_code == 422, broken
    assert (
        api.put(
            "/api/v1/sla/policies/core-faults", json=POLICY | {"calendar": "nope"}, headers=admin
        ).status_code
        == 422
    )
    assert (
        api.put(
            "/api/v1/sla/policies/core-faults",
            json=POLICY | {"warn_before_minutes": 30},
            headers=admin,
        ).status_code
        == 422
    )
    too_late = api.put(
        "/api/v1/sla/policies/core-faults",
        json=POLICY | {"first_response_minutes": 90, "warn_before_minutes": 60},
        headers=admin,
    )
    assert too_late.status_code == 422  # a warning 60 minutes before a 60-minute next response
    assert "next_response_minutes" in too_late.text
    saved = api.put("/api/v1/sla/policies/core-faults", json=POLICY, headers=admin)
    assert saved.status_code == 201 and saved.json()["calendar"] == "office"
    general = POLICY | {"name": "all", "tier": None, "ticket_type": None, "calendar": None}
    assert api.put("/api/v1/sla/policies/all", json=general, headers=admin).status_code == 201
    listed = api.get("/api/v1/sla/policies", headers=headers_for(Role.AGENT)).json()
    assert [p["name"] for p in listed["items"]] == ["all", "core-faults"]

    bot = headers_for(Role.INTEGRATION)
    reference = api.post("/api/v1/tickets", json={"description": "Hub dead"}, headers=bot).json()[
        "reference"
    ]
    sla = api.get(f"/api/v1/tickets/{reference}", headers=bot).json()["sla"]
    assert sla["policy"] == "all"
    assert set(sla["clocks"]) == {"first_response", "resolution"}
    assert sla["next_response_cycles"] == []
    assert sla["clocks"]["first_response"]["state"] == "running"
    assert sla["clocks"]["first_response"]["due_at"] is not None
    assert api.delete("/api/v1/sla/policies/all", headers=admin).status_code == 204
    assert api.delete("/api/v1/sla/policies/all", headers=admin).status_code == 404


def test_policy_and_calendar_lists_page_filter_and_sort(
    api: TestClient, headers_for: Headers
) -> None:
    admin = headers_for(Role.ADMIN)
    assert api.put("/api/v1/sla/calendars/office", json=CALENDAR, headers=admin).status_code == 201
    berlin = CALENDAR | {"name": "berlin", "timezone": "Europe/Berlin"}
    assert api.put("/api/v1/sla/calendars/berlin", json=berlin, headers=admin).status_code == 201
    for i, tier in enumerate(("core", "core", "potential", None, None)):
        policy = POLICY | {"name": f"p{i}", "position": 50 - i, "tier": tier}
        if i % 2:
            policy |= {"calendar": None}
        assert api.put(f"/api/v1/sla/policies/p{i}", json=policy, headers=admin).status_code == 201

    def names(path: str) -> tuple[list[str], int]:
        response = api.get(path, headers=admin)
        assert response.status_code == 200, response.text
        body = response.json()
        return [x["name"] for x in body["items"]], body["total"]

    assert names("/api/v1/sla/policies?per_page=2") == (["p4", "p3"], 5)  # by position
    assert names("/api/v1/sla/policies?per_page=2&page=3") == (["p0"], 5)
    assert names("/api/v1/sla/policies?sort=name&per_page=2&page=2") == (["p2", "p3"], 5)
    assert names("/api/v1/sla/policies?sort=-name&tier=core") == (["p1", "p0"], 2)
    assert names("/api/v1/sla/policies?calendar=office") == (["p4", "p2", "p0"], 3)
    assert names("/api/v1/sla/policies?ticket_type=consultation") == ([], 0)
    assert names("/api/v1/sla/calendars?sort=-name") == (["office", "berlin"], 2)
    assert names("/api/v1/sla/calendars?timezone=Europe/Berlin") == (["berlin"], 1)
    for bad in ("sort=budget", "tier=gold", "per_page=101", "page=0"):
        response = api.get(f"/api/v1/sla/policies?{bad}", headers=admin)
        assert response.status_code == 422, bad
