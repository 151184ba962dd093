from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.models import ChatMessage, Conversation, Handoff, HandoffState, Sender


def get_conversation(session: Session, *, channel: str, external_id: str) -> Conversation | None:
    return session.scalar(
        select(Conversation).where(
            Conversation.channel == channel, Conversation.external_id == external_id
        )
    )


def count_customer_messages_since(
    session: Session, *, conversation_id: uuid.UUID, since: datetime
) -> int:
    return int(
        session.scalar(
            select(func.count())
            .select_from(ChatMessage)
            .where(
                ChatMessage.conversation_id == conversation_id,
                ChatMessage.sender == Sender.CUSTOMER,
                ChatMessage.created_at >= since,
            )
        )
        or 0
    )


def messages(
    session: Session, *, conversation_id: uuid.UUID, limit: int, after: datetime | None = None
) -> list[ChatMessage]:
    query = select(ChatMessage).where(ChatMessage.conversation_id == conversation_id)
    if after is not None:
        query = query.where(ChatMessage.created_at > after)
    rows = session.scalars(
        query.order_by(ChatMessage.created_at.desc(), ChatMessage.id).limit(limit)
    ).all()
    return list(reversed(rows))


def latest_handoff(
    session: Session, *, conversation_id: uuid.UUID, states: tuple[HandoffState, ...]
) -> Handoff | None:
    return session.scalar(
        select(Handoff)
        .where(Handoff.conversation_id == conversation_id, Handoff.state.in_(states))
        .order_by(Handoff.created_at.desc())
        .limit(1)
    )
