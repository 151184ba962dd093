import asyncio
from typing import Any

import pytest
from rasa_sdk.executor import CollectingDispatcher

from actions.language import ActionDetectLanguage, detect_language
from tests.actions.action_factories import make_tracker


@pytest.mark.parametrize(
    ("text", "previous", "expected"),
    [
        ("摄像头连不上网怎么办", "en", "zh"),
        ("查询DM-000123的状态", None, "zh"),
        ("my Lumora 摄像头 is offline", "en", "zh"),
        ("wifi wont connect", "zh", "en"),
        ("how do I reset my camera", "zh", "en"),
        ("hi", None, "en"),
        ("hi", "zh", "zh"),
        # Button payloads, emails and references say nothing about the language.
        ("Lumora Cam", "zh", "zh"),
        ("/affirm", "zh", "zh"),
        ('/inform{"category": "billing", "product": "Lumora Cloud"}', "zh", "zh"),
        ("li.wei@example.cn", "zh", "zh"),
        ("DM-000123", "zh", "zh"),
        ("", "zh", "zh"),
        (None, None, "en"),
        ("hello there", "fr", "en"),
    ],
)
def test_detect_language(text: str | None, previous: str | None, expected: str) -> None:
    assert detect_language(text, previous) == expected


def run(text: str, language: str) -> list[dict[str, Any]]:
    tracker = make_tracker(text=text, slots={"language": language})
    return asyncio.run(ActionDetectLanguage().run(CollectingDispatcher(), tracker, {}))


def test_action_sets_language_when_it_changes() -> None:
    events = run("门铃电池很快没电", "en")

    assert events == [{"event": "slot", "timestamp": None, "name": "language", "value": "zh"}]


def test_action_keeps_language_without_event() -> None:
    assert run("Lumora Doorbell", "zh") == []
    assert run("how to reset cam", "en") == []


def test_language_slot_is_filled_by_the_action_on_every_turn(domain: dict[str, Any]) -> None:
    """Rasa's action_extract_slots runs custom mapping actions after each user message."""
    mappings = domain["slots"]["language"]["mappings"]

    assert mappings == [{"type": "custom", "action": "action_detect_language"}]
    assert "action_detect_language" in domain["actions"]


def test_an_external_trigger_keeps_the_conversations_language() -> None:
    tracker = make_tracker(
        text="EXTERNAL: EXTERNAL_ticket_resolved",
        intent="EXTERNAL_ticket_resolved",
        slots={"language": "zh"},
    )
    events = asyncio.run(ActionDetectLanguage().run(CollectingDispatcher(), tracker, {}))
    assert events == []
