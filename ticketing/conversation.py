"""Messages on a ticket (customer, bot, agent, internal note), and the customer's rating."""

from __future__ import annotations

import hashlib

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from deskmate.errors import Conflict
from ticketing import events, repository
from ticketing.models import Channel, CsatRating, MessageAuthor, Ticket, TicketMessage
from ticketing.schemas import CsatCreate, MessageCreate

IDEMPOTENCY_PREFIX = "key:"


def _with_idempotency_key(data: MessageCreate, key: str | None) -> MessageCreate:
    """An ``Idempotency-Key`` becomes the message's channel message id (channel ``api`` unless
    the message names one), so a retried request finds the first message by the same unique
    constraint that stops channel redeliveries. A channel's own message id takes precedence.

    Only a digest of the key is kept: clients build keys from conversation ids, which must not
    reach the audit log or the message list."""
    if not key or data.channel_message_id:
        return data
    digest = hashlib.sha256(key.encode()).hexdigest()
    return data.model_copy(
        update={
            "channel": data.channel or Channel.API,
            "channel_message_id": IDEMPOTENCY_PREFIX + digest,
        }
    )


def add_message(
    session: Session,
    *,
    ticket: Ticket,
    data: MessageCreate,
    actor: str,
    idempotency_key: str | None = None,
) -> tuple[TicketMessage, bool]:
    """Store a message once; a channel's redelivery (same channel message id) or a retry with the
    same ``Idempotency-Key`` returns the first. A key reused for another message is refused."""
    if data.channel_message_id and data.channel is None:
        raise Conflict("channel_message_id needs the channel it came from.", code="bad_request")
    keyed = bool(idempotency_key) and not data.channel_message_id
    data = _with_idempotency_key(data, idempotency_key)
    if data.channel and data.channel_message_id:
        existing = repository.message_by_channel_id(session, data.channel, data.channel_message_id)
        if existing is not None:
            if existing.ticket_id != ticket.id:
                if keyed:
                    raise Conflict("This Idempotency-Key was already used on another ticket.")
                raise Conflict("This channel message id belongs to another ticket.")
            if keyed and (existing.body, existing.author_kind) != (data.body, data.author_kind):
                raise Conflict("This Idempotency-Key was already used with a different message.")
            return existing, False
    message = TicketMessage(
        ticket_id=ticket.id,
        author_kind=data.author_kind,
        author=data.author or actor,
        body=data.body,
        channel=data.channel,
        channel_message_id=data.channel_message_id,
    )
    try:
        with session.begin_nested():
            session.add(message)
    except IntegrityError as exc:
        raise Conflict("This channel message was stored at the same moment; retry.") from exc
    events.record(
        session,
        ticket=ticket,
        kind="message",
        actor=actor,
        data={
            "author_kind": data.author_kind,
            "public": data.author_kind != MessageAuthor.NOTE,
            "message_id": str(message.id),
        },
    )
    session.flush()
    return message, True


def rate(session: Session, *, ticket: Ticket, data: CsatCreate, actor: str) -> CsatRating:
    """One rating per ticket: a second is refused (409), the first is kept."""
    if repository.csat_of(session, ticket.id) is not None:
        raise Conflict(f"{ticket.reference} has already been rated.", code="already_rated")
    rating = CsatRating(ticket_id=ticket.id, rating=data.rating, comment=data.comment)
    try:
        with session.begin_nested():
            session.add(rating)
    except IntegrityError as exc:
        raise Conflict(f"{ticket.reference} has already been rated.", code="already_rated") from exc
    events.record(
        session,
        ticket=ticket,
        kind="csat",
        actor=actor,
        data={"rating": data.rating, "comment": data.comment},
    )
    session.flush()
    return rating
