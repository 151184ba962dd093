"""The conversation gateway: a customer's message is stored first, then handed to the assistant.

Receiving and forwarding are separate steps so that the caller can commit in between: whatever
happens to the assistant afterwards, the customer's words are already on disk.
"""

from __future__ import annotations

import re
from datetime import timedelta
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

CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
HISTORY_LIMIT = 500

UNAVAILABLE = {
    "en": "Sorry, our assistant is unavailable right now. Your message is saved and we'll get "
    "back to you; you can also try again in a minute.",
    "zh": "抱歉，智能助手暂时无法使用。您的消息已保存，我们会尽快回复您；您也可以稍后再试。",
}


def detect_language(text: str, *, default: str = "en") -> str:
    return "zh" if CJK.search(text) else default


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


def forward(
    session: Session, *, message: ChatMessage, assistant: Assistant
) -> list[OutgoingMessage]:
    """Hand a stored message to the assistant and store what it answers."""
    conversation = message.conversation
    metadata: dict[str, Any] = {"channel": conversation.channel, "language": conversation.language}
    try:
        replies = assistant.send(
            sender_id=conversation.sender_id, text=message.text, metadata=metadata
        )
    except AssistantUnavailable:
        message.delivery = Delivery.FAILED
        replies = [OutgoingMessage(text=UNAVAILABLE.get(conversation.language, UNAVAILABLE["en"]))]
        sender = Sender.SYSTEM
    else:
        message.delivery = Delivery.DELIVERED
        sender = Sender.BOT
    for reply in replies:
        session.add(
            ChatMessage(
                conversation_id=conversation.id,
                sender=sender,
                text=reply.text,
                buttons=[b.model_dump() for b in reply.buttons],
                delivery=Delivery.DELIVERED,
            )
        )
    session.flush()
    return replies


def history(session: Session, *, channel: str, external_id: str) -> ChatHistory:
    conversation = repository.get_conversation(session, channel=channel, external_id=external_id)
    if conversation is None:
        raise NotFound("No such conversation.")
    rows = repository.messages(session, conversation_id=conversation.id, limit=HISTORY_LIMIT)
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
