"""An intent classifier on the sentence vector AND the message's characters and words, in one model.

The sentence encoder (use_featurizer.py) knows meaning but not spelling; character n-grams know
spelling but not meaning: typos ("pasword", "refnd") and Chinese fragments with one changed
character keep most of their character n-grams. This component concatenates, per message:

- the dense sentence feature of the message (the encoder's unit vector), times `dense_weight`;
- TF-IDF of the lower-cased text's character n-grams inside word boundaries (`char_ngrams`);
- TF-IDF of word unigrams and bigrams of the tokenizer's tokens (Jieba segments Chinese);

and trains ONE linear SVM on it. C is chosen by stratified cross-validation on the training data
(macro-F1) when several are given. Probabilities for the ranking and the FallbackClassifier come
from sigmoid calibration on stratified folds (no shuffling, fixed random_state): the same data
gives the same model and confidences on every training.

With `neighbours` > 0 the probabilities are blended with a vote of the training utterances whose
sentence vectors are nearest the message's (cosine, each weighted by exp((similarity - 1) /
`neighbour_temperature`)): a message that closely paraphrases a few training utterances gets their
intent even when the SVM's one hyperplane per intent leans the other way.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any, Literal

import numpy as np
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers import LABEL_RANKING_LENGTH
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.nlu.constants import TOKENS_NAMES
from rasa.nlu.featurizers.dense_featurizer.dense_featurizer import DenseFeaturizer
from rasa.nlu.tokenizers.tokenizer import Tokenizer
from rasa.shared.exceptions import InvalidConfigException
from rasa.shared.nlu.constants import INTENT, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from scipy import sparse
from sklearn.calibration import CalibratedClassifierCV
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.model_selection import GridSearchCV, StratifiedKFold
from sklearn.svm import LinearSVC

from nlu_components.fast_predict import CompiledPredictor, Unsupported

logger = logging.getLogger(__name__)

_MODEL_FILE = "hybrid_intent_classifier.skops"
# The types skops may rebuild from our own model file (checked against what the file declares).
_TRUSTED_PREFIXES = ("sklearn.", "numpy.", "scipy.sparse.", "builtins.")


def _words(message: Message) -> str:
    """The tokenizer's tokens, lower-cased, joined by spaces (where the word vectorizer splits)."""
    tokens = message.get(TOKENS_NAMES[TEXT]) or []
    return " ".join(t.text.lower() for t in tokens if t.text.strip())


def _sentence_vector(message: Message) -> np.ndarray | None:
    _, sentence = message.get_dense_features(TEXT)
    return None if sentence is None else np.ravel(sentence.features)


def _dense(messages: list[Message]) -> np.ndarray:
    """The sentence vectors of messages that have one, stacked (one row per message)."""
    rows = [_sentence_vector(m) for m in messages]
    return np.stack([r for r in rows if r is not None])


def _repeat_rare(examples: list[Message], folds: int) -> list[Message]:
    """Repeats the examples of intents with fewer than `folds` of them (e.g. an EXTERNAL_ trigger
    intent with one example) so that stratified folds can hold each intent; others unchanged."""
    counts: dict[str, int] = {}
    for message in examples:
        counts[message.get(INTENT)] = counts.get(message.get(INTENT), 0) + 1
    extra = [
        m
        for m in examples
        if counts[m.get(INTENT)] < folds
        for _ in range(-(-folds // counts[m.get(INTENT)]) - 1)
    ]
    return examples + extra


class NeighbourVote:
    """The intents of the `k` training sentence vectors nearest a message, as probabilities."""

    def __init__(self, k: int, temperature: float) -> None:
        self.k = k
        self.temperature = temperature
        self.vectors = np.zeros((0, 0), dtype=np.float32)
        self.labels = np.zeros(0, dtype=np.int64)
        self.n_classes = 0

    def fit(self, vectors: np.ndarray, labels: np.ndarray, n_classes: int) -> NeighbourVote:
        """`labels` are column indices of the classifier's classes (0 .. n_classes - 1)."""
        self.vectors = np.asarray(vectors, dtype=np.float32)
        self.labels = np.asarray(labels, dtype=np.int64)
        self.n_classes = n_classes
        return self

    def predict_proba(self, vectors: np.ndarray) -> np.ndarray:
        similarity = np.asarray(vectors, dtype=np.float32) @ self.vectors.T
        k = min(self.k, similarity.shape[1])
        nearest = np.argpartition(-similarity, k - 1, axis=1)[:, :k]
        rows = np.arange(len(similarity))[:, np.newaxis]
        weights = np.exp((similarity[rows, nearest] - 1.0) / self.temperature)
        votes = np.zeros((len(similarity), self.n_classes))
        np.add.at(votes, (np.broadcast_to(rows, nearest.shape), self.labels[nearest]), weights)
        return votes / votes.sum(axis=1, keepdims=True)


class HybridFeatures:
    """Fits and applies the three feature blocks (kept together so they persist as one model)."""

    def __init__(self, char_ngrams: tuple[int, int], dense_weight: float) -> None:
        self.dense_weight = dense_weight
        self.chars = TfidfVectorizer(
            analyzer="char_wb", ngram_range=char_ngrams, sublinear_tf=True, min_df=2
        )
        self.words = TfidfVectorizer(
            token_pattern=r"\S+", ngram_range=(1, 2), sublinear_tf=True, lowercase=False
        )

    def fit_transform(self, texts: list[str], words: list[str], dense: np.ndarray) -> Any:
        return self._stack(dense, self.chars.fit_transform(texts), self.words.fit_transform(words))

    def transform(self, texts: list[str], words: list[str], dense: np.ndarray) -> Any:
        return self._stack(dense, self.chars.transform(texts), self.words.transform(words))

    def _stack(self, dense: np.ndarray, chars: Any, words: Any) -> Any:
        return sparse.hstack([sparse.csr_matrix(dense * self.dense_weight), chars, words]).tocsr()


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class HybridIntentClassifier(GraphComponent, IntentClassifier):
    """Linear SVM on [sentence vector x weight | char n-gram TF-IDF | word 1-2-gram TF-IDF]."""

    @classmethod
    def required_components(cls) -> list[type]:
        return [Tokenizer, DenseFeaturizer]

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {
            # Candidate C values of the SVM; several -> chosen by cross-validation (macro-F1).
            "C": [0.25, 0.5, 1.0, 2.0],
            "cv_folds": 3,
            # Scale of the (unit-length) sentence vector against the TF-IDF blocks.
            "dense_weight": 2.0,
            "char_ngrams": [2, 5],
            # "balanced" or null: class weights of the SVM.
            "class_weight": None,
            "random_state": 0,
            # Nearest training utterances (by sentence vector) that vote; 0 = no vote.
            "neighbours": 0,
            # Share of the vote in the final probabilities (the SVM's is 1 - this).
            "neighbour_weight": 0.3,
            # Sharpness of the vote: lower -> the nearest utterance counts more.
            "neighbour_temperature": 0.05,
        }

    @staticmethod
    def required_packages() -> list[str]:
        return ["sklearn", "skops"]

    @classmethod
    def validate_config(cls, config: dict[str, Any]) -> None:
        values = config.get("C")
        if (
            not isinstance(values, list)
            or not values
            or any(not isinstance(c, (int, float)) or c <= 0 for c in values)
        ):
            raise InvalidConfigException(f"{cls.__name__}: 'C' must be a list of positive numbers")
        low_high = config.get("char_ngrams")
        if (
            not isinstance(low_high, list)
            or len(low_high) != 2
            or not all(isinstance(n, int) and n >= 1 for n in low_high)
            or low_high[0] > low_high[1]
        ):
            raise InvalidConfigException(f"{cls.__name__}: 'char_ngrams' must be [low, high]")
        if not isinstance(config.get("cv_folds"), int) or config["cv_folds"] < 2:
            raise InvalidConfigException(f"{cls.__name__}: 'cv_folds' must be an integer >= 2")
        if config.get("class_weight") not in (None, "balanced"):
            raise InvalidConfigException(f"{cls.__name__}: 'class_weight' is 'balanced' or null")
        if not isinstance(config.get("neighbours"), int) or config["neighbours"] < 0:
            raise InvalidConfigException(f"{cls.__name__}: 'neighbours' must be an integer >= 0")
        weight = config.get("neighbour_weight")
        if not isinstance(weight, (int, float)) or not 0 <= weight <= 1:
            raise InvalidConfigException(f"{cls.__name__}: 'neighbour_weight' must be in [0, 1]")
        temperature = config.get("neighbour_temperature")
        if not isinstance(temperature, (int, float)) or temperature <= 0:
            raise InvalidConfigException(
                f"{cls.__name__}: 'neighbour_temperature' must be positive"
            )

    def __init__(
        self,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        model: tuple[HybridFeatures, Any, NeighbourVote | None] | None = None,
    ) -> None:
        self.validate_config(config)
        self.config = config
        self._model_storage = model_storage
        self._resource = resource
        self.model = model
        self.chosen_c: float | None = None
        self._predictor: CompiledPredictor | Literal[False] | None = None

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> HybridIntentClassifier:
        return cls(config, model_storage, resource)

    def _svm(self, c: float = 1.0) -> LinearSVC:
        return LinearSVC(
            C=c, class_weight=self.config["class_weight"], random_state=self.config["random_state"]
        )

    def train(self, training_data: TrainingData) -> Resource:
        """Chooses C, fits the calibrated SVM on all intent examples, persists it."""
        examples = [m for m in training_data.intent_examples if _sentence_vector(m) is not None]
        examples = _repeat_rare(examples, self.config["cv_folds"])
        labels = [m.get(INTENT) for m in examples]
        if len(set(labels)) < 2:
            logger.warning("%s: fewer than 2 intents, not trained", self.__class__.__name__)
            return self._resource
        features = HybridFeatures(tuple(self.config["char_ngrams"]), self.config["dense_weight"])
        x = features.fit_transform(
            [m.get(TEXT) for m in examples],
            [_words(m) for m in examples],
            _dense(examples),
        )
        y = np.array(labels)
        folds = StratifiedKFold(n_splits=self.config["cv_folds"])
        self.chosen_c = float(self.config["C"][0])
        if len(self.config["C"]) > 1:
            search = GridSearchCV(
                self._svm(), {"C": self.config["C"]}, scoring="f1_macro", cv=folds, n_jobs=1
            )
            search.fit(x, y)
            self.chosen_c = float(search.best_params_["C"])
        logger.info("%s: C=%s", self.__class__.__name__, self.chosen_c)
        classifier = CalibratedClassifierCV(self._svm(self.chosen_c), method="sigmoid", cv=folds)
        classifier.fit(x, y)
        vote = None
        if self.config["neighbours"]:
            vote = NeighbourVote(
                self.config["neighbours"], self.config["neighbour_temperature"]
            ).fit(
                _dense(examples), np.searchsorted(classifier.classes_, y), len(classifier.classes_)
            )
        self.model = (features, classifier, vote)
        self._predictor = None
        self.persist()
        return self._resource

    def predict_proba(self, messages: list[Message]) -> np.ndarray:
        """Calibrated probabilities per message (rows) and intent (self.intents order)."""
        assert self.model is not None
        features, classifier, vote = self.model
        dense = _dense(messages)
        texts = [m.get(TEXT) or "" for m in messages]
        words = [_words(m) for m in messages]
        compiled = self._compiled()
        if compiled is not None and len(messages) == 1:
            # Serving: one message per call; the same numbers without scikit-learn's overhead.
            probabilities = compiled.predict_proba(texts[0], words[0], dense[0])[np.newaxis, :]
        else:
            probabilities = np.asarray(
                classifier.predict_proba(features.transform(texts, words, dense))
            )
        if vote is None:
            return probabilities
        weight = self.config["neighbour_weight"]
        return np.asarray((1 - weight) * probabilities + weight * vote.predict_proba(dense))

    def _compiled(self) -> CompiledPredictor | None:
        """The model's one-message predictor, built on first use (None if not reproducible)."""
        if self._predictor is None and self.model is not None:
            try:
                self._predictor = CompiledPredictor(self.model[0], self.model[1])
            except Unsupported as exc:
                logger.info("%s: scikit-learn predicts (%s)", self.__class__.__name__, exc)
                self._predictor = False
        return self._predictor or None

    @property
    def intents(self) -> list[str]:
        assert self.model is not None
        return [str(c) for c in self.model[1].classes_]

    def process(self, messages: list[Message]) -> list[Message]:
        """Sets `intent` and `intent_ranking` (top LABEL_RANKING_LENGTH) on each message."""
        usable = [m for m in messages if self.model is not None and _sentence_vector(m) is not None]
        rows = self.predict_proba(usable) if usable else np.zeros((0, 0))
        probabilities = {id(m): row for m, row in zip(usable, rows, strict=True)}
        for message in messages:
            row = probabilities.get(id(message))
            if row is None:
                message.set(INTENT, {"name": None, "confidence": 0.0}, add_to_output=True)
                message.set("intent_ranking", [], add_to_output=True)
                continue
            order = np.argsort(-row, kind="stable")[:LABEL_RANKING_LENGTH]
            ranking = [{"name": self.intents[i], "confidence": float(row[i])} for i in order]
            message.set(INTENT, ranking[0], add_to_output=True)
            message.set("intent_ranking", ranking, add_to_output=True)
        return messages

    def persist(self) -> None:
        import skops.io as sio

        if self.model is None:
            return
        with self._model_storage.write_to(self._resource) as model_dir:
            sio.dump(self.model, Path(model_dir) / _MODEL_FILE)

    @classmethod
    def load(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> HybridIntentClassifier:
        """Loads the trained model; an untrained component (no file) when there is none."""
        import skops.io as sio

        try:
            with model_storage.read_from(resource) as model_dir:
                path = Path(model_dir) / _MODEL_FILE
                if not path.exists():
                    return cls(config, model_storage, resource)
                declared = sio.get_untrusted_types(file=path)
                unexpected = [
                    t
                    for t in declared
                    if not t.startswith(_TRUSTED_PREFIXES) and t not in _OWN_TYPES
                ]
                if unexpected:
                    raise ValueError(f"unexpected types in {path}: {unexpected}")
                model = sio.load(path, trusted=declared)
        except ValueError as error:
            if "unexpected types" in str(error):
                raise
            logger.debug("%s: no trained model in storage", cls.__name__)
            return cls(config, model_storage, resource)
        return cls(config, model_storage, resource, model)


_OWN_TYPES = {f"{t.__module__}.{t.__qualname__}" for t in (HybridFeatures, NeighbourVote)}
