"""The hybrid intent classifier (nlu_components/hybrid_classifier.py) in the Rasa environment.

A script trains the component twice on a small made-up data set (three intents in English and
Chinese, plus a trigger intent with a single example), persists it, loads it back and prints what
it saw; these tests check that report.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.nlu.rasa_env import run_report

_SCRIPT = r"""
import json, tempfile
from pathlib import Path
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.nlu.tokenizers.jieba_tokenizer import JiebaTokenizer
from rasa.shared.exceptions import InvalidConfigException
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from nlu_components.use_featurizer import UniversalSentenceEncoderFeaturizer as F
from nlu_components.hybrid_classifier import HybridIntentClassifier as C

context = ExecutionContext(GraphSchema({}), node_name="hybrid")
tokenizer = JiebaTokenizer.create(
    {**JiebaTokenizer.get_default_config(), "token_pattern": r"(?u)\b\w+\b"}, None, None, context
)
featurizer = F.create(F.get_default_config(), None, None, context)
data = {
    "reset_password": ["I forgot my password", "reset my password please", "password reset",
                       "can't remember my password", "change my login password",
                       "忘记密码了", "怎么重置密码", "密码忘了怎么办", "帮我重置一下密码"],
    "request_refund": ["I want a refund", "give me my money back", "refund my order",
                       "how do I get a refund", "please refund the payment",
                       "我要退款", "怎么申请退款", "把钱退给我", "订单退款"],
    "greet": ["hello", "hi there", "good morning", "hey", "hello deskmate",
              "你好", "早上好", "嗨", "您好"],
    "EXTERNAL_ping": ["EXTERNAL_ping"],
}

def prepare(texts, intents=None):
    messages = [Message(data={"text": t, **({"intent": i} if i else {})})
                for t, i in zip(texts, intents or [None] * len(texts))]
    tokenizer.process(messages)
    featurizer.process(messages)
    return messages

def train(directory, config):
    storage = LocalModelStorage(Path(directory))
    resource = Resource("hybrid")
    component = C.create({**C.get_default_config(), **config}, storage, resource, context)
    texts = [t for ts in data.values() for t in ts]
    intents = [i for i, ts in data.items() for _ in ts]
    component.train(TrainingData(training_examples=prepare(texts, intents)))
    return component, storage, resource

probes = ["pasword resett", "退款", "helo", "重置密码"]
report = {}
with tempfile.TemporaryDirectory() as one, tempfile.TemporaryDirectory() as two:
    first, storage, resource = train(one, {"C": [0.5, 1.0], "cv_folds": 2})
    second, _, _ = train(two, {"C": [0.5, 1.0], "cv_folds": 2})
    report["chosen_c"] = first.chosen_c
    report["intents"] = first.intents
    parsed = first.process(prepare(probes))
    report["predicted"] = [m.get("intent")["name"] for m in parsed]
    report["ranking"] = [m.get("intent_ranking") for m in parsed]
    again = second.process(prepare(probes))
    report["same_on_retraining"] = [m.get("intent_ranking") for m in again] == report["ranking"]
    loaded = C.load({**C.get_default_config(), "C": [0.5, 1.0], "cv_folds": 2}, storage,
                    resource, context)
    reloaded = loaded.process(prepare(probes))
    report["same_after_loading"] = [m.get("intent_ranking") for m in reloaded] == report["ranking"]
    empty = C.load(C.get_default_config(), LocalModelStorage(Path(two) / "none"),
                   Resource("missing"), context)
    untrained = empty.process(prepare(["hello"]))[0]
    report["untrained"] = [untrained.get("intent"), untrained.get("intent_ranking")]
    # One message at a time (as Rasa serves) goes through the compiled predictor; a batch goes
    # through scikit-learn. Both on every training text and the probes, typos and all.
    import numpy as np
    texts = [t for ts in data.values() for t in ts] + probes + ["??", "zzzz qqq", "a"]
    features, classifier, _ = first.model
    worst = 0.0
    for text in texts:
        message = prepare([text])
        dense = np.stack([message[0].get_dense_features("text")[1].features.ravel()])
        x = features.transform([text], [" ".join(t.text.lower() for t in message[0].get(
            "text_tokens"))], dense)
        expected = classifier.predict_proba(x)
        got = first._compiled().predict_proba(
            text, " ".join(t.text.lower() for t in message[0].get("text_tokens")), dense[0])
        worst = max(worst, float(np.abs(expected[0] - got).max()))
    report["compiled_used"] = first._compiled() is not None
    report["compiled_max_difference"] = worst
    # Through process(), one probe at a time, against the batch run above (the sentence
    # encoder's own batch padding moves its vectors by ~1e-7, hence a tolerance, not equality).
    one_by_one = [m.get("intent_ranking") for p in probes for m in first.process(prepare([p]))]
    report["compiled_same_ranking"] = [[r["name"] for r in x] for x in one_by_one] == [
        [r["name"] for r in x] for x in report["ranking"]] and max(
        abs(a["confidence"] - b["confidence"])
        for x, y in zip(one_by_one, report["ranking"]) for a, b in zip(x, y)) < 1e-5
with tempfile.TemporaryDirectory() as two_classes:
    saved = dict(data)
    data.clear()
    data.update({k: saved[k] for k in ("reset_password", "greet")})
    binary, _, _ = train(two_classes, {"C": [1.0], "cv_folds": 2})
    data.clear()
    data.update(saved)
    report["binary_compiled"] = binary._compiled() is not None
    report["binary_predicted"] = binary.process(prepare(["重置密码"]))[0].get("intent")["name"]
with tempfile.TemporaryDirectory() as three:
    # The vote alone (weight 1): a probe that is a training utterance gets that utterance's intent.
    voting, storage, resource = train(
        three, {"C": [1.0], "neighbours": 3, "neighbour_weight": 1.0,
                "neighbour_temperature": 0.01}
    )
    probes_vote = ["怎么申请退款", "hello deskmate"]
    ranked = [m.get("intent_ranking") for m in voting.process(prepare(probes_vote))]
    report["vote_top"] = [[r[0]["name"], r[0]["confidence"]] for r in ranked]
    report["vote_sums"] = [sum(x["confidence"] for x in r) for r in ranked]
    loaded = C.load({**C.get_default_config(), "C": [1.0], "neighbours": 3,
                     "neighbour_weight": 1.0, "neighbour_temperature": 0.01},
                    storage, resource, context)
    report["vote_same_after_loading"] = [
        m.get("intent_ranking") for m in loaded.process(prepare(probes_vote))] == ranked
errors = []
for bad in ({"C": []}, {"C": [0, 1]}, {"char_ngrams": [5, 2]}, {"cv_folds": 1},
            {"class_weight": "weird"}, {"neighbours": -1}, {"neighbour_weight": 2},
            {"neighbour_temperature": 0}):
    try:
        C.create({**C.get_default_config(), **bad}, None, None, context)
    except InvalidConfigException as exc:
        errors.append(str(exc))
report["config_errors"] = errors
print("REPORT " + json.dumps(report))
"""


@pytest.fixture(scope="module")
def report() -> dict[str, Any]:
    return run_report(_SCRIPT)


def test_typos_and_chinese_fragments_are_classified(report: dict[str, Any]) -> None:
    assert report["predicted"] == ["reset_password", "request_refund", "greet", "reset_password"]


def test_the_ranking_holds_calibrated_probabilities_best_first(report: dict[str, Any]) -> None:
    for ranking in report["ranking"]:
        confidences = [r["confidence"] for r in ranking]
        assert confidences == sorted(confidences, reverse=True)
        assert all(0.0 <= c <= 1.0 for c in confidences)
        assert abs(sum(confidences) - 1.0) < 1e-6  # all 4 intents are in the ranking


def test_an_intent_with_a_single_example_is_kept(report: dict[str, Any]) -> None:
    assert "EXTERNAL_ping" in report["intents"]


def test_c_is_chosen_from_the_candidates(report: dict[str, Any]) -> None:
    assert report["chosen_c"] in (0.5, 1.0)


def test_retraining_and_loading_give_the_same_confidences(report: dict[str, Any]) -> None:
    assert report["same_on_retraining"] is True
    assert report["same_after_loading"] is True


def test_one_message_at_a_time_gives_scikit_learns_numbers(report: dict[str, Any]) -> None:
    assert report["compiled_used"] is True
    assert report["compiled_max_difference"] < 1e-9
    assert report["compiled_same_ranking"] is True


def test_a_model_the_compiled_predictor_does_not_cover_keeps_scikit_learn(
    report: dict[str, Any],
) -> None:
    assert report["binary_compiled"] is False
    assert report["binary_predicted"] == "reset_password"


def test_without_a_trained_model_no_intent_is_set(report: dict[str, Any]) -> None:
    assert report["untrained"] == [{"name": None, "confidence": 0.0}, []]


def test_a_bad_setting_is_refused_with_a_clear_error(report: dict[str, Any]) -> None:
    errors = report["config_errors"]
    assert len(errors) == 8
    assert "'C' must be a list of positive numbers" in errors[0]
    assert "'C' must be a list of positive numbers" in errors[1]
    assert "'char_ngrams' must be [low, high]" in errors[2]
    assert "'cv_folds' must be an integer >= 2" in errors[3]
    assert "'class_weight' is 'balanced' or null" in errors[4]
    assert "'neighbours' must be an integer >= 0" in errors[5]
    assert "'neighbour_weight' must be in [0, 1]" in errors[6]
    assert "'neighbour_temperature' must be positive" in errors[7]


def test_the_neighbour_vote_gives_the_intent_of_the_nearest_training_utterances(
    report: dict[str, Any],
) -> None:
    # Both probes are training utterances: with the vote alone they get their own intent.
    assert [name for name, _ in report["vote_top"]] == ["request_refund", "greet"]
    assert all(confidence > 0.9 for _, confidence in report["vote_top"])
    assert all(abs(total - 1.0) < 1e-6 for total in report["vote_sums"])
    assert report["vote_same_after_loading"] is True
