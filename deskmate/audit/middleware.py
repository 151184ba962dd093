"""Gives every request an id (``X-Request-ID``, kept when the caller sends a sane one) that the
audit log records, and attributes changes made without a token to the anonymous channel user."""

from __future__ import annotations

import re
import uuid
from collections.abc import Awaitable, Callable

from fastapi import FastAPI, Request, Response

from deskmate.audit.context import ANONYMOUS, current_actor, current_request_id

HEADER = "X-Request-ID"
_SANE = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")


def install_request_ids(app: FastAPI) -> None:
    @app.middleware("http")
    async def _request_id(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        given = request.headers.get(HEADER, "")
        request_id = given if _SANE.match(given) else uuid.uuid4().hex
        id_token = current_request_id.set(request_id)
        actor_token = current_actor.set(ANONYMOUS)
        try:
            response = await call_next(request)
        finally:
            current_request_id.reset(id_token)
            current_actor.reset(actor_token)
        response.headers[HEADER] = request_id
        return response
