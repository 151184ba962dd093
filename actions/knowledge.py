"""Answers how-to questions from the knowledge base."""

import logging
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.base import ApiAction
from actions.client import DeskmateApiError
from actions.language import Language, tracker_language
from actions.texts import text

logger = logging.getLogger(__name__)

# Slots written here and read by the rules and the ticket form.
LAST_QUESTION_SLOT = "last_question"
KB_DECISION_SLOT = "kb_decision"


def yes_no_buttons(language: Language, *, yes_payload: str) -> list[dict[str, str]]:
    return [
        {"title": text("button_yes", language), "payload": yes_payload},
        {"title": text("button_no", language), "payload": "/deny"},
    ]


class ActionAnswerQuestion(ApiAction):
    """Searches the help center with the customer's message and answers, or offers a ticket.

    Sets `kb_decision` ("answer" / "no_answer"), which the rules use to tell what a following
    yes/no means, and `last_question`, which the ticket form uses as the ticket's description
    when the customer accepts the offer of a ticket.
    """

    def name(self) -> str:
        return "action_answer_question"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        language = tracker_language(tracker)
        question = (tracker.latest_message.get("text") or "").strip()
        events = [SlotSet(LAST_QUESTION_SLOT, question or None)]
        try:
            found = await self._client_factory().search_kb(
                question, language=language, conversation_id=tracker.sender_id
            )
        except DeskmateApiError as e:
            logger.warning("knowledge-base search failed: %s", e)
            dispatcher.utter_message(
                text=text("kb_unavailable", language),
                buttons=yes_no_buttons(language, yes_payload="/open_ticket"),
            )
            return [*events, SlotSet(KB_DECISION_SLOT, "no_answer")]

        answer = found.answer
        if answer is None:
            dispatcher.utter_message(
                text=text("kb_no_answer", language),
                buttons=yes_no_buttons(language, yes_payload="/open_ticket"),
            )
            return [*events, SlotSet(KB_DECISION_SLOT, "no_answer")]

        dispatcher.utter_message(
            text=text(
                "kb_answer", language, title=answer.title, snippet=answer.snippet, url=answer.url
            )
        )
        dispatcher.utter_message(
            text=text("kb_did_this_help", language),
            buttons=yes_no_buttons(language, yes_payload="/affirm"),
        )
        return [*events, SlotSet(KB_DECISION_SLOT, "answer")]
