import asyncio

import httpx
import pytest

from actions.client import DeskmateApiError, DeskmateClient, TicketCreate
from tests.actions.action_factories import FakeApi, ticket_body


def test_from_env_reads_url_token_and_timeout(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DESKMATE_API_URL", "http://api.example:9000/")
    monkeypatch.setenv("DESKMATE_API_TOKEN", "s3cret")
    monkeypatch.setenv("DESKMATE_API_TIMEOUT", "2.5")
    seen: list[httpx.Request] = []

    def handle(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json=ticket_body())

    client = DeskmateClient.from_env(transport=httpx.MockTransport(handle))
    asyncio.run(client.get_ticket("DM-000123"))

    (request,) = seen
    assert str(request.url) == "http://api.example:9000/api/v1/tickets/DM-000123"
    assert request.headers["Authorization"] == "Bearer s3cret"
    assert request.extensions["timeout"] == {
        "connect": 2.5,
        "read": 2.5,
        "write": 2.5,
        "pool": 2.5,
    }


def test_defaults_without_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("DESKMATE_API_URL", "DESKMATE_API_TOKEN", "DESKMATE_API_TIMEOUT"):
        monkeypatch.delenv(name, raising=False)
    seen: list[httpx.Request] = []

    def handle(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"query": "q", "decision": "no_answer", "results": []})

    asyncio.run(DeskmateClient.from_env(httpx.MockTransport(handle)).search_kb("q", language="en"))

    assert str(seen[0].url).startswith("http://127.0.0.1:8000/api/v1/kb/search?")
    assert "Authorization" not in seen[0].headers
    assert seen[0].extensions["timeout"]["read"] == 5.0


def test_error_body_is_wrapped(api: FakeApi) -> None:
    api.on("POST", "/api/v1/tickets", 409, {"error": "conflict", "detail": "key reused"})
    ticket = TicketCreate(
        description="The hub is offline",
        product=None,
        email="a@example.com",
        conversation_id=None,
        language="en",
    )

    with pytest.raises(DeskmateApiError) as caught:
        asyncio.run(api.client().create_ticket(ticket, idempotency_key="c:1"))

    assert caught.value.status_code == 409
    assert caught.value.code == "conflict"
    assert "key reused" in str(caught.value)


def test_get_ticket_returns_none_on_404(api: FakeApi) -> None:
    api.on("GET", "/api/v1/tickets/DM-000999", 404, {"error": "not_found", "detail": "x"})

    assert asyncio.run(api.client().get_ticket("DM-000999")) is None


def test_connect_error_is_retried_once_then_wrapped(api: FakeApi) -> None:
    api.fail_with(httpx.ConnectError("refused"))

    with pytest.raises(DeskmateApiError, match="ConnectError"):
        asyncio.run(api.client().get_ticket("DM-000001"))

    assert len(api.requests) == 2


def test_connect_error_then_success(api: FakeApi) -> None:
    calls = 0

    def flaky(request: httpx.Request) -> httpx.Response:
        nonlocal calls
        calls += 1
        if calls == 1:
            raise httpx.ConnectError("refused")
        return httpx.Response(200, json=ticket_body(status="closed"))

    api.routes[("GET", "/api/v1/tickets/DM-000123")] = flaky

    ticket = asyncio.run(api.client().get_ticket("DM-000123"))

    assert ticket is not None and ticket.status == "closed"


def test_non_json_error_body(api: FakeApi) -> None:
    api.routes[("GET", "/api/v1/tickets/DM-000123")] = lambda r: httpx.Response(
        502, text="Bad Gateway"
    )

    with pytest.raises(DeskmateApiError) as caught:
        asyncio.run(api.client().get_ticket("DM-000123"))

    assert caught.value.status_code == 502
    assert caught.value.code is None


def test_every_call_shares_one_tls_context(monkeypatch: pytest.MonkeyPatch) -> None:
    import ssl

    from actions.client import tls_context

    verify: list[object] = []
    real_init = httpx.AsyncClient.__init__

    def spy(self: httpx.AsyncClient, *args: object, **kwargs: object) -> None:
        verify.append(kwargs.get("verify"))
        real_init(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(httpx.AsyncClient, "__init__", spy)

    def handle(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"query": "q", "decision": "no_answer", "results": []})

    client = DeskmateClient(base_url="https://api.example", transport=httpx.MockTransport(handle))
    asyncio.run(client.search_kb("q", language="en"))
    asyncio.run(client.search_kb("again", language="en"))
    # A client per call (connections stay short-lived), one CA bundle read for all of them.
    assert len(verify) == 2
    assert verify[0] is verify[1] is tls_context()
    assert isinstance(verify[0], ssl.SSLContext)
    assert verify[0].verify_mode == ssl.CERT_REQUIRED and verify[0].check_hostname
