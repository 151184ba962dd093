"""rasa_runtime's fixes to Rasa, in the Rasa environment: same behaviour, less work."""

from __future__ import annotations

from typing import Any

import pytest

from tests.nlu.rasa_env import require_rasa_env, run_in_rasa_env, run_report

_SCRIPT = r"""
import json
import jsonschema
from rasa.core.actions.action import RemoteAction
original = RemoteAction._validate_action_result

samples = {
    "empty": {},
    "good": {"events": [{"event": "slot", "name": "x", "value": 1}],
             "responses": [{"text": "hi"}]},
    "events not a list": {"events": {"event": "slot"}, "responses": []},
    "event without a name": {"events": [{"name": "x"}], "responses": []},
    "unknown event": {"events": [{"event": "no_such_event"}], "responses": []},
    "responses not a list": {"events": [], "responses": "hello"},
}

def outcome(method, result):
    try:
        return ["ok", method(RemoteAction, result)]
    except jsonschema.ValidationError as exc:
        return ["error", exc.message]

before = {name: outcome(original, sample) for name, sample in samples.items()}
import rasa_runtime
rasa_runtime.apply()
rasa_runtime.apply()
patched = RemoteAction._validate_action_result
after = {name: outcome(patched, sample) for name, sample in samples.items()}

calls = []
for cls in {type(rasa_runtime.action_response_validator())}:
    def counting(schema, cls=cls, real=cls.check_schema):
        calls.append(1)
        return real(schema)
    cls.check_schema = staticmethod(counting)
for _ in range(5):
    patched(RemoteAction, samples["good"])
print("REPORT " + json.dumps({
    "before": before, "after": after, "replaced": patched is not original,
    "schema_checks_in_5_calls": len(calls),
}))
"""


@pytest.fixture(scope="module")
def report() -> dict[str, Any]:
    return run_report(_SCRIPT)


def test_responses_are_judged_exactly_as_rasa_judges_them(report: dict[str, Any]) -> None:
    assert report["replaced"] is True
    assert report["after"] == report["before"]
    assert report["after"]["good"] == ["ok", True]
    assert report["after"]["empty"] == ["ok", True]
    bad_ones = (
        "events not a list",
        "event without a name",
        "unknown event",
        "responses not a list",
    )
    for bad in bad_ones:
        kind, message = report["after"][bad]
        assert kind == "error"
        assert "Failed to validate Action server response from API" in message


def test_the_schema_is_not_checked_again_on_every_response(report: dict[str, Any]) -> None:
    assert report["schema_checks_in_5_calls"] == 0


def test_the_command_line_is_rasas() -> None:
    require_rasa_env()
    result = run_in_rasa_env(["-m", "rasa_runtime", "--version"])
    assert "Rasa Version" in result.stdout and "3.6.21" in result.stdout
