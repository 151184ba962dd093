"""People: experts from the yellow pages, and handing the conversation to a person."""

import logging
from typing import Any, Literal

from pydantic import ValidationError
from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActionExecuted, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.base import ApiAction
from actions.client import DeskmateApiError, TicketCreate
from actions.context import handoff_context, intents_seen, transcript
from actions.knowledge import KB_ARTICLES_SLOT, KB_FAILURES_SLOT, LAST_QUESTION_SLOT
from actions.language import tracker_language
from actions.products import NO_PRODUCT
from actions.texts import text
from actions.tickets import TICKET_REFERENCE_SLOT

logger = logging.getLogger(__name__)

HANDOFF_REASON_SLOT = "handoff_reason"
SUMMARY_MAX = 1900


def expert_query(tracker: Tracker) -> str:
    """What to look an expert up by: the open question if there is one, else this message."""
    question = tracker.get_slot(LAST_QUESTION_SLOT)
    if isinstance(question, str) and question.strip():
        return question.strip()
    return (tracker.latest_message.get("text") or "").strip()


class ActionFindExpert(ApiAction):
    """Looks up experts in the yellow pages; offers a ticket when there are none."""

    def name(self) -> str:
        return "action_find_expert"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        language = tracker_language(tracker)
        yes_no = [
            {"title": text("button_open_ticket", language), "payload": "/open_ticket"},
            {"title": text("button_no_thanks", language), "payload": "/deny"},
        ]
        try:
            found = await self._client_factory().search_experts(expert_query(tracker))
        except DeskmateApiError as e:
            logger.warning("expert search failed: %s", e)
            found = None
        if found is None or not found.results:
            dispatcher.utter_message(text=text("experts_none", language), buttons=yes_no)
            return []
        lines = [text("experts_found", language)]
        for expert in found.results:
            lines.append(
                text(
                    "expert_line",
                    language,
                    name=expert.name,
                    availability=text(
                        "expert_available" if expert.available else "expert_busy", language
                    ),
                    reasons=", ".join(expert.reasons) or "-",
                )
            )
        dispatcher.utter_message(text="\n".join(lines))
        dispatcher.utter_message(text=text("experts_offer_ticket", language), buttons=yes_no)
        return []


def handoff_reason(tracker: Tracker) -> Literal["request", "repeated_failure"]:
    """Why a person takes over: asked for, or after the bot failed repeatedly."""
    failures = tracker.get_slot(KB_FAILURES_SLOT)
    if isinstance(failures, int | float) and failures >= 2:
        return "repeated_failure"
    return "request"


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


class ActionHandoff(ApiAction):
    """Hands the conversation to a person.

    Opens a ticket whose description summarises the conversation, then asks the app to hand
    the conversation over (the app keeps the full context, and the gateway stops forwarding
    messages to the assistant). If the handoff API fails, the ticket is still there.
    """

    def name(self) -> str:
        return "action_handoff"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        language = tracker_language(tracker)
        email = tracker.get_slot("contact_email")
        reason = handoff_reason(tracker)
        turns = transcript(tracker)
        articles = list(tracker.get_slot(KB_ARTICLES_SLOT) or [])
        intents = intents_seen(tracker)
        product = tracker.get_slot("ticket_product")
        client = self._client_factory()
        try:
            ticket = TicketCreate(
                type="request",
                description=summary(reason, turns, articles, intents),
                product=None if product == NO_PRODUCT else product,
                category="handoff",
                email=email or None,
                conversation_id=tracker.sender_id,
                language=language,
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
        dispatcher.utter_message(
            text=text("handoff_started", language, reference=created.reference)
        )
        return events


class ActionHandback(Action):
    """Run by the app (tracker API) when the person hands the conversation back."""

    def name(self) -> str:
        return "action_handback"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        dispatcher.utter_message(text=text("handback", tracker_language(tracker)))
        # Run through the tracker API, nothing predicts the listen that normally follows; without
        # it the customer's next message would not match any rule.
        return [
            SlotSet(HANDOFF_REASON_SLOT, None),
            SlotSet(KB_FAILURES_SLOT, 0),
            ActionExecuted("action_listen"),
        ]
