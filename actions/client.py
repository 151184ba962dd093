"""Typed HTTP client of the Deskmate app API, as used by the custom actions."""

import functools
import hashlib
import logging
import ssl
from collections.abc import Callable
from datetime import datetime
from typing import Any, Literal, TypeVar
from urllib.parse import quote

import certifi
import httpx
from pydantic import BaseModel, Field, SecretStr, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

logger = logging.getLogger(__name__)

ModelT = TypeVar("ModelT", bound=BaseModel)


class DeskmateApiSettings(BaseSettings):
    """Where the actions find the app API (env: DESKMATE_API_URL, _TOKEN, _TIMEOUT)."""

    model_config = SettingsConfigDict(env_prefix="DESKMATE_API_")

    url: str = "http://127.0.0.1:8000"
    token: SecretStr | None = None
    timeout: float = Field(default=5.0, gt=0)


class DeskmateApiError(Exception):
    """The app API could not be reached or answered with an error."""

    def __init__(self, message: str, *, status_code: int | None = None, code: str | None = None):
        super().__init__(message)
        self.status_code = status_code
        self.code = code


class KbSearchResult(BaseModel):
    article_id: str
    title: str
    score: float
    snippet: str
    url: str


class KbSearchRead(BaseModel):
    query: str
    decision: Literal["answer", "clarify", "no_answer"]
    results: list[KbSearchResult]

    @property
    def answer(self) -> KbSearchResult | None:
        """The article that answers the query, if the API decided there is one."""
        if self.decision == "answer" and self.results:
            return self.results[0]
        return None

    @property
    def choices(self) -> list[KbSearchResult]:
        """The articles to offer when the API is unsure (at most three)."""
        return self.results[:3] if self.decision == "clarify" else []


class ExpertRead(BaseModel):
    expert_id: str
    name: str
    reasons: list[str] = []
    score: float
    available: bool


class ExpertSearchRead(BaseModel):
    query: str
    results: list[ExpertRead]


class HandoffCreate(BaseModel):
    """What the assistant hands to a person: why, the ticket, and what it saw and tried."""

    reason: Literal["request", "repeated_failure", "complaint"]
    ticket_reference: str | None
    language: Literal["en", "zh"]
    transcript: list[dict[str, str]]
    articles: list[dict[str, Any]]
    intents: list[str]


class HandoffRead(BaseModel):
    conversation_id: str
    state: str
    ticket_reference: str | None = None


TicketType = Literal["consultation", "fault", "complaint", "suggestion", "request"]


class ChannelIdentity(BaseModel):
    """How the channel knows the customer; the API resolves the customer (and tier) from it."""

    channel: str
    external_id: str = Field(min_length=1, max_length=200)


class OpenTicket(BaseModel):
    reference: str
    status: str
    type: str
    product: str | None = None


class CustomerProfile(BaseModel):
    # False: the identity was linked by a typed email; nothing of the customer may be shown.
    verified: bool = False
    name: str | None
    language: str
    tier: str
    open_tickets: list[OpenTicket]


class CsatResult(BaseModel):
    rating: int


class TicketCreate(BaseModel):
    description: str = Field(min_length=1, max_length=2000)
    product: str | None
    email: str | None
    channel: str = "web"
    conversation_id: str | None
    language: Literal["en", "zh"]
    type: TicketType = "fault"
    category: str | None = None
    channel_identity: ChannelIdentity | None = None


class TicketRead(BaseModel):
    reference: str
    status: str
    conversation_id: str | None = None
    product: str | None = None
    description: str
    email: str | None = None
    type: str | None = None
    created_at: datetime
    team: str | None = None
    assignee: str | None = None


@functools.cache
def tls_context() -> ssl.SSLContext:
    """One TLS context (certifi's CA bundle) for every call this process makes.

    A new ``httpx.AsyncClient`` builds its own context by default, reading the whole CA bundle:
    about 38 ms of CPU per client on the 2-core machine, and the action server made a client per
    API call (62 ms of its CPU per knowledge turn in all). With this shared context a client
    costs about 1 ms; certificates are verified exactly as before.
    """
    return ssl.create_default_context(cafile=certifi.where())


class DeskmateClient:
    """Calls the app API: knowledge-base search and tickets.

    Each call opens its own short-lived connection, so one client can be shared by concurrent
    actions and by event loops that come and go (tests). `transport` replaces the network
    (tests pass an `httpx.MockTransport`).
    """

    def __init__(
        self,
        *,
        base_url: str,
        token: str | None = None,
        timeout: float = 5.0,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self._base_url = base_url.rstrip("/")
        self._headers = {"Accept": "application/json"}
        if token:
            self._headers["Authorization"] = f"Bearer {token}"
        self._timeout = httpx.Timeout(timeout)
        self._transport = transport

    @classmethod
    def from_env(cls, transport: httpx.AsyncBaseTransport | None = None) -> "DeskmateClient":
        settings = DeskmateApiSettings()
        return cls(
            base_url=settings.url,
            token=settings.token.get_secret_value() if settings.token else None,
            timeout=settings.timeout,
            transport=transport,
        )

    async def search_kb(
        self, query: str, *, language: str, k: int = 3, conversation_id: str | None = None
    ) -> KbSearchRead:
        params: dict[str, str | int] = {"q": query, "k": k, "language": language}
        if conversation_id:
            params["conversation_id"] = conversation_id  # lets erasure find the query log
        response = await self._request("GET", "/api/v1/kb/search", params=params)
        return _parse(KbSearchRead, response)

    async def vote_in_conversation(
        self, conversation_id: str, *, helpful: bool, article_id: str | None = None
    ) -> bool:
        """ "Did this help?" answered in the chat: a vote on the conversation's latest answer
        (on `article_id` when given, e.g. a clarification's choice the customer picked).
        Returns False when the answer already has a vote (409) or none was shown lately (404);
        the customer need not hear about either."""
        body: dict[str, Any] = {"helpful": helpful}
        if article_id:
            body["article_id"] = article_id
        try:
            await self._request(
                "POST",
                f"/api/v1/kb/conversations/{quote(conversation_id, safe='')}/feedback",
                json=body,
            )
        except DeskmateApiError as e:
            if e.status_code in (404, 409):
                return False
            raise
        return True

    async def search_experts(self, query: str, *, k: int = 3) -> ExpertSearchRead:
        response = await self._request("GET", "/api/v1/experts/search", params={"q": query, "k": k})
        return _parse(ExpertSearchRead, response)

    async def start_handoff(self, conversation_id: str, handoff: HandoffCreate) -> HandoffRead:
        """Hands the conversation to a person: the gateway stops forwarding it to the bot."""
        response = await self._request(
            "POST",
            f"/api/v1/conversations/{quote(conversation_id, safe='')}/handoff",
            json=handoff.model_dump(mode="json"),
        )
        return _parse(HandoffRead, response)

    async def create_ticket(self, ticket: TicketCreate, *, idempotency_key: str) -> TicketRead:
        """Opens a ticket; the idempotency key makes a retried call return the same ticket."""
        response = await self._request(
            "POST",
            "/api/v1/tickets",
            json=ticket.model_dump(mode="json"),
            headers={"Idempotency-Key": idempotency_key},
        )
        return _parse(TicketRead, response)

    async def get_ticket(self, reference: str) -> TicketRead | None:
        """Returns the ticket, or None when no ticket has this reference."""
        try:
            response = await self._request("GET", f"/api/v1/tickets/{quote(reference, safe='')}")
        except DeskmateApiError as e:
            if e.status_code == 404:
                return None
            raise
        return _parse(TicketRead, response)

    async def customer_by_identity(self, identity: ChannelIdentity) -> CustomerProfile | None:
        """The customer behind a channel identity, or None for a stranger."""
        try:
            response = await self._request(
                "GET", "/api/v1/customers/by-identity", params=identity.model_dump()
            )
        except DeskmateApiError as e:
            if e.status_code == 404:
                return None
            raise
        return _parse(CustomerProfile, response)

    async def add_ticket_message(
        self, reference: str, *, body: str, channel: str, message_id: str
    ) -> None:
        """Appends the customer's message to an existing ticket; `message_id` makes a retried
        call store it once. Only its digest is sent: the id is built from the conversation id,
        which must not show in the ticket's message list or the audit log."""
        digest = hashlib.sha256(message_id.encode()).hexdigest()[:40]
        await self._request(
            "POST",
            f"/api/v1/tickets/{quote(reference, safe='')}/messages",
            json={
                "author_kind": "customer",
                "body": body,
                "channel": channel,
                "channel_message_id": f"assistant-{digest}",
            },
            headers={"Idempotency-Key": f"assistant-{digest}"},
        )

    async def rate_ticket(self, reference: str, *, rating: int, comment: str | None) -> bool:
        """Stores the customer's rating; False when the ticket was already rated (409)."""
        try:
            await self._request(
                "POST",
                f"/api/v1/tickets/{quote(reference, safe='')}/csat",
                json={"rating": rating, "comment": comment},
            )
        except DeskmateApiError as e:
            if e.status_code == 409:
                return False
            raise
        return True

    async def _request(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, Any] | None = None,
        json: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> httpx.Response:
        # Every call here is safe to repeat (reads, or a create with an idempotency key), so a
        # refused connection (API restarting) is retried once; timeouts are not, to keep the
        # worst case at one timeout.
        async with httpx.AsyncClient(
            base_url=self._base_url,
            headers=self._headers,
            timeout=self._timeout,
            transport=self._transport,
            verify=tls_context(),
        ) as client:
            try:
                try:
                    response = await client.request(
                        method, path, params=params, json=json, headers=headers
                    )
                except httpx.ConnectError:
                    logger.info("%s %s: cannot connect, retrying once", method, path)
                    response = await client.request(
                        method, path, params=params, json=json, headers=headers
                    )
            except httpx.HTTPError as e:
                raise DeskmateApiError(f"{method} {path}: {e!r}") from e
        if response.is_success:
            return response
        code, detail = _error_body(response)
        raise DeskmateApiError(
            f"{method} {path}: HTTP {response.status_code} {code}: {detail}",
            status_code=response.status_code,
            code=code,
        )


def _error_body(response: httpx.Response) -> tuple[str | None, str]:
    try:
        body = response.json()
    except ValueError:
        return None, response.text[:200]
    if isinstance(body, dict):
        return body.get("error"), str(body.get("detail", ""))
    return None, str(body)[:200]


def _parse(model: type[ModelT], response: httpx.Response) -> ModelT:
    try:
        return model.model_validate_json(response.content)
    except ValidationError as e:
        raise DeskmateApiError(
            f"unexpected response from {response.request.url.path}: {e}",
            status_code=response.status_code,
            code="invalid_response",
        ) from e


ClientFactory = Callable[[], DeskmateClient]
"""How actions get a client: `DeskmateClient.from_env` in production, a mock-backed one in tests."""
