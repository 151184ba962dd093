"""Greeting: a customer the channel identity leads to is greeted by name and reminded of their
open tickets; anyone else gets the plain greeting."""

import logging
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.base import ApiAction
from actions.client import DeskmateApiError, OpenTicket
from actions.identity import channel_identity
from actions.language import Language, tracker_language
from actions.texts import product_label, status_label, text

logger = logging.getLogger(__name__)


def ticket_line(ticket: OpenTicket, language: Language) -> str:
    status = status_label(ticket.status, language)
    if ticket.product:
        product = product_label(ticket.product, language)
        return f"{ticket.reference} ({product}, {status})"
    return f"{ticket.reference} ({status})"


class ActionGreet(ApiAction):
    """Greets by name when the customer is known (in the language of this conversation).

    Known means a verified identity: an email someone typed in a form proves nothing, so such a
    visitor is greeted like a stranger (the API already withholds the profile; this is a second
    lock in case an older API answers)."""

    def name(self) -> str:
        return "action_greet"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        language = tracker_language(tracker)
        try:
            profile = await self._client_factory().customer_by_identity(channel_identity(tracker))
        except DeskmateApiError as e:
            # Not knowing who it is must not stop the conversation: greet like a stranger.
            logger.warning("looking up the customer of %s failed: %s", tracker.sender_id, e)
            profile = None
        if profile is None or not profile.verified or not profile.name:
            dispatcher.utter_message(response="utter_greet")
            return []
        dispatcher.utter_message(text=text("greet_known", language, name=profile.name))
        if profile.open_tickets:
            separator = "；" if language == "zh" else "; "
            tickets = separator.join(ticket_line(t, language) for t in profile.open_tickets)
            dispatcher.utter_message(text=text("open_tickets", language, tickets=tickets))
        return []
