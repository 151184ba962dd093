"""One message's intent probabilities without scikit-learn's per-call overhead, same numbers.

At serving time HybridIntentClassifier scores one message per call. scikit-learn spends most of
that call validating inputs and building sparse matrices (about 8 ms of the classifier's 20 ms
per message on the 2-core machine, ``/tmp``-free cProfile of ``agent.parse_message``), not
computing. ``CompiledPredictor`` reads the fitted objects once and redoes the arithmetic of
scikit-learn 1.1's code paths directly:

- TF-IDF (``TfidfVectorizer.transform``): the vectorizer's own analyzer, counts of the n-grams in
  its vocabulary, ``1 + log(count)`` (sublinear tf), times idf, L2-normalised;
- the linear SVMs of every calibration fold: ``coef_[:, features] @ values + intercept_`` over the
  message's non-zero features;
- sigmoid calibration per class (``expit(-(a * d + b))``), normalised per fold (uniform if all
  are zero), values within 1e-5 above 1 set to 1, then the mean over folds.

Only the order of additions can differ from scikit-learn's (tests compare to 1e-9). Models this
does not cover (two classes, other estimators, other calibration) raise ``Unsupported`` and the
classifier keeps scikit-learn's path.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy.special import expit


class Unsupported(ValueError):
    """The fitted model is not one this module reproduces."""


class _Tfidf:
    """One fitted TfidfVectorizer: text -> (column indices, L2-normalised tf-idf values)."""

    def __init__(self, vectorizer: Any) -> None:
        if not (vectorizer.sublinear_tf and vectorizer.use_idf and vectorizer.norm == "l2"):
            raise Unsupported("only sublinear tf, idf and l2 norm are compiled")
        if vectorizer.binary:
            raise Unsupported("binary counts are not compiled")
        self.analyze = vectorizer.build_analyzer()
        self.vocabulary: dict[str, int] = vectorizer.vocabulary_
        self.idf = np.asarray(vectorizer.idf_, dtype=np.float64)
        self.width = len(self.vocabulary)

    def __call__(self, text: str) -> tuple[np.ndarray, np.ndarray]:
        counts: dict[int, int] = {}
        vocabulary = self.vocabulary
        for gram in self.analyze(text):
            column = vocabulary.get(gram)
            if column is not None:
                counts[column] = counts.get(column, 0) + 1
        if not counts:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float64)
        columns = np.fromiter(sorted(counts), dtype=np.int64, count=len(counts))
        values = np.log(np.array([counts[c] for c in columns], dtype=np.float64)) + 1.0
        values *= self.idf[columns]
        norm = np.sqrt(np.dot(values, values))
        if norm > 0:
            values /= norm
        return columns, values


class _Fold:
    """One calibrated classifier: a linear SVM and one sigmoid per class."""

    def __init__(self, calibrated: Any, classes: np.ndarray) -> None:
        estimator = calibrated.base_estimator
        if calibrated.method != "sigmoid":
            raise Unsupported(f"calibration {calibrated.method!r} is not compiled")
        coef = getattr(estimator, "coef_", None)
        if coef is None or coef.ndim != 2 or coef.shape[0] != len(estimator.classes_):
            raise Unsupported("only one-vs-rest linear models with a row per class are compiled")
        self.coef = np.ascontiguousarray(coef, dtype=np.float64)
        self.intercept = np.asarray(estimator.intercept_, dtype=np.float64)
        # Column of the output each of the estimator's classes lands in (LabelEncoder order).
        self.columns = np.searchsorted(classes, estimator.classes_)
        self.a = np.array([c.a_ for c in calibrated.calibrators], dtype=np.float64)
        self.b = np.array([c.b_ for c in calibrated.calibrators], dtype=np.float64)
        self.n_classes = len(classes)

    def proba(self, columns: np.ndarray, values: np.ndarray) -> np.ndarray:
        decision = self.coef[:, columns] @ values + self.intercept
        proba = np.zeros(self.n_classes)
        proba[self.columns] = expit(-(self.a * decision + self.b))
        total = proba.sum()
        proba = proba / total if total != 0 else np.full(self.n_classes, 1 / self.n_classes)
        proba[(proba > 1.0) & (proba <= 1.0 + 1e-5)] = 1.0
        return proba


class CompiledPredictor:
    """``features.transform`` + ``classifier.predict_proba`` for one message at a time."""

    def __init__(self, features: Any, classifier: Any) -> None:
        classes = np.asarray(classifier.classes_)
        if len(classes) <= 2:
            raise Unsupported("two-class models are not compiled")
        if list(classes) != sorted(classes):
            raise Unsupported("classes must be sorted (as LabelEncoder keeps them)")
        self.dense_weight = float(features.dense_weight)
        self.chars = _Tfidf(features.chars)
        self.words = _Tfidf(features.words)
        self.folds = [_Fold(c, classes) for c in classifier.calibrated_classifiers_]

    def features(self, text: str, words: str, dense: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The message's non-zero columns and values in [dense | chars | words] order."""
        # Scaled in the vector's own dtype (float32), then widened, as scikit-learn's hstack does.
        scaled = (np.asarray(dense).ravel() * self.dense_weight).astype(np.float64)
        chars_at, chars = self.chars(text)
        words_at, word_values = self.words(words)
        offset = len(scaled)
        nonzero = np.flatnonzero(scaled)
        columns = np.concatenate([nonzero, chars_at + offset, words_at + offset + self.chars.width])
        values = np.concatenate([scaled[nonzero], chars, word_values])
        return columns, values

    def predict_proba(self, text: str, words: str, dense: np.ndarray) -> np.ndarray:
        columns, values = self.features(text, words, dense)
        total = np.zeros(self.folds[0].n_classes)
        for fold in self.folds:
            total += fold.proba(columns, values)
        return total / len(self.folds)
