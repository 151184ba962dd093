"""The channel identity of a conversation, and tickets that carry it (so the tier counts)."""

import asyncio

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.identity import channel_identity
from actions.tickets import ActionCreateTicket
from tests.actions.action_factories import (
    SENDER_ID,
    FakeApi,
    form_activated_event,
    make_tracker,
    ticket_body,
)


def tracker_for(sender_id: str, metadata: dict[str, str] | None) -> Tracker:
    message = {"text": "hi", "intent": {"name": "greet"}, "entities": [], "metadata": metadata}
    events = [{"event": "user", "text": "hi", "parse_data": message, "metadata": metadata}]
    return Tracker(sender_id, {}, message, events, False, None, {}, "action_listen")


def test_the_web_chat_visitor_id_is_the_identity() -> None:
    identity = channel_identity(tracker_for("e2e-1234", {"channel": "web"}))
    assert (identity.channel, identity.external_id) == ("web", "e2e-1234")


def test_other_channels_drop_their_sender_prefix() -> None:
    identity = channel_identity(tracker_for("telegram-5551", {"channel": "telegram"}))
    assert (identity.channel, identity.external_id) == ("telegram", "5551")
    # Without metadata (a tracker-API call), the sender id still tells.
    identity = channel_identity(tracker_for("telegram-5551", None))
    assert (identity.channel, identity.external_id) == ("telegram", "5551")
    identity = channel_identity(tracker_for("visitor-with-dashes", None))
    assert (identity.channel, identity.external_id) == ("web", "visitor-with-dashes")


def test_tickets_from_forms_carry_the_channel_identity(api: FakeApi) -> None:
    api.on("POST", "/api/v1/tickets", 201, ticket_body(reference="DM-000777"))
    tracker = make_tracker(
        text="kim@example.com",
        intent="inform",
        slots={
            "ticket_description": "The hub reboots",
            "ticket_product": "Lumora Hub",
            "contact_email": "kim@example.com",
        },
        events_before=[form_activated_event(form="fault_form")],
    )

    asyncio.run(ActionCreateTicket(api.client).run(CollectingDispatcher(), tracker, {}))

    body = api.last_json()
    assert body["channel_identity"] == {"channel": "web", "external_id": SENDER_ID}
    assert body["channel"] == "web"
    assert "priority" not in body  # the API raises it from the customer's tier, not the bot
