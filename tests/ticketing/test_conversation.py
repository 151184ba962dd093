from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient

from deskmate.auth.models import Role

Headers = Callable[[Role], dict[str, str]]


def _open(api: TestClient, headers: dict[str, str], **extra: object) -> str:
    body = {"description": "Doorbell silent", "product": "Lumora Doorbell"} | extra
    response = api.post("/api/v1/tickets", json=body, headers=headers)
    assert response.status_code == 201, response.text
    return str(response.json()["reference"])


def test_context_and_channel_identity_are_stored_and_shown(
    api: TestClient, headers_for: Headers
) -> None:
    bot = headers_for(Role.INTEGRATION)
    context = {"transcript": [{"from": "customer", "text": "it won't ring"}], "intents": ["fault"]}
    reference = _open(
        api,
        bot,
        context=context,
        channel="telegram",
        channel_identity={"channel": "telegram", "external_id": "777", "name": "Lee"},
    )
    detail = api.get(f"/api/v1/tickets/{reference}", headers=bot).json()
    assert detail["context"] == context
    assert detail["customer"]["name"] == "Lee" and detail["customer"]["tier"] == "general"
    too_big = api.post(
        "/api/v1/tickets",
        json={"description": "x", "context": {"t": "y" * 70_000}},
        headers=bot,
    )
    assert too_big.status_code == 422


def test_messages_notes_and_channel_redeliveries(api: TestClient, headers_for: Headers) -> None:
    bot, agent = headers_for(Role.INTEGRATION), headers_for(Role.AGENT)
    reference = _open(api, bot)
    url = f"/api/v1/tickets/{reference}/messages"
    body = {
        "author_kind": "customer",
        "body": "still silent",
        "channel": "telegram",
        "channel_message_id": "tg-1001",
    }
    first = api.post(url, json=body, headers=bot)
    again = api.post(url, json=body, headers=bot)
    assert (first.status_code, again.status_code) == (201, 200)
    note = api.post(url, json={"author_kind": "note", "body": "check firmware"}, headers=agent)
    assert note.status_code == 201
    as_agent = api.get(f"/api/v1/tickets/{reference}", headers=agent).json()
    assert [m["author_kind"] for m in as_agent["messages"]] == ["customer", "note"]
    assert [e["kind"] for e in as_agent["events"]].count("message") == 2
    # The bot (and through it the customer) never sees internal notes.
    as_bot = api.get(f"/api/v1/tickets/{reference}", headers=bot).json()
    assert [m["author_kind"] for m in as_bot["messages"]] == ["customer"]
    other = _open(api, bot, description="another")
    stolen = api.post(f"/api/v1/tickets/{other}/messages", json=body, headers=bot)
    assert stolen.status_code == 409


def test_csat_once_per_ticket(api: TestClient, headers_for: Headers) -> None:
    bot = headers_for(Role.INTEGRATION)
    reference = _open(api, bot)
    url = f"/api/v1/tickets/{reference}/csat"
    assert api.post(url, json={"rating": 6}, headers=bot).status_code == 422
    assert api.post(url, json={"rating": 0}, headers=bot).status_code == 422
    rated = api.post(url, json={"rating": 4, "comment": "quick"}, headers=bot)
    assert rated.status_code == 201 and rated.json()["rating"] == 4
    second = api.post(url, json={"rating": 1}, headers=bot)
    assert second.status_code == 409 and second.json()["error"] == "already_rated"
    detail = api.get(f"/api/v1/tickets/{reference}", headers=bot).json()
    assert detail["csat"]["rating"] == 4 and detail["csat"]["comment"] == "quick"
    assert api.post(url, json={"rating": 3}, headers=headers_for(Role.AGENT)).status_code == 403
    missing = api.post("/api/v1/tickets/DM-999999/csat", json={"rating": 3}, headers=bot)
    assert missing.status_code == 404


def test_a_retried_message_with_the_same_idempotency_key_is_stored_once(
    api: TestClient, headers_for: Headers
) -> None:
    agent = headers_for(Role.AGENT)
    reference = _open(api, headers_for(Role.INTEGRATION))
    url = f"/api/v1/tickets/{reference}/messages"
    reply = {"author_kind": "agent", "body": "Please restart the hub."}
    keyed = agent | {"Idempotency-Key": "reply-1"}
    first = api.post(url, json=reply, headers=keyed)
    assert first.status_code == 201, first.text
    again = api.post(url, json=reply, headers=keyed)
    assert again.status_code == 200 and again.json() == first.json()  # the first, as stored
    assert "reply-1" not in again.text  # only a digest of the key is kept
    changed = api.post(url, json=reply | {"body": "Something else"}, headers=keyed)
    assert changed.status_code == 409 and "Idempotency-Key" in changed.json()["detail"]
    other = _open(api, headers_for(Role.INTEGRATION), description="another")
    elsewhere = api.post(f"/api/v1/tickets/{other}/messages", json=reply, headers=keyed)
    assert elsewhere.status_code == 409
    unkeyed = api.post(url, json=reply, headers=agent)  # without a key: a second message
    assert unkeyed.status_code == 201
    too_long = agent | {"Idempotency-Key": "k" * 300}
    assert api.post(url, json=reply, headers=too_long).status_code == 422
    detail = api.get(f"/api/v1/tickets/{reference}", headers=agent).json()
    assert [m["body"] for m in detail["messages"]].count("Please restart the hub.") == 2
    assert [e["kind"] for e in detail["events"]].count("message") == 2
