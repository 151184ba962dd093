"""Validation of the ticket forms (request, fault, complaint, suggestion, add information) and
of the contact-details form: one FormValidationAction per form, sharing the slot validators."""

import re
from abc import ABC, abstractmethod
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.forms import FormValidationAction
from rasa_sdk.types import DomainDict

from actions.knowledge import KB_DECISION_SLOT, LAST_QUESTION_SLOT
from actions.language import tracker_language
from actions.products import NO_PRODUCT, match_product
from actions.texts import text

DESCRIPTION_MIN_LENGTH = 10
DESCRIPTION_MAX_LENGTH = 2000
EMAIL_MAX_LENGTH = 254

# Deliberately plain: one @, a dotted domain, a TLD of letters. Mail delivery is the real check.
_EMAIL = re.compile(
    r"[A-Za-z0-9][A-Za-z0-9._%+'-]*@(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?\.)+[A-Za-z]{2,}"
)
# 8 to 15 digits, an optional leading +, spaces, dashes, dots or brackets between them.
_PHONE = re.compile(r"\+?\d[\d\s().-]{6,22}\d")
_REFERENCE = re.compile(r"(?<![A-Za-z0-9])DM-\d{6}(?!\d)", re.IGNORECASE)

COMPLAINT_CATEGORIES: dict[str, tuple[str, ...]] = {
    "service": ("service", "support", "agent", "staff", "服务", "客服", "态度"),
    "billing": (
        "billing",
        "bill",
        "charge",
        "charged",
        "refund",
        "invoice",
        "账单",
        "扣费",
        "退款",
    ),
    "delivery": ("delivery", "shipping", "courier", "late", "物流", "配送", "快递", "发货"),
    "product": ("product", "quality", "defect", "质量", "产品"),
    "other": ("other", "something else", "其他", "别的"),
}


def find_email(value: str) -> str | None:
    """The one email address in `value` (which may be a whole sentence), or None."""
    found = _EMAIL.findall(value)
    if len(found) != 1 or len(found[0]) > EMAIL_MAX_LENGTH or ".." in found[0]:
        return None
    return found[0]


def find_phone(value: str) -> str | None:
    """The phone number in `value`, normalised to digits (and a leading +), or None."""
    found = _PHONE.search(value)
    if found is None:
        return None
    raw = found.group(0)
    digits = re.sub(r"\D", "", raw)
    if not 8 <= len(digits) <= 15:
        return None
    return ("+" if raw.startswith("+") else "") + digits


def find_reference(value: str) -> str | None:
    found = _REFERENCE.search(value)
    return found.group(0).upper() if found else None


def match_category(value: str) -> str | None:
    """The complaint category `value` names (a button payload or free text), or None."""
    cleaned = value.strip().casefold()
    if cleaned in COMPLAINT_CATEGORIES:
        return cleaned
    found = {
        category
        for category, words in COMPLAINT_CATEGORIES.items()
        if any(word in cleaned for word in words)
    }
    return found.pop() if len(found) == 1 else None


def follows_ticket_offer(tracker: Tracker) -> bool:
    """Whether the latest user message answers the bot's offer to open a ticket.

    The offer is made by `action_answer_not_helpful` (the answer did not help) or by
    `action_answer_question` when it found no answer.
    """
    seen_user_message = False
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            seen_user_message = True
        elif seen_user_message and event.get("event") == "action":
            name = event.get("name")
            if name == "action_listen":
                continue
            if name == "action_answer_question":
                return tracker.get_slot(KB_DECISION_SLOT) == "no_answer"
            return name == "action_answer_not_helpful"
    return False


def checked(
    slot: str,
    found: str | None,
    error: str,
    dispatcher: CollectingDispatcher,
    tracker: Tracker,
) -> dict[str, Any]:
    """`{slot: found}`; when nothing valid was found, says `error` so the form asks again."""
    if found is None:
        dispatcher.utter_message(text=text(error, tracker_language(tracker)))
    return {slot: found}


class TicketSlotsValidation(FormValidationAction, ABC):
    """The validators every ticket form shares; a subclass per form gives its name.

    Abstract, so that the action server (which registers every concrete action) skips it.
    """

    @abstractmethod
    def name(self) -> str: ...

    def validate_ticket_description(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        language = tracker_language(tracker)
        description = str(value or "").strip()
        if len(description) < DESCRIPTION_MIN_LENGTH:
            dispatcher.utter_message(text=text("description_too_short", language))
            return {"ticket_description": None}
        if len(description) > DESCRIPTION_MAX_LENGTH:
            dispatcher.utter_message(text=text("description_too_long", language))
            return {"ticket_description": None}
        return {"ticket_description": description}

    def validate_ticket_product(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        found = match_product(str(value or ""))
        return checked("ticket_product", found, "product_unknown", dispatcher, tracker)

    def validate_contact_email(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        found = find_email(str(value or ""))
        return checked("contact_email", found, "email_invalid", dispatcher, tracker)


class ValidateTicketForm(TicketSlotsValidation):
    def name(self) -> str:
        return "validate_ticket_form"

    async def extract_ticket_description(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """Prefills the description with the question the help center could not answer.

        Only when the form is being activated right after the offer of a ticket, so the
        question is never carried into an unrelated ticket later on.
        """
        if (
            tracker.get_slot("ticket_description") is not None
            or tracker.get_slot("requested_slot") is not None
        ):
            return {}
        question = tracker.get_slot(LAST_QUESTION_SLOT)
        if (
            not isinstance(question, str)
            or len(question.strip()) < DESCRIPTION_MIN_LENGTH
            or not follows_ticket_offer(tracker)
        ):
            return {}
        return {"ticket_description": question.strip()}


class ValidateFaultForm(TicketSlotsValidation):
    def name(self) -> str:
        return "validate_fault_form"

    def validate_ticket_product(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """A fault is always about a device: "no product" is not an answer here."""
        found = match_product(str(value or ""))
        if found == NO_PRODUCT:
            found = None
        return checked("ticket_product", found, "product_unknown", dispatcher, tracker)


class ValidateComplaintForm(TicketSlotsValidation):
    def name(self) -> str:
        return "validate_complaint_form"

    def validate_complaint_category(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        found = match_category(str(value or ""))
        return checked("complaint_category", found, "category_unknown", dispatcher, tracker)


class ValidateSuggestionForm(TicketSlotsValidation):
    def name(self) -> str:
        return "validate_suggestion_form"


class ValidateAddInfoForm(TicketSlotsValidation):
    def name(self) -> str:
        return "validate_add_info_form"

    def validate_info_reference(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        found = find_reference(str(value or ""))
        return checked("info_reference", found, "reference_invalid", dispatcher, tracker)


class ValidateContactForm(TicketSlotsValidation):
    def name(self) -> str:
        return "validate_contact_form"

    def validate_contact_phone(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        found = find_phone(str(value or ""))
        return checked("contact_phone", found, "phone_invalid", dispatcher, tracker)
