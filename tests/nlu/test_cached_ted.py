"""CachedTEDPolicy (nlu_components/cached_ted.py) in the Rasa environment.

A script trains the policy for a few epochs on a tiny domain and three stories, then predicts
for dialogue states through the cache and, bypassing it, through TEDPolicy itself on the same
weights, and prints what it saw; these tests check that report.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.nlu.rasa_env import run_report

_SCRIPT = r"""
import json, tempfile
from pathlib import Path
from rasa.core.policies.ted_policy import TEDPolicy
from rasa.core.training import load_data
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from nlu_components.cached_ted import CachedTEDPolicy, freeze

domain = Domain.from_yaml('''
intents: [greet, ask_question, thanks]
slots:
  product: {type: categorical, values: [cam, bell], mappings: [{type: custom}]}
responses:
  utter_greet: [{text: hi}]
  utter_answer: [{text: answer}]
  utter_welcome: [{text: welcome}]
''')
stories = '''
version: "3.1"
stories:
- story: a
  steps:
  - intent: greet
  - action: utter_greet
  - intent: ask_question
  - action: utter_answer
- story: b
  steps:
  - intent: ask_question
  - action: utter_answer
  - intent: thanks
  - action: utter_welcome
- story: c
  steps:
  - intent: greet
  - action: utter_greet
  - intent: thanks
  - action: utter_welcome
'''
report = {}
with tempfile.TemporaryDirectory() as tmp:
    story_file = Path(tmp) / "stories.yml"
    story_file.write_text(stories)
    trackers = load_data(str(story_file), domain, augmentation_factor=0)
    context = ExecutionContext(GraphSchema({}), node_name="ted")
    (Path(tmp) / "model").mkdir()
    storage = LocalModelStorage(Path(tmp) / "model")
    config = {**CachedTEDPolicy.get_default_config(), "epochs": 3, "max_history": 5,
              "prediction_cache_size": 2, "random_seed": 1}
    policy = CachedTEDPolicy.create(config, storage, Resource("ted"), context)
    policy.train(trackers, domain)

    def tracker(*intents, slot=None):
        events = [ActionExecuted("action_listen")]
        for intent in intents:
            events.append(UserUttered(intent, {"name": intent, "confidence": 1.0}))
            if slot:
                events.append(SlotSet("product", slot))
        return DialogueStateTracker.from_events("t", events, domain.slots)

    cases = [tracker("greet"), tracker("ask_question"), tracker("ask_question", slot="cam"),
             tracker("greet"), tracker("thanks")]
    cached = [policy.predict_action_probabilities(t, domain).probabilities for t in cases]
    direct = [TEDPolicy.predict_action_probabilities(policy, t, domain).probabilities
              for t in cases]
    report["same_as_ted"] = cached == direct
    report["hits_misses"] = [policy.cache_hits, policy.cache_misses]
    report["cache_size"] = len(policy._cache)
    keys = [policy.prediction_key(t, domain) for t in cases]
    report["distinct_keys"] = len(set(keys))
    hash(keys[0])
    # The stored prediction is a copy: changing what a caller got does not change the next one.
    first = policy.predict_action_probabilities(cases[4], domain)
    first.probabilities[0] = 99.0
    report["copy_isolated"] = (
        policy.predict_action_probabilities(cases[4], domain).probabilities[0] != 99.0)
    report["freeze"] = freeze({"b": [1, {"c": (2,)}], "a": "x"}) == (
        ("a", "x"), ("b", (1, (("c", (2,)),))))
    # Loaded back from storage (as the server does), still the same predictions.
    loaded = CachedTEDPolicy.load(config, storage, Resource("ted"), context)
    report["loaded_same"] = [loaded.predict_action_probabilities(t, domain).probabilities
                             for t in cases] == direct
    loaded.config["prediction_cache_size"] = 0
    before = [loaded.cache_hits, loaded.cache_misses]
    loaded.predict_action_probabilities(cases[0], domain)
    report["off_misses"] = [loaded.cache_hits - before[0], loaded.cache_misses - before[1]]
print("REPORT " + json.dumps(report))
"""


@pytest.fixture(scope="module")
def report() -> dict[str, Any]:
    return run_report(_SCRIPT)


def test_cached_predictions_are_teds_own(report: dict[str, Any]) -> None:
    assert report["same_as_ted"] is True
    assert report["loaded_same"] is True


def test_a_repeated_state_is_a_hit_and_the_cache_keeps_its_size(report: dict[str, Any]) -> None:
    # 5 predictions over 4 distinct state sequences; the 4th repeats the 1st, but with room for
    # 2 the 1st was already evicted by the 2nd and 3rd: 0 hits, 5 misses, 2 kept.
    assert report["distinct_keys"] == 4
    assert report["hits_misses"] == [0, 5]
    assert report["cache_size"] == 2


def test_callers_get_copies(report: dict[str, Any]) -> None:
    assert report["copy_isolated"] is True
    assert report["freeze"] is True


def test_size_zero_turns_the_cache_off(report: dict[str, Any]) -> None:
    assert report["off_misses"] == [0, 0]
