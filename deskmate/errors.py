"""One error hierarchy; the API renders every one as ``{"error": CODE, "detail": TEXT}``."""

from __future__ import annotations


class DeskmateError(Exception):
    code = "error"
    status_code = 400

    def __init__(self, detail: str, *, code: str | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        if code is not None:
            self.code = code


class BadRequest(DeskmateError):
    code = "bad_request"
    status_code = 400


class NotAuthenticated(DeskmateError):
    code = "not_authenticated"
    status_code = 401


class NotPermitted(DeskmateError):
    code = "not_permitted"
    status_code = 403


class NotFound(DeskmateError):
    code = "not_found"
    status_code = 404


class Conflict(DeskmateError):
    code = "conflict"
    status_code = 409


class PayloadTooLarge(DeskmateError):
    code = "payload_too_large"
    status_code = 413


class Unprocessable(DeskmateError):
    code = "validation_error"
    status_code = 422


class RateLimited(DeskmateError):
    code = "rate_limited"
    status_code = 429


class UpstreamUnavailable(DeskmateError):
    code = "upstream_unavailable"
    status_code = 503
