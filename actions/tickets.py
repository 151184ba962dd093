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
from actions.client import DeskmateApiError, TicketCreate, TicketType
from actions.context import handoff_context, is_serious
from actions.identity import channel_identity
from actions.language import tracker_language
from actions.products import NO_PRODUCT
from actions.slots import KB_FAILURES_SLOT, LAST_QUESTION_SLOT, TICKET_REFERENCE_SLOT
from actions.texts import product_label, status_label, text
from actions.ticket_info import add_information, belongs_to_customer

logger = logging.getLogger(__name__)

# The forms that open a ticket, and the type of ticket each opens.
TICKET_FORMS: dict[str, TicketType] = {
    "ticket_form": "request",
    "fault_form": "fault",
    "complaint_form": "complaint",
    "suggestion_form": "suggestion",
    "add_info_form": "request",  # never opens one: appends to the named ticket (ticket_info)
}
# Slots a ticket form collects about the ticket; the contact details are kept.
FORM_SLOTS = ("ticket_description", "ticket_product", "complaint_category", "info_reference")
TICKET_REFERENCE_ENTITY = "ticket_reference"
_CREATED_TEXT = {
    "request": "ticket_created",
    "consultation": "ticket_created",
    "fault": "fault_created",
    "complaint": "complaint_created",
    "suggestion": "suggestion_created",
}

_REFERENCE = re.compile(r"(?<![A-Za-z0-9])DM-\d{6}(?!\d)", re.IGNORECASE)


def _reset_form_slots() -> list[dict[str, Any]]:
    return [SlotSet(slot, None) for slot in FORM_SLOTS]


def submitted_form(tracker: Tracker) -> tuple[str, float | None]:
    """The ticket form filled last and the time it was activated."""
    for event in reversed(tracker.events):
        if event.get("event") == "active_loop" and event.get("name") in TICKET_FORMS:
            return str(event["name"]), event.get("timestamp")
    return "ticket_form", None


def submission_key(tracker: Tracker) -> str:
    """Idempotency key of this run of a ticket form: `<sender_id>:<activation stamp>`.

    Rasa sends the same tracker if the call is retried, so a retry reuses the key and the API
    returns the ticket it already opened instead of opening a second one.
    """
    _, activated = submitted_form(tracker)
    if activated is not None:
        return f"{tracker.sender_id}:{activated}"
    # No activation on record (should not happen): fall back to the content of the ticket.
    content = json.dumps([tracker.get_slot(slot) for slot in FORM_SLOTS], ensure_ascii=False)
    return f"{tracker.sender_id}:{hashlib.sha256(content.encode()).hexdigest()[:16]}"


def ticket_from_slots(tracker: Tracker, form: str) -> TicketCreate:
    """The ticket the submitted `form` describes: type, product, category and description.

    A request that follows a question the help center could not answer is a consultation.
    The channel identity goes with it, so the API finds the customer (and their tier, which
    may raise the priority) and links this conversation to the customer for next time.
    Raises ValidationError when a slot is unusable.
    """
    ticket_type: TicketType = TICKET_FORMS.get(form, "request")
    description = tracker.get_slot("ticket_description") or ""
    product = tracker.get_slot("ticket_product")
    category = None
    if form == "ticket_form" and tracker.get_slot(LAST_QUESTION_SLOT):
        ticket_type = "consultation"
    if form == "complaint_form":
        category = tracker.get_slot("complaint_category")
    if form == "suggestion_form":
        category = "product" if product and product != NO_PRODUCT else "general"
    identity = channel_identity(tracker)
    phone = tracker.get_slot("contact_phone")
    if phone:
        description = f"{description}\n\nPhone: {phone}"
    return TicketCreate(
        type=ticket_type,
        description=description,
        product=None if product == NO_PRODUCT else product,
        category=category,
        email=tracker.get_slot("contact_email") or "",
        conversation_id=tracker.sender_id,
        language=tracker_language(tracker),
        channel=identity.channel,
        channel_identity=identity,
    )


class ActionCreateTicket(ApiAction):
    """Opens a ticket of the submitted form's type from the form's slots."""

    def name(self) -> str:
        return "action_create_ticket"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        language = tracker_language(tracker)
        form, _ = submitted_form(tracker)
        if form == "add_info_form":
            events = await add_information(
                self._client_factory(), dispatcher, tracker, message_id=submission_key(tracker)
            )
            # Information added is a success: the count of failed turns starts again.
            success = [SlotSet(KB_FAILURES_SLOT, 0)] if events else []
            return [*events, *success, *_reset_form_slots()]
        try:
            ticket = ticket_from_slots(tracker, form)
            created = await self._client_factory().create_ticket(
                ticket, idempotency_key=submission_key(tracker)
            )
        except (DeskmateApiError, ValidationError) as e:
            # The form's slots are kept: asking for a ticket again submits them straight away.
            logger.warning("opening a ticket failed: %s", e)
            dispatcher.utter_message(text=text("ticket_create_failed", language))
            return []

        message = text(
            _CREATED_TEXT[ticket.type],
            language,
            reference=created.reference,
            email=str(ticket.email),
        )
        dispatcher.utter_message(text=message)
        if form == "complaint_form" and is_serious(ticket.description):
            await self._hand_over_complaint(dispatcher, tracker, created.reference)
        return [
            SlotSet(TICKET_REFERENCE_SLOT, created.reference),
            SlotSet(LAST_QUESTION_SLOT, None),
            SlotSet(KB_FAILURES_SLOT, 0),  # a completed form is a success
            *_reset_form_slots(),
        ]

    async def _hand_over_complaint(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, reference: str
    ) -> None:
        """A serious complaint (safety, legal threats, media) goes to a person at once."""
        language = tracker_language(tracker)
        try:
            await self._client_factory().start_handoff(
                tracker.sender_id,
                handoff_context(tracker, reason="complaint", ticket_reference=reference),
            )
        except DeskmateApiError as e:
            logger.warning("handing the complaint %s over failed: %s", reference, e)
            return
        dispatcher.utter_message(text=text("handoff_started", language, reference=reference))


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
    """Tells the customer the status of one of their tickets (``belongs_to_customer``: opened
    in this conversation, under the email given here, or by the verified customer behind this
    channel identity); anyone else's reference is answered as unknown."""

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
        client = self._client_factory()
        try:
            ticket = await client.get_ticket(reference)
            if ticket is not None and not await belongs_to_customer(client, tracker, ticket):
                ticket = None
        except DeskmateApiError as e:
            logger.warning("looking up ticket %s failed: %s", reference, e)
            dispatcher.utter_message(text=text("ticket_status_unavailable", language))
            return []

        if ticket is None:
            # The same answer for "no such ticket" and "not yours": guessing references tells
            # nobody whether a ticket exists, let alone its status.
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
        # A found ticket status is a success: the count of failed turns starts again.
        return [] if ticket is None else [SlotSet(KB_FAILURES_SLOT, 0)]


class ActionSaveContact(Action):
    """Confirms the contact details; the slots keep them for every ticket opened later."""

    def name(self) -> str:
        return "action_save_contact"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        dispatcher.utter_message(
            text=text(
                "contact_saved",
                tracker_language(tracker),
                email=str(tracker.get_slot("contact_email")),
                phone=str(tracker.get_slot("contact_phone")),
            )
        )
        return []
