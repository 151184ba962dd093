"""Answers how-to questions from the knowledge base: answer, clarify, or no answer."""

import logging
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.base import ApiAction
from actions.client import DeskmateApiError, DeskmateClient, KbSearchRead, KbSearchResult
from actions.handover import fail_turn, slot_values, turns
from actions.language import Language, tracker_language
from actions.slots import (
    KB_ARTICLES_SLOT,
    KB_CHOICES_SLOT,
    KB_DECISION_SLOT,
    KB_FAILURES_SLOT,
    LAST_QUESTION_SLOT,
)
from actions.texts import text

logger = logging.getLogger(__name__)

ARTICLE_ENTITY = "article_id"
# Free-text slots a form takes whatever the customer writes for: a message that looks like a
# question is then the slot's value, not a question to answer.
FREE_TEXT_SLOTS = ("ticket_description",)
# Slots with a fixed shape: a short message without a question mark that the help center
# cannot answer while the form waits for one of these is a failed try at the slot, not a
# question, so the customer hears what is wrong with it.
SHAPED_SLOTS = {"contact_email": "email_invalid", "contact_phone": "phone_invalid"}


def looks_like_a_try_at(slot: str | None, message: str) -> bool:
    """A failed attempt at a shaped slot rather than a question (see SHAPED_SLOTS)."""
    if slot not in SHAPED_SLOTS or not message or message.rstrip()[-1:] in ("?", "？"):
        return False
    return "@" in message or any(c.isdigit() for c in message) or len(message.split()) <= 3


def yes_no_buttons(language: Language, *, yes_payload: str) -> list[dict[str, str]]:
    return [
        {"title": text("button_yes", language), "payload": yes_payload},
        {"title": text("button_no", language), "payload": "/deny"},
    ]


def no_answer_buttons(language: Language, *, offer_person: bool) -> list[dict[str, str]]:
    buttons = [
        {"title": text("button_open_ticket", language), "payload": "/open_ticket"},
        {"title": text("button_find_expert", language), "payload": "/find_expert"},
    ]
    if offer_person:
        buttons.append({"title": text("button_person", language), "payload": "/talk_to_human"})
    buttons.append({"title": text("button_no_thanks", language), "payload": "/deny"})
    return buttons


def articles_tried(tracker: Tracker, query: str, offered: list[KbSearchResult]) -> list[Any]:
    """The articles offered so far in this conversation, with their scores (for a handoff)."""
    tried = list(tracker.get_slot(KB_ARTICLES_SLOT) or [])
    tried += [
        {"query": query, "article_id": r.article_id, "title": r.title, "score": r.score}
        for r in offered
    ]
    return tried[-20:]


def answered_article(tracker: Tracker) -> str | None:
    """The article the previous turn answered with: the clarification choice the customer
    picked, else the search's answer (the last article it added to the articles tried)."""
    split = turns(tracker)
    if len(split) < 3:
        return None
    previous = split[-2]
    for entity in previous[0].get("parse_data", {}).get("entities", []) or []:
        if entity.get("entity") == ARTICLE_ENTITY and entity.get("value"):
            return str(entity["value"])
    for value in reversed(slot_values(previous, KB_ARTICLES_SLOT)):
        if isinstance(value, list) and value and isinstance(value[-1], dict):
            article_id = value[-1].get("article_id")
            return str(article_id) if article_id else None
    return None


async def report_vote(client: DeskmateClient, tracker: Tracker, *, helpful: bool) -> None:
    """Sends the chat's "did this help?" to the knowledge base. Already voted (or no answer to
    vote on) is fine; the API being down is logged and never stops the conversation."""
    try:
        counted = await client.vote_in_conversation(
            tracker.sender_id, helpful=helpful, article_id=answered_article(tracker)
        )
    except DeskmateApiError as e:
        logger.warning("reporting a vote for %s failed: %s", tracker.sender_id, e)
        return
    if not counted:
        logger.info(
            "vote for %s not counted (already voted or no recent answer)", tracker.sender_id
        )


def chosen_article(tracker: Tracker) -> dict[str, Any] | None:
    """The article the customer picked from a clarification's buttons, if they picked one."""
    wanted = next(tracker.get_latest_entity_values(ARTICLE_ENTITY), None)
    if wanted is None:
        return None
    for choice in tracker.get_slot(KB_CHOICES_SLOT) or []:
        if isinstance(choice, dict) and choice.get("article_id") == wanted:
            return choice
    return None


def utter_article(
    dispatcher: CollectingDispatcher, language: Language, article: dict[str, Any]
) -> None:
    dispatcher.utter_message(
        text=text(
            "kb_answer",
            language,
            title=article["title"],
            snippet=article["snippet"],
            url=article["url"],
        )
    )
    dispatcher.utter_message(
        text=text("kb_did_this_help", language),
        buttons=yes_no_buttons(language, yes_payload="/affirm"),
    )


class ActionAnswerQuestion(ApiAction):
    """Searches the help center with the customer's message and acts on the API's decision.

    - answer: the article and a link, then "Did this help?";
    - clarify: the top choices as buttons (`/ask_question{"article_id": ...}`); picking one
      answers with it;
    - no_answer (or the API is down): offers a ticket or an expert, and a person after
      repeated failures.

    Sets `kb_decision`, which tells the rules what a following yes/no means, and
    `last_question`, which the ticket form uses as the description when the customer accepts
    a ticket. Inside a form it answers without asking "did this help?" (the form then asks its
    question again), and when the form is waiting for a free-text slot it says nothing: the
    message is the slot's value.
    """

    def name(self) -> str:
        return "action_answer_question"

    async def _search(
        self, tracker: Tracker, question: str, language: Language
    ) -> KbSearchRead | None:
        """The help center's decision on ``question``; None when the API cannot be reached."""
        try:
            return await self._client_factory().search_kb(
                question, language=language, conversation_id=tracker.sender_id
            )
        except DeskmateApiError as e:
            logger.warning("knowledge-base search failed: %s", e)
            return None

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        in_form = bool(tracker.active_loop.get("name"))
        if in_form and tracker.get_slot("requested_slot") in FREE_TEXT_SLOTS:
            return []
        language = tracker_language(tracker)
        picked = chosen_article(tracker)
        if picked is not None:
            utter_article(dispatcher, language, picked)
            return [
                SlotSet(KB_CHOICES_SLOT, None),
                SlotSet(KB_FAILURES_SLOT, 0),
                SlotSet(KB_DECISION_SLOT, "answer"),
            ]

        question = (tracker.latest_message.get("text") or "").strip()
        events: list[dict[str, Any]] = [SlotSet(LAST_QUESTION_SLOT, question or None)]
        found = await self._search(tracker, question, language)

        if found is not None and found.answer is not None:
            answer = found.answer
            article = answer.model_dump()
            if in_form:
                dispatcher.utter_message(
                    text=text(
                        "kb_answer",
                        language,
                        title=answer.title,
                        snippet=answer.snippet,
                        url=answer.url,
                    )
                )
            else:
                utter_article(dispatcher, language, article)
            return [
                *events,
                SlotSet(KB_ARTICLES_SLOT, articles_tried(tracker, question, [answer])),
                # An answer is a success unless the next message says it did not help
                # (handover.failures_before_answer puts the earlier failures back then).
                SlotSet(KB_FAILURES_SLOT, 0),
                *([] if in_form else [SlotSet(KB_DECISION_SLOT, "answer")]),
            ]

        if found is not None and found.choices and not in_form:
            dispatcher.utter_message(
                text=text("kb_clarify", language),
                buttons=[
                    {
                        "title": choice.title,
                        "payload": f'/ask_question{{"{ARTICLE_ENTITY}": "{choice.article_id}"}}',
                    }
                    for choice in found.choices
                ]
                + [{"title": text("button_none_of_these", language), "payload": "/deny"}],
            )
            return [
                *events,
                SlotSet(KB_CHOICES_SLOT, [c.model_dump() for c in found.choices]),
                SlotSet(KB_ARTICLES_SLOT, articles_tried(tracker, question, found.choices)),
                SlotSet(KB_DECISION_SLOT, "clarify"),
            ]

        if in_form:
            requested = tracker.get_slot("requested_slot")
            if found is not None and looks_like_a_try_at(requested, question):
                dispatcher.utter_message(text=text(SHAPED_SLOTS[requested], language))
                return events
            dispatcher.utter_message(text=text("kb_no_answer_in_form", language))
            return events
        failed, handed_over = await fail_turn(self._client_factory(), dispatcher, tracker)
        if handed_over is not None:
            # kb_decision stays "no_answer": the rules treat the turn as a failure either way.
            return [*events, *handed_over, SlotSet(KB_DECISION_SLOT, "no_answer")]
        key = "kb_unavailable" if found is None else "kb_no_answer"
        dispatcher.utter_message(
            text=text(key, language),
            buttons=no_answer_buttons(language, offer_person=failed > 1),
        )
        return [*events, SlotSet(KB_FAILURES_SLOT, failed), SlotSet(KB_DECISION_SLOT, "no_answer")]


class ActionOutOfScope(ActionAnswerQuestion):
    """A message the NLU took as out of scope still goes to the help center first: a question
    about a product or topic the NLU never saw (a new article's) is often taken as out of
    scope. Only a confident answer is given; anything less (and anything inside a form) gets the
    out-of-scope reply, and the turn is not counted as a failure. Sets `kb_decision` to answer
    or to nothing."""

    def name(self) -> str:
        return "action_out_of_scope"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        language = tracker_language(tracker)
        question = (tracker.latest_message.get("text") or "").strip()
        found = None
        in_form = bool(tracker.active_loop.get("name"))
        if question and not question.startswith("/") and not in_form:
            found = await self._search(tracker, question, language)
        if found is None or found.answer is None:
            dispatcher.utter_message(response="utter_out_of_scope")
            return [SlotSet(KB_DECISION_SLOT, None)]
        utter_article(dispatcher, language, found.answer.model_dump())
        return [
            SlotSet(LAST_QUESTION_SLOT, question),
            SlotSet(KB_ARTICLES_SLOT, articles_tried(tracker, question, [found.answer])),
            SlotSet(KB_FAILURES_SLOT, 0),
            SlotSet(KB_DECISION_SLOT, "answer"),
        ]


class ActionAnswerHelpful(ApiAction):
    """ "Did this help?" – "yes" (or thanks): the vote goes to the article's value score."""

    def name(self) -> str:
        return "action_answer_helpful"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        await report_vote(self._client_factory(), tracker, helpful=True)
        return [SlotSet(KB_FAILURES_SLOT, 0)]  # the rules follow with utter_glad_to_help


class ActionAnswerNotHelpful(ApiAction):
    """ "Did this help?" – "no": the vote goes to the article (after an answer, not after a
    clarification nobody picked from); offers a ticket or an expert; hands over to a person
    once the consecutive failed turns reach the limit."""

    def name(self) -> str:
        return "action_answer_not_helpful"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        language = tracker_language(tracker)
        answered = tracker.get_slot(KB_DECISION_SLOT) == "answer"
        client = self._client_factory()
        if answered:
            await report_vote(client, tracker, helpful=False)
        failed, handed_over = await fail_turn(
            client, dispatcher, tracker, voting_down_answer=answered
        )
        if handed_over is not None:
            return [*handed_over, SlotSet(KB_CHOICES_SLOT, None)]
        dispatcher.utter_message(
            text=text("kb_not_helpful", language),
            buttons=no_answer_buttons(language, offer_person=failed > 1),
        )
        return [SlotSet(KB_FAILURES_SLOT, failed), SlotSet(KB_CHOICES_SLOT, None)]


class ActionAnswerInForm(ActionAnswerQuestion):
    """The same search, for a question asked in the middle of a form.

    A separate action because it never sets `kb_decision` (the form resumes right after it),
    and Rasa's rules require an action to set the same slots wherever it is used.
    """

    def name(self) -> str:
        return "action_answer_in_form"


class ActionNotUnderstood(ApiAction):
    """NLU was not confident: asks to rephrase, and counts the turn as failed, so that a
    customer the assistant keeps misunderstanding reaches a person."""

    def name(self) -> str:
        return "action_not_understood"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        failed, handed_over = await fail_turn(self._client_factory(), dispatcher, tracker)
        if handed_over is not None:
            return handed_over
        dispatcher.utter_message(response="utter_default")
        return [SlotSet(KB_FAILURES_SLOT, failed)]
