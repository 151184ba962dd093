"""Learn the linear rankers (``knowledge.learned``) on the tuning half, and only on it.

    python -m deskmate.bench_kb_learn [fused] [dense-only] [lexical-only] [--no-twins]

asks every question of the tuning half once (the signals ``rank_articles`` gathers), computes
each candidate's features with the code that serves them, and fits three rankers with the same
learner: fused (every feature), dense-only and lexical-only (the baselines). The learner is a
softmax over each question's candidates (log-likelihood of the expected articles), with an L2
penalty on the standardised weights; the penalty is the one with the best Recall@1 (then MRR)
in 5-fold cross-validation inside the tuning half, averaged over three fold seeds. It prints the
cross-validated figures and the weights; copying them into ``knowledge.learned`` is a
deliberate, reviewed step. The test half is never read here. An expected article's twin in
the other language counts as expected (``deskmate.bench_kb.with_twins``); ``--no-twins`` takes
the labels exactly as written.
"""

from __future__ import annotations

import random
import sys
import uuid
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy.optimize import minimize

from deskmate.bench_kb import QUESTIONS, TWINS
from deskmate.bench_kb_split import SPLIT_FILE
from deskmate.bench_kb_tune import Asked, tuning_half
from deskmate.seed import ARTICLES
from deskmate.settings import get_settings
from knowledge.learned import DENSE_FEATURES, FUSED_FEATURES, LEXICAL_ONLY_FEATURES
from knowledge.ranking import features_of

PENALTIES = (0.01, 0.03, 0.1, 0.3)
FOLDS = 5
SEEDS = (0, 1, 2)
Matrix = npt.NDArray[np.float64]


@dataclass(frozen=True)
class Candidates:
    """One question: its candidates' features (rows) and which candidates are expected."""

    features: Matrix
    expected: npt.NDArray[np.bool_]
    language: str


def candidates(
    asked: Sequence[Asked], names: Sequence[str], *, dense: bool, lexical: bool
) -> list[Candidates]:
    out = []
    for item in asked:
        features = features_of(item.signals, dense=dense, lexical=lexical)
        ids: list[uuid.UUID] = list(features)
        matrix = np.array([[features[a][n] for n in names] for a in ids], dtype=np.float64)
        matrix = matrix.reshape(len(ids), len(names))
        expected = np.array([a in item.expected for a in ids], dtype=bool)
        out.append(Candidates(matrix, expected, item.signals.language))
    return out


def fit(questions: Sequence[Candidates], penalty: float) -> Matrix:
    """Weights on the raw features' scale (the standardisation folded in)."""
    rows = np.concatenate([q.features for q in questions])
    scale = rows.std(axis=0)
    scale[scale == 0] = 1.0
    train = [(q.features / scale, q.expected) for q in questions if q.expected.any()]
    width = rows.shape[1]

    def loss(weights: Matrix) -> tuple[float, Matrix]:
        total, gradient = 0.0, np.zeros(width)
        for features, expected in train:
            z = features @ weights
            e = np.exp(z - z.max())
            hit = e[expected]
            total += float(np.log(e.sum()) - np.log(hit.sum()))
            gradient += features.T @ (e / e.sum()) - features[expected].T @ (hit / hit.sum())
        n = len(train)
        regulariser = float(penalty * weights @ weights / 2)
        return total / n + regulariser, gradient / n + penalty * weights

    weights = minimize(loss, np.zeros(width), jac=True, method="L-BFGS-B").x
    return np.asarray(weights / scale, dtype=np.float64)


def first_expected_rank(question: Candidates, weights: Matrix) -> int | None:
    scores = question.features @ weights
    order = sorted(range(len(scores)), key=lambda j: (-scores[j], j))
    return next((r for r, j in enumerate(order, start=1) if question.expected[j]), None)


@dataclass(frozen=True, order=True)
class Figures:
    """Recall@1, MRR and Recall@5; compared in that order (the penalty is chosen on R@1, MRR)."""

    recall_at_1: float
    mrr: float
    recall_at_5: float

    def __str__(self) -> str:
        return f"R@1 {self.recall_at_1:.3f} R@5 {self.recall_at_5:.3f} MRR {self.mrr:.3f}"


def figures(questions: Sequence[Candidates], weights: Matrix) -> Figures:
    ranks = [first_expected_rank(q, weights) for q in questions]
    n = max(len(ranks), 1)
    return Figures(
        recall_at_1=sum(r == 1 for r in ranks) / n,
        mrr=sum(1 / r for r in ranks if r) / n,
        recall_at_5=sum(r is not None and r <= 5 for r in ranks) / n,
    )


def folds(questions: Sequence[Candidates], seed: int) -> list[list[int]]:
    """Folds stratified by query language."""
    rng = random.Random(seed)
    out: list[list[int]] = [[] for _ in range(FOLDS)]
    for language in sorted({q.language for q in questions}):
        ids = [i for i, q in enumerate(questions) if q.language == language]
        rng.shuffle(ids)
        for position, i in enumerate(ids):
            out[position % FOLDS].append(i)
    return out


def cross_validate(questions: Sequence[Candidates], penalty: float) -> Figures:
    """The held-out folds' figures (each question scored once per seed), averaged over seeds."""
    results = []
    for seed in SEEDS:
        weighted = np.zeros(3)
        for fold in folds(questions, seed):
            held = set(fold)
            weights = fit([q for i, q in enumerate(questions) if i not in held], penalty)
            got = figures([questions[i] for i in fold], weights)
            weighted += len(fold) * np.array([got.recall_at_1, got.mrr, got.recall_at_5])
        results.append(weighted / len(questions))
    recall_at_1, mrr, recall_at_5 = (float(v) for v in np.mean(results, axis=0))
    return Figures(recall_at_1=recall_at_1, mrr=mrr, recall_at_5=recall_at_5)


def main() -> None:
    options = [a for a in sys.argv[1:] if a.startswith("--")]
    chosen = [a for a in sys.argv[1:] if not a.startswith("--")]
    if set(options) - {"--no-twins"}:
        sys.exit(f"unknown option(s): {' '.join(sorted(set(options) - {'--no-twins'}))}")
    asked = tuning_half(
        get_settings(),
        questions=QUESTIONS,
        articles=ARTICLES,
        split=SPLIT_FILE,
        twins=None if "--no-twins" in options else TWINS,
    )
    for label, names, dense, lexical in (
        ("fused", FUSED_FEATURES, True, True),
        ("dense-only", DENSE_FEATURES, True, False),
        ("lexical-only", LEXICAL_ONLY_FEATURES, False, True),
    ):
        if chosen and label not in chosen:
            continue
        questions = candidates(asked, names, dense=dense, lexical=lexical)
        scored = [(cross_validate(questions, p), -i, p) for i, p in enumerate(PENALTIES)]
        for cv, _, penalty in scored:
            print(f"{label:12s} L2 {penalty:<6} CV {cv}")
        cv, _, penalty = max(scored)
        weights = fit(questions, penalty)
        print(
            f"{label}: L2 {penalty} (CV {cv}); on the whole tuning half "
            f"{figures(questions, weights)}; weights:"
        )
        print("{" + ", ".join(f'"{n}": {w:.4g}' for n, w in zip(names, weights, strict=True)) + "}")


if __name__ == "__main__":
    main()
