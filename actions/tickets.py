"""Opening tickets from the ticket form, cancelling the form, and reporting a ticket's status."""

import hashlib
import json
import logging
import re
from typing import Any

from pydantic import ValidationError
from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.base import ApiAction
from actions.client import DeskmateApiError, TicketCreate
from actions.knowledge import LAST_QUESTION_SLOT
from actions.language import tracker_language
from actions.texts import product_label, status_label, text

logger = logging.getLogger(__name__)

TICKET_FORM = "ticket_form"
FORM_SLOTS = ("ticket_description", "ticket_product", "ticket_email")
# The reference of the ticket opened in this conversation.
TICKET_REFERENCE_SLOT = "last_ticket_reference"
TICKET_REFERENCE_ENTITY = "ticket_reference"

_REFERENCE = re.compile(r"(?<![A-Za-z0-9])DM-\d{6}(?!\d)", re.IGNORECASE)


def _reset_form_slots() -> list[dict[str, Any]]:
    return [SlotSet(slot, None) for slot in FORM_SLOTS]


def submission_key(tracker: Tracker) -> str:
    """Idempotency key of this run of the ticket form: `<sender_id>:<activation stamp>`.

    Rasa sends the same tracker if the call is retried, so a retry reuses the key and the API
    returns the ticket it already opened instead of opening a second one.
    """
    for event in reversed(tracker.events):
        if event.get("event") == "active_loop" and event.get("name") == TICKET_FORM:
            if event.get("timestamp") is not None:
                return f"{tracker.sender_id}:{event['timestamp']}"
            break
    # No activation on record (should not happen): fall back to the content of the ticket.
    content = json.dumps([tracker.get_slot(slot) for slot in FORM_SLOTS], ensure_ascii=False)
    return f"{tracker.sender_id}:{hashlib.sha256(content.encode()).hexdigest()[:16]}"


class ActionCreateTicket(ApiAction):
    """Opens a ticket from the slots of the submitted ticket form."""

    def name(self) -> str:
        return "action_create_ticket"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        language = tracker_language(tracker)
        try:
            ticket = TicketCreate(
                description=tracker.get_slot("ticket_description") or "",
                product=tracker.get_slot("ticket_product"),
                email=tracker.get_slot("ticket_email") or "",
                conversation_id=tracker.sender_id,
                language=language,
            )
            created = await self._client_factory().create_ticket(
                ticket, idempotency_key=submission_key(tracker)
            )
        except (DeskmateApiError, ValidationError) as e:
            # The form's slots are kept: asking for a ticket again submits them straight away.
            logger.warning("opening a ticket failed: %s", e)
            dispatcher.utter_message(text=text("ticket_create_failed", language))
            return []

        dispatcher.utter_message(
            text=text("ticket_created", language, reference=created.reference, email=ticket.email)
        )
        return [
            SlotSet(TICKET_REFERENCE_SLOT, created.reference),
            SlotSet(LAST_QUESTION_SLOT, None),
            *_reset_form_slots(),
        ]


class ActionCancelTicket(Action):
    """Confirms a cancelled ticket form and forgets what it had collected."""

    def name(self) -> str:
        return "action_cancel_ticket"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        dispatcher.utter_message(text=text("ticket_cancelled", tracker_language(tracker)))
        return [SlotSet(LAST_QUESTION_SLOT, None), *_reset_form_slots()]


def requested_reference(tracker: Tracker) -> str | None:
    """The ticket reference the customer asked about: in their message, else this chat's ticket."""
    for value in tracker.get_latest_entity_values(TICKET_REFERENCE_ENTITY):
        if isinstance(value, str) and _REFERENCE.fullmatch(value.strip()):
            return value.strip().upper()
    found = _REFERENCE.search(tracker.latest_message.get("text") or "")
    if found:
        return found.group(0).upper()
    opened = tracker.get_slot(TICKET_REFERENCE_SLOT)
    return opened if isinstance(opened, str) and opened else None


class ActionTicketStatus(ApiAction):
    """Tells the customer the status of a ticket."""

    def name(self) -> str:
        return "action_ticket_status"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        language = tracker_language(tracker)
        reference = requested_reference(tracker)
        if reference is None:
            dispatcher.utter_message(text=text("ticket_reference_needed", language))
            return []
        try:
            ticket = await self._client_factory().get_ticket(reference)
        except DeskmateApiError as e:
            logger.warning("looking up ticket %s failed: %s", reference, e)
            dispatcher.utter_message(text=text("ticket_status_unavailable", language))
            return []

        if ticket is None:
            dispatcher.utter_message(text=text("ticket_not_found", language, reference=reference))
        elif ticket.product:
            dispatcher.utter_message(
                text=text(
                    "ticket_status",
                    language,
                    reference=ticket.reference,
                    product=product_label(ticket.product, language),
                    status=status_label(ticket.status, language),
                )
            )
        else:
            dispatcher.utter_message(
                text=text(
                    "ticket_status_no_product",
                    language,
                    reference=ticket.reference,
                    status=status_label(ticket.status, language),
                )
            )
        return []
