"""Who the customer is, as the channel knows them: the channel identity of a conversation.

The gateway sends each message to Rasa with ``metadata.channel``; Rasa knows the conversation as
its sender id, which is the channel's own id for the web chat and ``<channel>-<id>`` for the
other channels (see bot.models.Conversation.sender_id). Nothing here is specific to one channel.
"""

from typing import Any

from rasa_sdk import Tracker

from actions.client import ChannelIdentity

WEB = "web"
KNOWN_CHANNELS = ("web", "telegram", "email", "api")


def _channel_from_metadata(tracker: Tracker) -> str | None:
    metadata: Any = tracker.latest_message.get("metadata") if tracker.latest_message else None
    if not metadata:
        for event in reversed(tracker.events):
            if event.get("event") == "user" and event.get("metadata"):
                metadata = event["metadata"]
                break
    channel = metadata.get("channel") if isinstance(metadata, dict) else None
    return channel if channel in KNOWN_CHANNELS else None


def channel_identity(tracker: Tracker) -> ChannelIdentity:
    """The (channel, external id) of this conversation."""
    sender_id = tracker.sender_id
    channel = _channel_from_metadata(tracker)
    prefix, dash, rest = sender_id.partition("-")
    if channel is None:
        channel = prefix if dash and prefix in KNOWN_CHANNELS and prefix != WEB else WEB
    if channel != WEB and dash and prefix == channel:
        return ChannelIdentity(channel=channel, external_id=rest)
    return ChannelIdentity(channel=channel, external_id=sender_id)
