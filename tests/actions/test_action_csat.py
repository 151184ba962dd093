"""The satisfaction survey: start, validation of rating and comment, submit, cancel."""

import asyncio
from typing import Any

import pytest
from rasa_sdk.executor import CollectingDispatcher

from actions.csat import (
    ActionCsatCancel,
    ActionCsatStart,
    ActionCsatSubmit,
    ValidateCsatForm,
    parse_rating,
)
from tests.actions.action_factories import FakeApi, make_tracker, texts

CSAT = "/api/v1/tickets/DM-000123/csat"


def slots(events: list[dict[str, Any]]) -> dict[str, Any]:
    return {e["name"]: e["value"] for e in events if e["event"] == "slot"}


def test_start_remembers_the_ticket_of_the_trigger() -> None:
    tracker = make_tracker(
        text="",
        intent="EXTERNAL_ticket_resolved",
        entities=[{"entity": "ticket_reference", "value": "dm-000123"}],
        slots={"csat_rating": "4"},
    )
    events = asyncio.run(ActionCsatStart().run(CollectingDispatcher(), tracker, {}))
    assert slots(events) == {
        "csat_reference": "DM-000123",
        "csat_rating": None,
        "csat_comment": None,
    }


@pytest.mark.parametrize(
    ("said", "rating"),
    [
        ("4", 4),
        ("4 stars", 4),
        ("5/5", 5),
        ("I'd say four", 4),
        ("五分", 5),
        ("三", 3),
        ("4分", 4),
        ("7", None),
        ("0", None),
        ("4.5", None),
        ("great", None),
        ("十分", None),
    ],
)
def test_ratings_are_read_from_what_customers_write(said: str, rating: int | None) -> None:
    assert parse_rating(said) == rating


def validate_rating(value: str, language: str = "en") -> tuple[CollectingDispatcher, Any]:
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(text=value, slots={"language": language}, active_loop="csat_form")
    result = ValidateCsatForm().validate_csat_rating(value, dispatcher, tracker, {})
    return dispatcher, result


def test_a_rating_out_of_range_is_asked_again_in_both_languages() -> None:
    dispatcher, result = validate_rating("7")
    assert result == {"csat_rating": None}
    assert texts(dispatcher) == ["Please rate from 1 to 5 (for example 4), or say skip."]
    dispatcher, result = validate_rating("七分", language="zh")
    assert result == {"csat_rating": None}
    assert texts(dispatcher) == ["请打 1 到 5 分（例如 4），或者回复“跳过”。"]


def test_a_valid_rating_is_kept_and_skip_ends_the_survey() -> None:
    assert validate_rating("5 stars")[1] == {"csat_rating": "5"}
    assert validate_rating("skip")[1] == {"csat_rating": "skipped", "csat_comment": "skipped"}
    assert validate_rating("跳过")[1] == {"csat_rating": "skipped", "csat_comment": "skipped"}


@pytest.mark.parametrize(
    ("said", "kept"),
    [
        ("skip", "-"),
        ("no", "-"),
        ("cancel", "-"),  # after a rating: the rating stays, without a comment
        ("没有", "-"),
        ("取消", "-"),
        ("Fast and friendly", "Fast and friendly"),
    ],
)
def test_the_comment_is_optional(said: str, kept: str) -> None:
    tracker = make_tracker(text=said, active_loop="csat_form")
    result = ValidateCsatForm().validate_csat_comment(said, CollectingDispatcher(), tracker, {})
    assert result == {"csat_comment": kept}


def submit(api: FakeApi, **values: Any) -> tuple[CollectingDispatcher, list[dict[str, Any]]]:
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(
        text="ok",
        slots={"csat_reference": "DM-000123", "csat_rating": "4", "csat_comment": "-", **values},
    )
    events = asyncio.run(ActionCsatSubmit(api.client).run(dispatcher, tracker, {}))
    return dispatcher, events


def test_submit_stores_rating_and_comment_and_thanks(api: FakeApi) -> None:
    api.on("POST", CSAT, 201, {"rating": 4})

    dispatcher, events = submit(api, csat_comment="Fast and friendly")

    assert api.last_json() == {"rating": 4, "comment": "Fast and friendly"}
    assert texts(dispatcher) == ["Thank you for rating DM-000123 with 4/5!"]
    assert slots(events) == {"csat_reference": None, "csat_rating": None, "csat_comment": None}


def test_submit_without_a_comment_sends_none_in_chinese(api: FakeApi) -> None:
    api.on("POST", CSAT, 201, {"rating": 4})

    dispatcher, _ = submit(api, language="zh")

    assert api.last_json() == {"rating": 4, "comment": None}
    assert texts(dispatcher) == ["感谢您为工单 DM-000123 打了 4 分！"]


def test_a_second_rating_is_refused_politely(api: FakeApi) -> None:
    api.on("POST", CSAT, 409, {"error": "already_rated", "detail": "DM-000123 has been rated."})

    dispatcher, _ = submit(api)

    assert texts(dispatcher) == [
        "Thanks! DM-000123 has already been rated, so I kept the first rating."
    ]


def test_api_down_on_submit_is_polite(api: FakeApi) -> None:
    api.on("POST", CSAT, 503, {"error": "unavailable", "detail": "down"})
    dispatcher, events = submit(api)
    assert texts(dispatcher) == [
        "Sorry, I couldn't save your rating right now. Thank you all the same!"
    ]
    assert slots(events)["csat_reference"] is None


def test_a_skipped_survey_stores_nothing(api: FakeApi) -> None:
    dispatcher, _ = submit(api, csat_rating="skipped", csat_comment="skipped")
    assert api.requests == []
    assert texts(dispatcher) == ["No problem, I won't ask again about DM-000123."]


def test_cancel_says_so_and_forgets(api: FakeApi) -> None:
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(
        text="取消", intent="cancel", slots={"language": "zh", "csat_reference": "DM-000123"}
    )
    events = asyncio.run(ActionCsatCancel().run(dispatcher, tracker, {}))
    assert texts(dispatcher) == ["好的，关于工单 DM-000123 我就不再打扰了。"]
    assert slots(events)["csat_reference"] is None


def test_the_form_starting_with_empty_slots_says_nothing() -> None:
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(text="", intent="EXTERNAL_ticket_resolved", active_loop="csat_form")
    form = ValidateCsatForm()
    assert form.validate_csat_rating(None, dispatcher, tracker, {}) == {"csat_rating": None}
    assert form.validate_csat_comment(None, dispatcher, tracker, {}) == {"csat_comment": None}
    assert dispatcher.messages == []
