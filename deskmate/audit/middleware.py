"""Gives every request an id (``X-Request-ID``, kept when the caller sends a sane one) that the
audit log records, and attributes changes made without a token to the anonymous channel user."""

from __future__ import annotations

import re
import uuid

from fastapi import FastAPI
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from deskmate.audit.context import ANONYMOUS, current_actor, current_request_id

HEADER = "X-Request-ID"
_SANE = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")


class RequestIds:
    """Plain ASGI middleware (no per-request task and streams as ``@app.middleware`` costs)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        given = ""
        for name, value in scope.get("headers", ()):
            if name == b"x-request-id":
                given = value.decode("latin-1")
                break
        request_id = given if _SANE.match(given) else uuid.uuid4().hex
        header = (HEADER.lower().encode(), request_id.encode())

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [h for h in message.get("headers", []) if h[0] != header[0]]
                message = {**message, "headers": [*headers, header]}
            await send(message)

        id_token = current_request_id.set(request_id)
        actor_token = current_actor.set(ANONYMOUS)
        try:
            await self.app(scope, receive, send_with_id)
        finally:
            current_request_id.reset(id_token)
            current_actor.reset(actor_token)


def install_request_ids(app: FastAPI) -> None:
    app.add_middleware(RequestIds)
