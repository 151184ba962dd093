"""Satisfaction in the channel: the survey the gateway triggers when a ticket is resolved.

`action_csat_start` runs on EXTERNAL_ticket_resolved and remembers the ticket; `csat_form`
asks for a rating (1-5) and an optional comment, validated here; `action_csat_submit` stores
them with `POST /api/v1/tickets/{ref}/csat` (a second rating is refused there with 409, which
the customer hears as a polite "already rated").
"""

import logging
import re
from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.base import ApiAction
from actions.client import DeskmateApiError
from actions.language import tracker_language
from actions.texts import text

logger = logging.getLogger(__name__)

REFERENCE_SLOT = "csat_reference"
RATING_SLOT = "csat_rating"
COMMENT_SLOT = "csat_comment"
SKIPPED = "skipped"  # the value of both slots when the customer skips the survey
NO_COMMENT = "-"
COMMENT_MAX = 2000
_REFERENCE = re.compile(r"^DM-\d{6,}$", re.IGNORECASE)

_SKIP = re.compile(
    r"^\s*(?:skip|no|nope|no thanks|no comment|nothing|none|n/?a|not now|later|pass|cancel)\W*$"
    r"|^\s*(?:跳过|不用了?|没有了?|无|算了|不了|不评|以后再说|取消)\W*$",
    re.IGNORECASE,
)
_WORDS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5}
_CHINESE_DIGITS = {"一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5}
_DIGIT = re.compile(r"(?<![\d.])(\d+)(?![\d.])")
_CHINESE = re.compile(r"([一二两三四五六七八九十])\s*(?:分|颗星|星)")


def is_skip(value: str) -> bool:
    return bool(_SKIP.match(value))


def parse_rating(value: str) -> int | None:
    """1-5 from "4", "4 stars", "4/5", "four", "五分", "4分"; None for anything else ("7")."""
    cleaned = value.strip().lower()
    numbers = [int(n) for n in _DIGIT.findall(cleaned)]
    if numbers:
        # "4/5" or "4 out of 5": the first number is the rating.
        rating = numbers[0]
        return rating if 1 <= rating <= 5 else None
    chinese = _CHINESE.search(cleaned) or re.fullmatch(r"\s*([一二两三四五])\s*", cleaned)
    if chinese:
        return _CHINESE_DIGITS.get(chinese.group(1))
    words = [w for w in re.findall(r"[a-z]+", cleaned) if w in _WORDS]
    return _WORDS[words[0]] if len(words) == 1 else None


def triggered_reference(tracker: Tracker) -> str | None:
    for value in tracker.get_latest_entity_values("ticket_reference"):
        if isinstance(value, str) and _REFERENCE.match(value.strip()):
            return value.strip().upper()
    return None


class ActionCsatStart(Action):
    """Remembers which ticket the survey is about, and forgets any earlier answers."""

    def name(self) -> str:
        return "action_csat_start"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        return [
            SlotSet(REFERENCE_SLOT, triggered_reference(tracker)),
            SlotSet(RATING_SLOT, None),
            SlotSet(COMMENT_SLOT, None),
        ]


class ValidateCsatForm(FormValidationAction):
    def name(self) -> str:
        return "validate_csat_form"

    def validate_csat_rating(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        if value is None:
            # The form validates its empty slots when it starts: nothing to say yet.
            return {RATING_SLOT: None}
        answer = str(value)
        if is_skip(answer):
            return {RATING_SLOT: SKIPPED, COMMENT_SLOT: SKIPPED}
        rating = parse_rating(answer)
        if rating is None:
            dispatcher.utter_message(text=text("csat_rating_invalid", tracker_language(tracker)))
            return {RATING_SLOT: None}
        return {RATING_SLOT: str(rating)}

    def validate_csat_comment(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        if value is None:
            return {COMMENT_SLOT: None}
        comment = str(value).strip()
        if comment == SKIPPED:  # set with a skipped rating
            return {COMMENT_SLOT: SKIPPED}
        if not comment or is_skip(comment):
            return {COMMENT_SLOT: NO_COMMENT}
        return {COMMENT_SLOT: comment[:COMMENT_MAX]}


def _reset() -> list[dict[str, Any]]:
    return [SlotSet(REFERENCE_SLOT, None), SlotSet(RATING_SLOT, None), SlotSet(COMMENT_SLOT, None)]


class ActionCsatSubmit(ApiAction):
    """Stores the rating and comment on the ticket; thanks the customer."""

    def name(self) -> str:
        return "action_csat_submit"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        language = tracker_language(tracker)
        reference = str(tracker.get_slot(REFERENCE_SLOT) or "")
        rating = str(tracker.get_slot(RATING_SLOT) or "")
        if not reference or rating == SKIPPED or not rating.isdigit():
            dispatcher.utter_message(text=text("csat_skipped", language, reference=reference))
            return _reset()
        comment = tracker.get_slot(COMMENT_SLOT)
        if not isinstance(comment, str) or comment in (NO_COMMENT, SKIPPED):
            comment = None
        try:
            stored = await self._client_factory().rate_ticket(
                reference, rating=int(rating), comment=comment
            )
        except DeskmateApiError as e:
            logger.warning("storing the rating of %s failed: %s", reference, e)
            dispatcher.utter_message(text=text("csat_failed", language))
            return _reset()
        key = "csat_thanks" if stored else "csat_already_rated"
        dispatcher.utter_message(text=text(key, language, reference=reference, rating=rating))
        return _reset()


class ActionCsatCancel(Action):
    """The customer cancelled the survey: nothing is stored, and we say so."""

    def name(self) -> str:
        return "action_csat_cancel"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        reference = str(tracker.get_slot(REFERENCE_SLOT) or "")
        dispatcher.utter_message(
            text=text("csat_skipped", tracker_language(tracker), reference=reference)
        )
        return _reset()
