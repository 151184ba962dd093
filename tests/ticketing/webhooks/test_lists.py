"""The subscription and delivery lists page, filter and sort."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient

from deskmate.auth.models import Role

Headers = Callable[[Role], dict[str, str]]


def test_subscriptions_and_deliveries_page_filter_and_sort(
    api: TestClient, headers_for: Headers
) -> None:
    admin = headers_for(Role.ADMIN)
    for name, active in (("slack", True), ("crm", True), ("old", False)):
        body = {"name": name, "url": "http://127.0.0.1:9/", "secret": "x" * 16, "active": active}
        assert api.put(f"/api/v1/webhooks/{name}", json=body, headers=admin).status_code == 201
    bot = headers_for(Role.INTEGRATION)
    for i in range(3):
        created = api.post("/api/v1/tickets", json={"description": f"Hub {i} dead"}, headers=bot)
        assert created.status_code == 201

    def get(path: str) -> dict:  # type: ignore[type-arg]
        response = api.get(path, headers=admin)
        assert response.status_code == 200, response.text
        return response.json()  # type: ignore[no-any-return]

    listed = get("/api/v1/webhooks?sort=-name")
    assert [s["name"] for s in listed["items"]] == ["slack", "old", "crm"]
    assert [s["name"] for s in get("/api/v1/webhooks?active=false")["items"]] == ["old"]

    every = get("/api/v1/webhooks/slack/deliveries?per_page=100")
    assert every["total"] == 6  # created and routed, for each of the three tickets
    first, second = (get(f"/api/v1/webhooks/slack/deliveries?per_page=4&page={p}") for p in (1, 2))
    ids = [d["id"] for d in first["items"] + second["items"]]
    assert len(first["items"]) == 4 and len(set(ids)) == 6  # pages do not overlap
    routed = get("/api/v1/webhooks/slack/deliveries?kind=routed")
    assert routed["total"] == 3 and {d["kind"] for d in routed["items"]} == {"routed"}
    assert get("/api/v1/webhooks/slack/deliveries?status=pending")["total"] == 6
    assert get("/api/v1/webhooks/slack/deliveries?status=delivered")["total"] == 0
    due = [
        d["next_attempt_at"]
        for d in get("/api/v1/webhooks/slack/deliveries?sort=next_attempt_at")["items"]
    ]
    assert due == sorted(due)
    assert get("/api/v1/webhooks/old/deliveries")["total"] == 0  # inactive: nothing queued
    for bad in ("status=lost", "sort=kind", "per_page=0"):
        response = api.get(f"/api/v1/webhooks/slack/deliveries?{bad}", headers=admin)
        assert response.status_code == 422, bad
    assert api.get("/api/v1/webhooks/ghost/deliveries", headers=admin).status_code == 404
