"""The conversation's language: English or Simplified Chinese, detected on every user turn."""

import re
from typing import Any, Literal, cast

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

Language = Literal["en", "zh"]
DEFAULT_LANGUAGE: Language = "en"
LANGUAGE_SLOT = "language"

# CJK Unified Ideographs (+ extension A), CJK punctuation and full-width forms.
_CJK = re.compile(r"[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uff00-\uffef]")
# Tokens that say nothing about the language: references, emails, URLs, product names.
_NEUTRAL = re.compile(
    r"DM-\d+|\S+@\S+|https?://\S+|\blumora\b|\b(hub|cam|thermostat|doorbell|app|cloud)\b",
    re.IGNORECASE,
)
_LATIN_WORD = re.compile(r"[A-Za-z]{2,}")
# A message with at least this many Latin words (and no CJK) is taken as English.
_MIN_ENGLISH_WORDS = 3


def detect_language(text: str | None, previous: str | None) -> Language:
    """Returns the language of `text`, keeping `previous` when the text does not tell.

    Any CJK character means Chinese. A message of a few English words switches back to English,
    but short neutral input (a button payload such as "Lumora Cam", an email address, a ticket
    reference, "/affirm") keeps the language the conversation already has.
    """
    current = as_language(previous)
    if not text or text.lstrip().startswith("/"):
        # Empty, or a button's intent payload (`/inform{"category": "billing"}`): says nothing.
        return current
    if _CJK.search(text):
        return "zh"
    words = _LATIN_WORD.findall(_NEUTRAL.sub(" ", text))
    if len(words) >= _MIN_ENGLISH_WORDS:
        return "en"
    return current


def as_language(value: object) -> Language:
    """Coerces a slot value to a supported language."""
    return cast(Language, value) if value in ("en", "zh") else DEFAULT_LANGUAGE


def tracker_language(tracker: Tracker) -> Language:
    """The language of the conversation, as last detected."""
    return as_language(tracker.get_slot(LANGUAGE_SLOT))


class ActionDetectLanguage(Action):
    """Sets the `language` slot from each user message.

    Runs as the custom slot mapping of `language`, so Rasa's `action_extract_slots` calls it
    after every user message, before the next action is predicted.
    """

    def name(self) -> str:
        return "action_detect_language"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        previous = tracker.get_slot(LANGUAGE_SLOT)
        intent = (tracker.latest_message.get("intent") or {}).get("name") or ""
        if intent.startswith("EXTERNAL_"):
            # Triggered by the app (Rasa makes its text "EXTERNAL: <intent>"), not written by
            # the customer: it says nothing about their language.
            return []
        language = detect_language(tracker.latest_message.get("text"), previous)
        if language == previous:
            return []
        return [SlotSet(LANGUAGE_SLOT, language)]
