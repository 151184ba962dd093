"""What the assistant hands to a person: the conversation, the intents it saw, and the
handoff request it posts (shared by action_handoff and the serious-complaint path)."""

import re
from typing import Any, Literal

from rasa_sdk import Tracker

from actions.client import HandoffCreate
from actions.language import tracker_language
from actions.slots import KB_ARTICLES_SLOT

TRANSCRIPT_TURNS = 40

# Words that make a complaint serious enough for a person at once: safety, legal threats,
# regulators, media. Matched case-insensitively, Chinese as substrings.
_SERIOUS = re.compile(
    r"(?<![a-z])(?:fire|smoke|burn(?:t|ed|ing)?|shock|injur(?:y|ed)|danger(?:ous)?|lawyer|"
    r"legal action|sue|court|regulator|press|journalist)(?![a-z])"
    r"|起火|冒烟|烧焦|触电|受伤|危险|律师|起诉|法院|投诉到|消协|媒体|曝光",
    re.IGNORECASE,
)


def is_serious(description: str | None) -> bool:
    return bool(description and _SERIOUS.search(description))


def transcript(tracker: Tracker) -> list[dict[str, str]]:
    """The conversation so far as {who, text} turns (the latest TRANSCRIPT_TURNS)."""
    turns = []
    for event in tracker.events:
        if event.get("event") == "user" and event.get("text"):
            turns.append({"who": "customer", "text": str(event["text"])})
        elif event.get("event") == "bot" and event.get("text"):
            turns.append({"who": "bot", "text": str(event["text"])})
    return turns[-TRANSCRIPT_TURNS:]


def intents_seen(tracker: Tracker) -> list[str]:
    seen = []
    for event in tracker.events:
        if event.get("event") == "user":
            name = (event.get("parse_data") or {}).get("intent", {}).get("name")
            if name:
                seen.append(str(name))
    return seen


def handoff_context(
    tracker: Tracker,
    *,
    reason: Literal["request", "repeated_failure", "complaint"],
    ticket_reference: str,
) -> HandoffCreate:
    articles: list[dict[str, Any]] = list(tracker.get_slot(KB_ARTICLES_SLOT) or [])
    return HandoffCreate(
        reason=reason,
        ticket_reference=ticket_reference,
        language=tracker_language(tracker),
        transcript=transcript(tracker),
        articles=articles,
        intents=intents_seen(tracker),
    )
