"""Messages the assistant sends without the customer writing first (a satisfaction survey, the
assistant resuming after a person): stored in the conversation, then handed to its channel.

Storing is the whole delivery for the web chat (the page polls the history); other channels
(Telegram next) register an adapter that pushes the stored messages out. The caller commits.
"""

from __future__ import annotations

from typing import Protocol

from sqlalchemy.orm import Session

from bot.models import ChatMessage, Conversation, Delivery, Sender
from bot.schemas import OutgoingMessage


class ChannelAdapter(Protocol):
    def push(self, conversation: Conversation, messages: list[ChatMessage]) -> None:
        """Delivers stored messages to the customer; raises on failure."""
        ...


class WebChatAdapter:
    """The web chat polls `GET /api/v1/chat/conversations/{id}/messages`: nothing to push."""

    def push(self, conversation: Conversation, messages: list[ChatMessage]) -> None:
        return None


ADAPTERS: dict[str, ChannelAdapter] = {"web": WebChatAdapter()}


def send_unprompted(
    session: Session,
    *,
    conversation: Conversation,
    replies: list[OutgoingMessage],
    adapters: dict[str, ChannelAdapter] | None = None,
) -> list[ChatMessage]:
    """Stores the assistant's messages in the conversation and hands them to its channel."""
    stored = [
        ChatMessage(
            conversation_id=conversation.id,
            sender=Sender.BOT,
            text=reply.text,
            buttons=[b.model_dump() for b in reply.buttons],
            delivery=Delivery.DELIVERED,
        )
        for reply in replies
    ]
    session.add_all(stored)
    session.flush()
    adapter = (adapters or ADAPTERS).get(conversation.channel)
    if adapter is not None:
        adapter.push(conversation, stored)
    return stored
