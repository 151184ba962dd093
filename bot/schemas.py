from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field


class Button(BaseModel):
    title: str
    payload: str


class OutgoingMessage(BaseModel):
    text: str
    buttons: list[Button] = Field(default_factory=list)


class ChatMessageIn(BaseModel):
    """What the web chat posts. Text length is checked by the service (413, and kept)."""

    model_config = ConfigDict(extra="ignore")

    conversation_id: str = Field(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9_.:\-]+$")
    text: str = Field(max_length=1_000_000)


class ChatReply(BaseModel):
    conversation_id: str
    messages: list[OutgoingMessage]


class HistoryMessage(OutgoingMessage):
    sender: str
    delivery: str
    created_at: datetime


class ChatHistory(BaseModel):
    conversation_id: str
    messages: list[HistoryMessage]
