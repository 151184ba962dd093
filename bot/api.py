from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Path, Query, Request

from bot import handoff, identify, service
from bot.assistant import Assistant
from bot.models import Delivery
from bot.schemas import ChatHistory, ChatIdentified, ChatIdentifyIn, ChatMessageIn, ChatReply
from deskmate.deps import SessionDep, SettingsDep
from deskmate.errors import DeskmateError

router = APIRouter(prefix="/api/v1/chat", tags=["chat"])

WEB = "web"


@router.post("/messages", response_model=ChatReply)
def post_message(
    body: ChatMessageIn, request: Request, session: SessionDep, settings: SettingsDep
) -> ChatReply:
    """A customer's message from the web chat: stored, then answered by the assistant."""
    try:
        message = service.receive(
            session,
            channel=WEB,
            external_id=body.conversation_id,
            text=body.text,
            max_chars=settings.chat_max_chars,
            rate_per_minute=settings.chat_rate_per_minute,
            limiter=request.app.state.rate_limiter,
        )
    except DeskmateError:
        session.commit()  # keep what was stored (a rejected message) before answering the error
        raise
    if handoff.open_handoff(session, message.conversation) is not None:
        # A person has the conversation: the message waits for them, the assistant stays silent.
        message.delivery = Delivery.DELIVERED
        session.commit()
        return ChatReply(conversation_id=body.conversation_id, messages=[])
    pending = service.outbound(message)
    session.commit()  # stored before it goes anywhere; no transaction is open from here on
    assistant: Assistant = request.app.state.assistant
    answer = service.ask_assistant(pending, assistant=assistant)
    service.record_answer(session, message=pending, answer=answer)
    session.commit()
    return ChatReply(conversation_id=body.conversation_id, messages=answer.replies)


@router.get("/conversations/{conversation_id}/messages", response_model=ChatHistory)
def get_history(
    conversation_id: Annotated[str, Path(min_length=1, max_length=100)],
    session: SessionDep,
    after: Annotated[
        datetime | None, Query(description="Only messages created after this time.")
    ] = None,
) -> ChatHistory:
    """The conversation's messages; the chat page polls with `after` for a person's replies."""
    return service.history(session, channel=WEB, external_id=conversation_id, after=after)


@router.post("/identify", response_model=ChatIdentified)
def post_identify(
    body: ChatIdentifyIn, session: SessionDep, settings: SettingsDep
) -> ChatIdentified:
    """The signed-in customer of the embedding site (email + HMAC-SHA256 under the widget
    identity secret): the conversation is then linked to them as verified, so the assistant may
    greet them by name with their open tickets. A bad signature is refused (403), nothing linked.
    """
    secret = settings.widget_identity_secret
    identify.identify(
        session,
        channel=WEB,
        external_id=body.conversation_id,
        email=body.identity.email,
        signature=body.identity.signature,
        secret=secret.get_secret_value() if secret else None,
    )
    session.commit()
    return ChatIdentified(conversation_id=body.conversation_id, verified=True)
