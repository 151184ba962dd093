from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

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


class SignedIdentity(BaseModel):
    """The signed-in customer, as the site embedding the chat vouches for them (bot.identify)."""

    model_config = ConfigDict(str_strip_whitespace=True, extra="forbid")

    email: str = Field(min_length=3, max_length=320, pattern=r"^[^@\s]+@[^@\s]+$")
    signature: str = Field(min_length=64, max_length=64, pattern=r"^[0-9a-fA-F]{64}$")


class ChatIdentifyIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    conversation_id: str = Field(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9_.:\-]+$")
    identity: SignedIdentity


class ChatIdentified(BaseModel):
    conversation_id: str
    verified: bool


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


class TranscriptTurn(BaseModel):
    who: Literal["customer", "bot", "agent"]
    text: str = Field(max_length=10_000)


class HandoffCreate(BaseModel):
    """What the assistant hands over (posted by action_handoff)."""

    reason: Literal["request", "repeated_failure", "complaint"]
    ticket_reference: str | None = Field(default=None, max_length=20)
    language: Literal["en", "zh"] = "en"
    transcript: list[TranscriptTurn] = Field(default_factory=list, max_length=200)
    articles: list[dict[str, Any]] = Field(default_factory=list, max_length=100)
    intents: list[str] = Field(default_factory=list, max_length=200)


class HandoffRead(BaseModel):
    conversation_id: str
    state: str
    reason: str
    ticket_reference: str | None
    agent: str | None
    created_at: datetime
    ended_at: datetime | None


class HandoffDetail(HandoffRead):
    transcript: list[TranscriptTurn]
    articles: list[dict[str, Any]]
    intents: list[str]


class AgentMessageIn(BaseModel):
    text: str = Field(min_length=1, max_length=4000)


class HandbackRead(HandoffRead):
    messages: list[OutgoingMessage]
