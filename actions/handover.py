"""Handing the conversation to a person: a ticket with the handoff context, then the handoff.

Shared by `action_handoff` (the customer asks for a person) and the failure paths (no answer,
"didn't help", not understood) once they reach `failures_before_person()` failed turns.
"""

import logging
from typing import Any, Literal

from pydantic import ValidationError
from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.client import DeskmateApiError, DeskmateClient, TicketCreate
from actions.context import handoff_context, intents_seen, transcript
from actions.identity import channel_identity
from actions.language import tracker_language
from actions.products import NO_PRODUCT
from actions.slots import (
    HANDOFF_REASON_SLOT,
    KB_ARTICLES_SLOT,
    KB_DECISION_SLOT,
    KB_FAILURES_SLOT,
    TICKET_REFERENCE_SLOT,
    failures_before_person,
)
from actions.texts import text

logger = logging.getLogger(__name__)

SUMMARY_MAX = 1900
Reason = Literal["request", "repeated_failure"]


def failures(tracker: Tracker) -> int:
    """Consecutive failed turns so far (since the chat started, the last hand-back or the last
    success: an answer, a completed form, a found ticket status all set it back to 0)."""
    value = tracker.get_slot(KB_FAILURES_SLOT)
    return int(value) if isinstance(value, int | float) else 0


def turns(tracker: Tracker) -> list[list[dict[str, Any]]]:
    """The tracker's events split at each user message (a turn starts with one)."""
    turns: list[list[dict[str, Any]]] = [[]]
    for event in tracker.events:
        if event.get("event") == "user":
            turns.append([])
        turns[-1].append(event)
    return turns


def slot_values(events: list[dict[str, Any]], name: str) -> list[Any]:
    return [e.get("value") for e in events if e.get("event") == "slot" and e.get("name") == name]


def failures_before_answer(tracker: Tracker) -> int:
    """The failed turns before the answer the customer now says did not help.

    An answer counts as a success (it sets the count back to 0), unless the very next message
    votes it down: then it was a failure after all, and the failures before it still count —
    "no answer", an answer, "didn't help" are two failures in a row. Without an answer in the
    previous turn this is simply `failures`.
    """
    split = turns(tracker)
    if len(split) < 3 or "answer" not in slot_values(split[-2], KB_DECISION_SLOT):
        return failures(tracker)
    for turn in reversed(split[:-2]):
        values = slot_values(turn, KB_FAILURES_SLOT)
        if values:
            value = values[-1]
            return int(value) if isinstance(value, int | float) else 0
    return 0


def summary(
    reason: str, turns: list[dict[str, str]], articles: list[Any], intents: list[str]
) -> str:
    """The plain-text handoff context that goes into the ticket's description."""
    lines = [f"Handoff to a person (reason: {reason}).", "", "Conversation:"]
    lines += [f"{t['who']}: {t['text']}" for t in turns if t["who"] == "customer"]
    if articles:
        lines += ["", "Articles tried:"]
        lines += [f"- {a.get('title')} (score {float(a.get('score', 0)):.2f})" for a in articles]
    if intents:
        lines += ["", "Intents seen: " + ", ".join(dict.fromkeys(intents))]
    body = "\n".join(lines)
    return body if len(body) <= SUMMARY_MAX else body[: SUMMARY_MAX - 1] + "…"


async def hand_over(
    client: DeskmateClient,
    dispatcher: CollectingDispatcher,
    tracker: Tracker,
    *,
    reason: Reason,
    announce: str = "handoff_started",
) -> list[dict[str, Any]]:
    """Opens the handoff ticket, then asks the app to hand the conversation over.

    The app keeps the full context and the gateway stops forwarding messages to the assistant.
    If the handoff API fails, the ticket is still there and the customer is told so.
    """
    language = tracker_language(tracker)
    email = tracker.get_slot("contact_email")
    articles = list(tracker.get_slot(KB_ARTICLES_SLOT) or [])
    intents = intents_seen(tracker)
    product = tracker.get_slot("ticket_product")
    identity = channel_identity(tracker)
    try:
        ticket = TicketCreate(
            type="request",
            description=summary(reason, transcript(tracker), articles, intents),
            product=None if product == NO_PRODUCT else product,
            category="handoff",
            email=email or None,
            conversation_id=tracker.sender_id,
            language=language,
            channel=identity.channel,
            channel_identity=identity,
        )
        created = await client.create_ticket(
            ticket, idempotency_key=f"{tracker.sender_id}:handoff:{len(tracker.events)}"
        )
    except (DeskmateApiError, ValidationError) as e:
        logger.warning("opening the handoff ticket failed: %s", e)
        dispatcher.utter_message(text=text("ticket_create_failed", language))
        return []
    events = [
        SlotSet(TICKET_REFERENCE_SLOT, created.reference),
        SlotSet(HANDOFF_REASON_SLOT, reason),
    ]
    try:
        await client.start_handoff(
            tracker.sender_id,
            handoff_context(tracker, reason=reason, ticket_reference=created.reference),
        )
    except DeskmateApiError as e:
        logger.warning("handing %s over failed: %s", tracker.sender_id, e)
        dispatcher.utter_message(
            text=text("handoff_failed", language, reference=created.reference, email=str(email))
        )
        return events
    dispatcher.utter_message(text=text(announce, language, reference=created.reference))
    return events


async def fail_turn(
    client: DeskmateClient,
    dispatcher: CollectingDispatcher,
    tracker: Tracker,
    *,
    voting_down_answer: bool = False,
) -> tuple[int, list[dict[str, Any]] | None]:
    """Counts one more failed turn; at the limit hands over and returns the handoff's events.

    Returns (failed turns so far, events of the handoff or None when not handed over). After
    a handoff the count starts again from zero. `voting_down_answer`: this turn is "didn't
    help" on the previous turn's answer, which had set the count back (`failures_before_answer`).
    """
    before = failures_before_answer(tracker) if voting_down_answer else failures(tracker)
    failed = before + 1
    if failed < failures_before_person():
        return failed, None
    events = await hand_over(
        client, dispatcher, tracker, reason="repeated_failure", announce="handoff_after_failures"
    )
    if not events:  # the ticket could not be opened: keep counting, offer what we can
        return failed, None
    return 0, [*events, SlotSet(KB_FAILURES_SLOT, 0)]
