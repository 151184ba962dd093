import asyncio
from typing import Any

import httpx
from rasa_sdk.executor import CollectingDispatcher

from actions.knowledge import (
    ActionAnswerInForm,
    ActionAnswerNotHelpful,
    ActionAnswerQuestion,
    ActionOutOfScope,
)
from tests.actions.action_factories import API_TOKEN, SENDER_ID, FakeApi, make_tracker, texts

SEARCH = "/api/v1/kb/search"
ARTICLE_URL = "http://127.0.0.1:8000/kb/articles/5b0c6a52-3f7e-4b43-9d0e-1f6f0f6f9a01"


def search_body(decision: str, query: str = "wifi wont connect") -> dict[str, Any]:
    results = [
        {
            "article_id": "5b0c6a52-3f7e-4b43-9d0e-1f6f0f6f9a01",
            "title": "Connect your Lumora Cam to Wi-Fi",
            "score": 0.71,
            "snippet": "Hold the button for 5 seconds, then pick your 2.4 GHz network in the app.",
            "url": ARTICLE_URL,
        },
        {
            "article_id": "0d1f29a4-3a38-4c63-8f1c-8a2b6f0c0e11",
            "title": "Wi-Fi requirements",
            "score": 0.52,
            "snippet": "Lumora devices need 2.4 GHz Wi-Fi.",
            "url": "http://127.0.0.1:8000/kb/articles/0d1f29a4-3a38-4c63-8f1c-8a2b6f0c0e11",
        },
    ]
    return {"query": query, "decision": decision, "results": results}


def run(
    api: FakeApi, text: str, language: str = "en"
) -> tuple[CollectingDispatcher, list[dict[str, Any]]]:
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(text=text, intent="ask_question", slots={"language": language})
    events = asyncio.run(ActionAnswerQuestion(api.client).run(dispatcher, tracker, {}))
    return dispatcher, events


def slots(events: list[dict[str, Any]]) -> dict[str, Any]:
    return {e["name"]: e["value"] for e in events if e["event"] == "slot"}


def test_answer_sends_the_article_then_asks_whether_it_helped(api: FakeApi) -> None:
    api.on("GET", SEARCH, 200, search_body("answer"))

    dispatcher, events = run(api, "wifi wont connect")

    answer, did_it_help = dispatcher.messages
    assert answer["text"] == (
        "**Connect your Lumora Cam to Wi-Fi**\n\n"
        "Hold the button for 5 seconds, then pick your 2.4 GHz network in the app.\n\n"
        f"[Read the full article]({ARTICLE_URL})"
    )
    assert answer["buttons"] == []
    assert did_it_help["text"] == "Did this help?"
    assert did_it_help["buttons"] == [
        {"title": "Yes", "payload": "/affirm"},
        {"title": "No", "payload": "/deny"},
    ]
    assert slots(events) == {
        "last_question": "wifi wont connect",
        "kb_decision": "answer",
        "kb_failures": 0,  # an answer is a success unless voted down next
        "kb_articles_tried": [
            {
                "query": "wifi wont connect",
                "article_id": "5b0c6a52-3f7e-4b43-9d0e-1f6f0f6f9a01",
                "title": "Connect your Lumora Cam to Wi-Fi",
                "score": 0.71,
            }
        ],
    }


def test_search_is_called_with_the_message_language_and_token(api: FakeApi) -> None:
    api.on("GET", SEARCH, 200, search_body("answer"))

    run(api, "  how to reset cam ")

    (request,) = api.requests
    assert request.url.params["q"] == "how to reset cam"
    assert request.url.params["k"] == "3"
    assert request.url.params["language"] == "en"
    assert request.url.params["conversation_id"] == SENDER_ID  # so erasure finds the query
    assert request.headers["Authorization"] == f"Bearer {API_TOKEN}"


def test_chinese_answer(api: FakeApi) -> None:
    api.on("GET", SEARCH, 200, search_body("answer", query="摄像头连不上网怎么办"))

    dispatcher, events = run(api, "摄像头连不上网怎么办", language="zh")

    assert api.requests[0].url.params["language"] == "zh"
    answer, did_it_help = texts(dispatcher)
    assert answer.endswith(f"[阅读全文]({ARTICLE_URL})")
    assert did_it_help == "这解决您的问题了吗？"
    assert [b["title"] for b in dispatcher.messages[1]["buttons"]] == ["是", "否"]
    assert slots(events)["kb_decision"] == "answer"


def test_no_answer_offers_a_ticket_or_an_expert(api: FakeApi) -> None:
    api.on("GET", SEARCH, 200, search_body("no_answer", query="can I get a job at lumora"))

    dispatcher, events = run(api, "can I get a job at lumora")

    (offer,) = dispatcher.messages
    assert offer["text"] == (
        "I couldn't find an answer to that in our help center. "
        "Shall I open a ticket for you, or find an expert?"
    )
    assert offer["buttons"] == [
        {"title": "Open a ticket", "payload": "/open_ticket"},
        {"title": "Find an expert", "payload": "/find_expert"},
        {"title": "No thanks", "payload": "/deny"},
    ]
    assert slots(events) == {
        "last_question": "can I get a job at lumora",
        "kb_decision": "no_answer",
        "kb_failures": 1,
    }


def test_clarify_offers_the_top_choices_as_buttons(api: FakeApi) -> None:
    api.on("GET", SEARCH, 200, search_body("clarify", query="wifi"))

    dispatcher, events = run(api, "wifi")

    (question,) = dispatcher.messages
    assert question["text"] == "I found a few articles. Which one fits your question best?"
    assert question["buttons"] == [
        {
            "title": "Connect your Lumora Cam to Wi-Fi",
            "payload": '/ask_question{"article_id": "5b0c6a52-3f7e-4b43-9d0e-1f6f0f6f9a01"}',
        },
        {
            "title": "Wi-Fi requirements",
            "payload": '/ask_question{"article_id": "0d1f29a4-3a38-4c63-8f1c-8a2b6f0c0e11"}',
        },
        {"title": "None of these", "payload": "/deny"},
    ]
    found = slots(events)
    assert found["kb_decision"] == "clarify"
    assert [c["article_id"] for c in found["kb_choices"]] == [
        "5b0c6a52-3f7e-4b43-9d0e-1f6f0f6f9a01",
        "0d1f29a4-3a38-4c63-8f1c-8a2b6f0c0e11",
    ]
    assert [a["score"] for a in found["kb_articles_tried"]] == [0.71, 0.52]


def test_picking_a_choice_answers_with_it_without_searching(api: FakeApi) -> None:
    choices = search_body("clarify")["results"]
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(
        text='/ask_question{"article_id": "0d1f29a4-3a38-4c63-8f1c-8a2b6f0c0e11"}',
        entities=[{"entity": "article_id", "value": "0d1f29a4-3a38-4c63-8f1c-8a2b6f0c0e11"}],
        slots={"kb_choices": choices},
    )

    events = asyncio.run(ActionAnswerQuestion(api.client).run(dispatcher, tracker, {}))

    assert api.requests == []
    answer, did_it_help = texts(dispatcher)
    assert answer.startswith("**Wi-Fi requirements**")
    assert did_it_help == "Did this help?"
    assert slots(events) == {"kb_choices": None, "kb_decision": "answer", "kb_failures": 0}


def test_in_a_form_the_answer_comes_without_did_this_help(api: FakeApi) -> None:
    api.on("GET", SEARCH, 200, search_body("answer"))
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(
        text="how do I reset the hub",
        slots={"requested_slot": "contact_email"},
        active_loop="fault_form",
    )

    events = asyncio.run(ActionAnswerInForm(api.client).run(dispatcher, tracker, {}))

    (answer,) = texts(dispatcher)
    assert answer.startswith("**Connect your Lumora Cam to Wi-Fi**")
    assert "kb_decision" not in slots(events)


def test_in_a_form_waiting_for_a_description_it_stays_silent(api: FakeApi) -> None:
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(
        text="the camera won't connect to wifi since yesterday",
        slots={"requested_slot": "ticket_description"},
        active_loop="fault_form",
    )

    events = asyncio.run(ActionAnswerInForm(api.client).run(dispatcher, tracker, {}))

    assert (events, dispatcher.messages, api.requests) == ([], [], [])


def test_not_helpful_offers_a_ticket_or_expert(api: FakeApi) -> None:
    first = CollectingDispatcher()
    events = asyncio.run(
        ActionAnswerNotHelpful(api.client).run(first, make_tracker(text="/deny", intent="deny"), {})
    )
    assert [b["payload"] for b in first.messages[0]["buttons"]] == [
        "/open_ticket",
        "/find_expert",
        "/deny",
    ]
    assert slots(events) == {"kb_failures": 1, "kb_choices": None}
    assert api.requests == []  # the first failure hands nothing over (test_action_escalation)


def test_no_answer_in_chinese(api: FakeApi) -> None:
    api.on("GET", SEARCH, 200, {"query": "q", "decision": "no_answer", "results": []})

    dispatcher, _ = run(api, "你们招聘吗", language="zh")

    assert texts(dispatcher) == [
        "抱歉，我在帮助中心没有找到相关答案。需要我为您创建工单，还是帮您找一位专家？"
    ]


def test_api_down_apologises_and_offers_a_ticket(api: FakeApi) -> None:
    api.fail_with(httpx.ConnectError("connection refused"))

    dispatcher, events = run(api, "wifi wont connect")

    assert len(api.requests) == 2  # a refused connection is retried once
    (message,) = dispatcher.messages
    assert message["text"].startswith("Sorry, I can't search our help center right now.")
    assert message["buttons"][0]["payload"] == "/open_ticket"
    assert slots(events)["kb_decision"] == "no_answer"


def test_api_timeout_is_not_retried(api: FakeApi) -> None:
    api.fail_with(httpx.ReadTimeout("too slow"))

    dispatcher, _ = run(api, "wifi wont connect", language="zh")

    assert len(api.requests) == 1
    assert texts(dispatcher) == [
        "抱歉，帮助中心暂时无法访问。需要我为您创建工单，或者找一位专家吗？"
    ]


def test_api_error_response(api: FakeApi) -> None:
    api.on("GET", SEARCH, 503, {"error": "index_not_ready", "detail": "the index is loading"})

    dispatcher, events = run(api, "wifi wont connect")

    assert texts(dispatcher)[0].startswith("Sorry, I can't search our help center")
    assert slots(events)["kb_decision"] == "no_answer"


def test_unexpected_response_shape_is_treated_as_api_failure(api: FakeApi) -> None:
    api.on("GET", SEARCH, 200, {"decision": "maybe"})

    dispatcher, _ = run(api, "wifi wont connect")

    assert texts(dispatcher)[0].startswith("Sorry, I can't search our help center")


def run_out_of_scope(
    api: FakeApi, text: str, *, active_loop: str | None = None
) -> tuple[CollectingDispatcher, list[dict[str, Any]]]:
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(text=text, intent="out_of_scope", active_loop=active_loop)
    events = asyncio.run(ActionOutOfScope(api.client).run(dispatcher, tracker, {}))
    return dispatcher, events


def test_out_of_scope_is_answered_when_the_help_center_is_sure(api: FakeApi) -> None:
    api.on("GET", SEARCH, 200, search_body("answer", "rain delay on my sprinkler"))

    dispatcher, events = run_out_of_scope(api, "how do I set a rain delay on my sprinkler")

    answer, did_it_help = texts(dispatcher)
    assert answer.startswith("**Connect your Lumora Cam to Wi-Fi**")
    assert did_it_help == "Did this help?"
    assert slots(events)["kb_decision"] == "answer"
    assert slots(events)["kb_failures"] == 0


def test_out_of_scope_without_a_sure_answer_gets_the_out_of_scope_reply(api: FakeApi) -> None:
    for decision in ("clarify", "no_answer"):
        api.on("GET", SEARCH, 200, search_body(decision, "what's the weather"))
        dispatcher, events = run_out_of_scope(api, "what's the weather")
        assert [m["response"] for m in dispatcher.messages] == ["utter_out_of_scope"]
        assert slots(events) == {"kb_decision": None}


def test_out_of_scope_with_the_help_center_down_or_in_a_form_does_not_search(
    api: FakeApi,
) -> None:
    api.on("GET", SEARCH, 503, {"error": "unavailable", "detail": "down"})
    dispatcher, _ = run_out_of_scope(api, "what's the weather")
    assert [m["response"] for m in dispatcher.messages] == ["utter_out_of_scope"]
    searched = len(api.requests)

    dispatcher, _ = run_out_of_scope(api, "what's the weather", active_loop="fault_form")
    assert [m["response"] for m in dispatcher.messages] == ["utter_out_of_scope"]
    assert len(api.requests) == searched


def test_in_a_form_a_failed_try_at_an_email_is_told_what_is_wrong(api: FakeApi) -> None:
    for message, expected in [
        ("not-an-email", "That email address looks invalid."),
        ("bob at example dot com", "I couldn't find an answer to that; let's finish this first."),
        ("how do I reset the hub?", "I couldn't find an answer to that; let's finish this first."),
    ]:
        api.on("GET", SEARCH, 200, search_body("no_answer", message))
        dispatcher = CollectingDispatcher()
        tracker = make_tracker(
            text=message, slots={"requested_slot": "contact_email"}, active_loop="fault_form"
        )
        asyncio.run(ActionAnswerInForm(api.client).run(dispatcher, tracker, {}))
        assert texts(dispatcher) == [expected], message
