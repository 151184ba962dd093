"""Adding information to an existing ticket: the customer's words are appended to it.

Only the customer's own tickets take information: one opened from this conversation, one whose
contact email is the email given here, or one of the open tickets of the customer this channel
identity belongs to (verified identities only). Anything else is politely refused, so nobody
adds to (or learns about) a stranger's ticket by guessing a reference.
"""

import logging
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.client import DeskmateApiError, DeskmateClient, TicketRead
from actions.identity import channel_identity
from actions.language import tracker_language
from actions.texts import text

logger = logging.getLogger(__name__)


async def belongs_to_customer(client: DeskmateClient, tracker: Tracker, ticket: TicketRead) -> bool:
    if ticket.conversation_id and ticket.conversation_id == tracker.sender_id:
        return True
    email = tracker.get_slot("contact_email")
    if isinstance(email, str) and ticket.email and ticket.email.lower() == email.strip().lower():
        return True
    profile = await client.customer_by_identity(channel_identity(tracker))
    return (
        profile is not None
        and profile.verified
        and any(t.reference == ticket.reference for t in profile.open_tickets)
    )


async def add_information(
    client: DeskmateClient,
    dispatcher: CollectingDispatcher,
    tracker: Tracker,
    *,
    message_id: str,
) -> list[dict[str, Any]]:
    """Appends `ticket_description` to the ticket `info_reference`, if it is the customer's."""
    language = tracker_language(tracker)
    reference = str(tracker.get_slot("info_reference") or "").strip().upper()
    body = str(tracker.get_slot("ticket_description") or "").strip()
    try:
        ticket = await client.get_ticket(reference)
        if ticket is None or not await belongs_to_customer(client, tracker, ticket):
            # The same answer for "no such ticket" and "not yours": a reference reveals nothing.
            dispatcher.utter_message(text=text("info_not_yours", language, reference=reference))
            return []
        await client.add_ticket_message(
            ticket.reference,
            body=body,
            channel=channel_identity(tracker).channel,
            message_id=message_id,
        )
    except DeskmateApiError as e:
        logger.warning("adding information to %s failed: %s", reference, e)
        dispatcher.utter_message(text=text("info_add_failed", language, reference=reference))
        return []
    dispatcher.utter_message(text=text("info_added", language, reference=ticket.reference))
    return [SlotSet("last_ticket_reference", ticket.reference)]
