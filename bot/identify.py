"""Signed identities from the site that embeds the web chat.

The host site knows who is signed in; the chat does not. The site passes the customer's email
and ``hex(HMAC-SHA256(secret, email))`` into the widget's config; the gateway checks the
signature in constant time and only then links the visitor's conversation to that customer as
*verified*. An email typed into a form never does this (see ticketing.customers.service).
"""

from __future__ import annotations

import hashlib
import hmac

from sqlalchemy.orm import Session

from deskmate.errors import NotPermitted
from ticketing.customers.service import link_verified_identity


class IdentityRefused(NotPermitted):
    code = "identity_refused"


def normalise(email: str) -> str:
    return email.strip().lower()


def sign(secret: str, email: str) -> str:
    """The signature the host site computes (documented for site developers; used in tests)."""
    return hmac.new(secret.encode(), normalise(email).encode(), hashlib.sha256).hexdigest()


def signature_valid(secret: str | None, email: str, signature: str) -> bool:
    if not secret:
        return False
    expected = sign(secret, email)
    return hmac.compare_digest(expected.encode(), signature.strip().lower().encode())


def identify(
    session: Session,
    *,
    channel: str,
    external_id: str,
    email: str,
    signature: str,
    secret: str | None,
    language: str = "en",
) -> None:
    """Links the conversation's identity to the customer, verified; raises (linking nothing)
    when identity signing is not configured or the signature does not match."""
    if not secret:
        raise IdentityRefused(
            "Signed identities are not enabled on this desk "
            "(DESKMATE_WIDGET_IDENTITY_SECRET is not set); nothing was linked."
        )
    if not signature_valid(secret, email, signature):
        raise IdentityRefused("The identity signature does not match; nothing was linked.")
    link_verified_identity(
        session, channel=channel, external_id=external_id, email=normalise(email), language=language
    )
