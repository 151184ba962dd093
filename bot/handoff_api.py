"""The handoff API: the assistant hands a conversation over; people take it, reply, hand back.

`{conversation_id}` is the id the assistant knows the conversation by (for the web chat, the
browser's conversation id).
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Path, Query, Request
from sqlalchemy import select

from bot import handoff as service
from bot.assistant import Assistant, AssistantUnavailable
from bot.models import Handoff, HandoffState
from bot.schemas import (
    AgentMessageIn,
    HandbackRead,
    HandoffCreate,
    HandoffDetail,
    HandoffRead,
    HistoryMessage,
)
from deskmate.auth.principal import Principal
from deskmate.deps import SessionDep, require_permission
from deskmate.pagination import Page, PageNumber, PerPage
from ticketing.listing import page_of, sort_order

router = APIRouter(prefix="/api/v1/conversations", tags=["handoff"])

# The action server hands over with its integration token; people use staff tokens.
CanHandOver = Annotated[Principal, Depends(require_permission("conversations.handoff"))]
Staff = Annotated[Principal, Depends(require_permission("conversations.handle"))]
ConversationId = Annotated[str, Path(min_length=1, max_length=120)]


def _read(handoff: Handoff) -> HandoffRead:
    return HandoffRead(
        conversation_id=handoff.conversation.sender_id,
        state=handoff.state,
        reason=handoff.reason,
        ticket_reference=handoff.ticket_reference,
        agent=handoff.agent,
        created_at=handoff.created_at,
        ended_at=handoff.ended_at,
    )


def _detail(handoff: Handoff) -> HandoffDetail:
    return HandoffDetail(
        **_read(handoff).model_dump(),
        transcript=handoff.transcript,
        articles=handoff.articles,
        intents=handoff.intents,
    )


@router.post("/{conversation_id}/handoff", status_code=201, response_model=HandoffDetail)
def hand_over(
    conversation_id: ConversationId, body: HandoffCreate, session: SessionDep, _: CanHandOver
) -> HandoffDetail:
    """The assistant hands the conversation to a person (idempotent while it is open)."""
    handoff = service.start_handoff(session, sender_id=conversation_id, data=body)
    session.commit()
    return _detail(handoff)


HandoffSort = Literal["created_at", "-created_at", "updated_at", "-updated_at"]


@router.get("", response_model=Page[HandoffRead])
def list_handoffs(
    session: SessionDep,
    _: Staff,
    state: Annotated[list[HandoffState] | None, Query()] = None,
    agent: Annotated[str | None, Query(max_length=100)] = None,
    reason: Annotated[str | None, Query(max_length=30)] = None,
    sort: HandoffSort = "created_at",
    page: PageNumber = 1,
    per_page: PerPage = 20,
) -> Page[HandoffRead]:
    """Conversations waiting for a person or held by one (both unless `state` says), oldest
    first by default; `agent` (`none` for nobody yet) and `reason` filter."""
    query = select(Handoff).where(Handoff.state.in_(tuple(state) if state else service.OPEN_STATES))
    if agent is not None:
        query = query.where(Handoff.agent.is_(None) if agent == "none" else Handoff.agent == agent)
    if reason is not None:
        query = query.where(Handoff.reason == reason)
    columns = {"created_at": Handoff.created_at, "updated_at": Handoff.updated_at}
    return page_of(
        session,
        query,
        page=page,
        per_page=per_page,
        order_by=sort_order(sort, columns, Handoff.id),
        read=_read,
    )


@router.get("/{conversation_id}", response_model=HandoffDetail)
def get_handoff(conversation_id: ConversationId, session: SessionDep, _: Staff) -> HandoffDetail:
    return _detail(service.open_handoff_or_raise(session, conversation_id))


@router.post("/{conversation_id}/take", response_model=HandoffRead)
def take(conversation_id: ConversationId, session: SessionDep, token: Staff) -> HandoffRead:
    handoff = service.open_handoff_or_raise(session, conversation_id)
    service.take(session, handoff=handoff, agent=token.name)
    session.commit()
    return _read(handoff)


@router.post("/{conversation_id}/messages", status_code=201, response_model=HistoryMessage)
def post_agent_message(
    conversation_id: ConversationId, body: AgentMessageIn, session: SessionDep, token: Staff
) -> HistoryMessage:
    """The person's message to the customer (the web chat shows it on its next poll)."""
    handoff = service.open_handoff_or_raise(session, conversation_id)
    message = service.post_agent_message(session, handoff=handoff, agent=token.name, text=body.text)
    session.commit()
    return HistoryMessage(
        sender=message.sender,
        text=message.text,
        buttons=[],
        delivery=message.delivery,
        created_at=message.created_at,
    )


@router.post("/{conversation_id}/handback", response_model=HandbackRead)
def hand_back(
    conversation_id: ConversationId, request: Request, session: SessionDep, _: Staff
) -> HandbackRead:
    """Ends the handoff and tells the assistant, whose greeting back is stored and returned."""
    handoff = service.open_handoff_or_raise(session, conversation_id)
    service.end(session, handoff=handoff)
    sender_id = handoff.conversation.sender_id
    session.commit()  # the customer's next message goes to the assistant, whatever happens next
    assistant: Assistant = request.app.state.assistant
    try:
        replies = assistant.resume(sender_id=sender_id)
    except AssistantUnavailable:
        replies = []
    service.record_assistant_replies(session, handoff=handoff, replies=replies)
    session.commit()
    return HandbackRead(**_read(handoff).model_dump(), messages=replies)
