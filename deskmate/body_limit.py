"""Refuses a request whose declared body is too large (413) before anything reads it.

Plain ASGI middleware: ``@app.middleware("http")`` runs every request through an extra task and
memory streams, which cost more than the rest of a small request's routing.
"""

from __future__ import annotations

from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send


class BodyLimit:
    def __init__(self, app: ASGIApp, *, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            for name, value in scope.get("headers", ()):
                if name == b"content-length":
                    if value.isdigit() and int(value) > self.max_bytes:
                        response = JSONResponse(
                            status_code=413,
                            content={
                                "error": "payload_too_large",
                                "detail": f"The body is larger than {self.max_bytes} bytes.",
                            },
                        )
                        await response(scope, receive, send)
                        return
                    break
        await self.app(scope, receive, send)
