"""The conversation gateway: a customer's message is stored first, then handed to the assistant.

Receiving and forwarding are separate steps so that the caller can commit in between: whatever
happens to the assistant afterwards, the customer's words are already on disk.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot import repository
from bot.assistant import Assistant, AssistantUnavailable
from bot.models import ChatMessage, Conversation, Delivery, Sender
from bot.ratelimit import RateLimiter
from bot.schemas import ChatHistory, HistoryMessage, OutgoingMessage
from deskmate.db import utcnow
from deskmate.errors import NotFound, PayloadTooLarge, RateLimited, Unprocessable
from deskmate.language import detect_language

HISTORY_LIMIT = 500

UNAVAILABLE = {
    "en": "Sorry, our assistant is unavailable right now. Your message is saved and we'll get "
    "back to you; you can also try again in a minute.",
    "zh": "抱歉，智能助手暂时无法使用。您的消息已保存，我们会尽快回复您；您也可以稍后再试。",
}


def get_or_create_conversation(session: Session, *, channel: str, external_id: str) -> Conversation:
    conversation = repository.get_conversation(session, channel=channel, external_id=external_id)
    if conversation is not None:
        return conversation
    conversation = Conversation(channel=channel, external_id=external_id)
    try:
        with session.begin_nested():
            session.add(conversation)
    except IntegrityError:
        # Two first messages raced; the other request created it.
        found = repository.get_conversation(session, channel=channel, external_id=external_id)
        assert found is not None
        return found
    return conversation


def receive(
    session: Session,
    *,
    channel: str,
    external_id: str,
    text: str,
    max_chars: int,
    rate_per_minute: int,
    limiter: RateLimiter | None = None,
) -> ChatMessage:
    """Store the customer's message. Raises (after storing it) if it must not be forwarded."""
    cleaned = text.strip()
    if not cleaned:
        raise Unprocessable("The message is empty.", code="empty_message")
    conversation = get_or_create_conversation(session, channel=channel, external_id=external_id)
    message = ChatMessage(conversation_id=conversation.id, sender=Sender.CUSTOMER, text=cleaned)
    session.add(message)
    if len(cleaned) > max_chars:
        message.delivery = Delivery.REJECTED
        session.flush()
        raise PayloadTooLarge(
            f"The message has {len(cleaned)} characters; the limit is {max_chars}. "
            "It was saved but not sent to the assistant: please send a shorter message.",
            code="message_too_long",
        )
    if limiter is not None:
        allowed = limiter.hit(f"{channel}:{external_id}", limit=rate_per_minute)
    else:
        recent = repository.count_customer_messages_since(
            session, conversation_id=conversation.id, since=utcnow() - timedelta(minutes=1)
        )
        allowed = recent <= rate_per_minute  # the count includes this message
    if not allowed:
        message.delivery = Delivery.REJECTED
        session.flush()
        raise RateLimited(
            f"More than {rate_per_minute} messages in a minute; please wait a moment.",
        )
    conversation.language = detect_language(cleaned, default=conversation.language)
    session.flush()
    return message


@dataclass(frozen=True)
class Outbound:
    """What the assistant needs of a stored message, read before the transaction ends."""

    message_id: uuid.UUID
    conversation_id: uuid.UUID
    sender_id: str
    text: str
    language: str
    metadata: dict[str, Any]


@dataclass(frozen=True)
class AssistantAnswer:
    replies: list[OutgoingMessage]
    delivered: bool


def outbound(message: ChatMessage) -> Outbound:
    conversation = message.conversation
    return Outbound(
        message_id=message.id,
        conversation_id=conversation.id,
        sender_id=conversation.sender_id,
        text=message.text,
        language=conversation.language,
        metadata={"channel": conversation.channel, "language": conversation.language},
    )


def ask_assistant(message: Outbound, *, assistant: Assistant) -> AssistantAnswer:
    """Call the assistant. No database work here: the caller holds no transaction meanwhile,
    because the assistant's actions write to the same database (on SQLite a read transaction
    kept open across their write could not write afterwards)."""
    try:
        replies = assistant.send(
            sender_id=message.sender_id, text=message.text, metadata=message.metadata
        )
    except AssistantUnavailable:
        text = UNAVAILABLE.get(message.language, UNAVAILABLE["en"])
        return AssistantAnswer(replies=[OutgoingMessage(text=text)], delivered=False)
    return AssistantAnswer(replies=replies, delivered=True)


def record_answer(session: Session, *, message: Outbound, answer: AssistantAnswer) -> None:
    stored = session.get(ChatMessage, message.message_id)
    if stored is not None:
        stored.delivery = Delivery.DELIVERED if answer.delivered else Delivery.FAILED
    sender = Sender.BOT if answer.delivered else Sender.SYSTEM
    for reply in answer.replies:
        session.add(
            ChatMessage(
                conversation_id=message.conversation_id,
                sender=sender,
                text=reply.text,
                buttons=[b.model_dump() for b in reply.buttons],
                delivery=Delivery.DELIVERED,
            )
        )
    session.flush()


def history(
    session: Session, *, channel: str, external_id: str, after: datetime | None = None
) -> ChatHistory:
    conversation = repository.get_conversation(session, channel=channel, external_id=external_id)
    if conversation is None:
        raise NotFound("No such conversation.")
    rows = repository.messages(
        session, conversation_id=conversation.id, limit=HISTORY_LIMIT, after=after
    )
    return ChatHistory(
        conversation_id=external_id,
        messages=[
            HistoryMessage(
                sender=row.sender,
                text=row.text,
                buttons=row.buttons or [],
                delivery=row.delivery,
                created_at=row.created_at,
            )
            for row in rows
        ],
    )
