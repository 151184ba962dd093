"""People: experts from the yellow pages, and handing the conversation to a person."""

import logging
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActionExecuted, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.base import ApiAction
from actions.client import DeskmateApiError
from actions.handover import Reason, failures, hand_over
from actions.language import tracker_language
from actions.slots import (
    HANDOFF_REASON_SLOT,
    KB_FAILURES_SLOT,
    LAST_QUESTION_SLOT,
    failures_before_person,
)
from actions.texts import text

logger = logging.getLogger(__name__)


def expert_query(tracker: Tracker) -> str:
    """What to look an expert up by: the open question if there is one, else this message."""
    question = tracker.get_slot(LAST_QUESTION_SLOT)
    if isinstance(question, str) and question.strip():
        return question.strip()
    return (tracker.latest_message.get("text") or "").strip()


class ActionFindExpert(ApiAction):
    """Looks up experts in the yellow pages; offers a ticket when there are none."""

    def name(self) -> str:
        return "action_find_expert"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        language = tracker_language(tracker)
        yes_no = [
            {"title": text("button_open_ticket", language), "payload": "/open_ticket"},
            {"title": text("button_no_thanks", language), "payload": "/deny"},
        ]
        try:
            found = await self._client_factory().search_experts(expert_query(tracker))
        except DeskmateApiError as e:
            logger.warning("expert search failed: %s", e)
            found = None
        if found is None or not found.results:
            dispatcher.utter_message(text=text("experts_none", language), buttons=yes_no)
            return []
        lines = [text("experts_found", language)]
        for expert in found.results:
            lines.append(
                text(
                    "expert_line",
                    language,
                    name=expert.name,
                    availability=text(
                        "expert_available" if expert.available else "expert_busy", language
                    ),
                    reasons=", ".join(expert.reasons) or "-",
                )
            )
        dispatcher.utter_message(text="\n".join(lines))
        dispatcher.utter_message(text=text("experts_offer_ticket", language), buttons=yes_no)
        return []


def handoff_reason(tracker: Tracker) -> Reason:
    """Why a person takes over: asked for, or after the bot failed repeatedly."""
    return "repeated_failure" if failures(tracker) >= failures_before_person() else "request"


class ActionHandoff(ApiAction):
    """Hands the conversation to a person (see actions.handover)."""

    def name(self) -> str:
        return "action_handoff"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        return await hand_over(
            self._client_factory(), dispatcher, tracker, reason=handoff_reason(tracker)
        )


class ActionHandback(Action):
    """Run by the app (tracker API) when the person hands the conversation back."""

    def name(self) -> str:
        return "action_handback"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        dispatcher.utter_message(text=text("handback", tracker_language(tracker)))
        # Run through the tracker API, nothing predicts the listen that normally follows; without
        # it the customer's next message would not match any rule.
        return [
            SlotSet(HANDOFF_REASON_SLOT, None),
            SlotSet(KB_FAILURES_SLOT, 0),
            ActionExecuted("action_listen"),
        ]
