"""Validation of the ticket form (`ticket_form`): description, product, email."""

import re
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.forms import FormValidationAction
from rasa_sdk.types import DomainDict

from actions.knowledge import KB_DECISION_SLOT, LAST_QUESTION_SLOT
from actions.language import tracker_language
from actions.products import match_product
from actions.texts import text

DESCRIPTION_MIN_LENGTH = 10
DESCRIPTION_MAX_LENGTH = 2000
EMAIL_MAX_LENGTH = 254

# Deliberately plain: one @, a dotted domain, a TLD of letters. Mail delivery is the real check.
_EMAIL = re.compile(
    r"[A-Za-z0-9][A-Za-z0-9._%+'-]*@(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?\.)+[A-Za-z]{2,}"
)


def find_email(value: str) -> str | None:
    """The one email address in `value` (which may be a whole sentence), or None."""
    found = _EMAIL.findall(value)
    if len(found) != 1 or len(found[0]) > EMAIL_MAX_LENGTH or ".." in found[0]:
        return None
    return found[0]


def follows_ticket_offer(tracker: Tracker) -> bool:
    """Whether the latest user message answers the bot's offer to open a ticket.

    The offer is made by `utter_offer_ticket` (the answer did not help) or by
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
            return name == "utter_offer_ticket"
    return False


class ValidateTicketForm(FormValidationAction):
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
        product = match_product(str(value or ""))
        if product is None:
            dispatcher.utter_message(text=text("product_unknown", tracker_language(tracker)))
        return {"ticket_product": product}

    def validate_ticket_email(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        email = find_email(str(value or ""))
        if email is None:
            dispatcher.utter_message(text=text("email_invalid", tracker_language(tracker)))
        return {"ticket_email": email}
