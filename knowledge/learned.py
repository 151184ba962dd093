"""The ranking served: a linear model over per-candidate features of every lane, learned listwise.

Every article that any lane found (at the gathering depth) is a candidate. Each candidate gets a
few features per lane -- its score, its reciprocal rank, its distance to the lane's best -- plus
the article's language against the question's, and a few interactions (the query language, the
query's length). The score is a weighted sum of the features; candidates are ordered by it.

The weights are learned on the tuning half of the evaluation set only, by
``python -m deskmate.bench_kb_tune``: a softmax over each question's candidates (the expected
articles are the positives), L2-regularised, the strength chosen by cross-validation inside the
tuning half. The same learner, on the dense features alone and on the lexical features alone,
gives the dense-only and lexical-only baselines ``deskmate bench kb`` compares with: the fusion
has to win by combining lexical and dense evidence, not by a better learner.

Why a learned model rather than the hand-tuned convex sum (``fusion.convex_fusion``): the convex
sum had per-language grids of four weights, and the weights chosen on the tuning half did not
carry over to the test half (+6.2 points over dense-only there, +0.0 on the test half).
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from knowledge.fusion import ArticleHit, DenseRanking, max_normalised

MISSING_RANK = 41  # the rank given to an article a lane did not return (its depth is 40)
SHORT_QUERY_TERMS = 4.0  # lexical x 1 / (1 + terms / 4): short keyword queries lean lexical

DENSE_FEATURES = (
    "other_language",
    "specific_reads",
    "specific_cosine",
    "specific_gap",
    "specific_rr",
    "specific_second",
    "multilingual_cosine",
    "multilingual_gap",
    "multilingual_rr",
    "multilingual_second",
    "multilingual_cosine_other",
    "multilingual_cosine_zh",
)
LEXICAL_FEATURES = (
    "words",
    "chars",
    "words_rr",
    "chars_rr",
    "words_zh",
    "chars_zh",
    "words_short",
    "chars_short",
    "article_chars",
    "article_chars_rr",
    "article_chars_zh",
)
LEXICAL_ONLY_FEATURES = ("other_language", *LEXICAL_FEATURES)
FUSED_FEATURES = (*DENSE_FEATURES, *LEXICAL_FEATURES)


Floats = npt.NDArray[np.float64]


@dataclass(frozen=True)
class LinearRanker:
    """Feature weights (on the raw features' scale); a feature not named weighs nothing."""

    weights: Mapping[str, float]

    def score(self, features: Mapping[str, float]) -> float:
        total = 0.0  # added term by term, in the weights' order (as ``scores`` does)
        for name, weight in self.weights.items():
            total += weight * features[name]
        return total

    def scores(self, columns: Mapping[str, Floats], count: int) -> Floats:
        """``score`` of every candidate at once, from feature columns: the same additions in the
        same order (elementwise float64 operations give the same bits)."""
        total = np.zeros(count, dtype=np.float64)
        for name, weight in self.weights.items():
            total += weight * columns[name]
        return total


@dataclass(frozen=True)
class Candidates:
    """Every candidate's features as columns: ``columns[f][i]`` is ``articles[i]``'s ``f``."""

    articles: list[uuid.UUID]  # in the order first met
    columns: dict[str, Floats]

    def as_dicts(self) -> dict[uuid.UUID, dict[str, float]]:
        """{article id: {feature: value}}, in the order first met."""
        values = {name: column.tolist() for name, column in self.columns.items()}
        return {
            article_id: {name: column[i] for name, column in values.items()}
            for i, article_id in enumerate(self.articles)
        }


class _Lane:
    """One ranking's scores and reciprocal ranks, as columns over the candidates.

    ``score`` holds the lane's cut-off (its lowest score) where it did not rank a candidate, and
    ``reciprocal_rank`` 1 / ``MISSING_RANK``.
    """

    def __init__(
        self,
        hits: Sequence[tuple[uuid.UUID, float]],
        position: Mapping[uuid.UUID, int],
        *,
        missing: float | None = None,
    ) -> None:
        count = len(position)
        self.best = hits[0][1] if hits else 0.0
        floor = hits[-1][1] if hits else 0.0
        self.score = np.full(count, floor if missing is None else missing, dtype=np.float64)
        ranks = np.full(count, MISSING_RANK, dtype=np.float64)
        for rank, (article_id, score) in enumerate(hits, start=1):
            row = position.get(article_id)
            if row is not None:  # a lane that adds no candidates may rank others
                self.score[row] = score
                ranks[row] = rank
        self.reciprocal_rank = 1 / ranks
        self.floor = floor


def _normalised(hits: Sequence[ArticleHit]) -> list[tuple[uuid.UUID, float]]:
    """(article id, score over the best), as ``max_normalised``; nothing if the best is 0."""
    scores = max_normalised(hits)
    return [(h.article_id, scores[h.article_id]) for h in hits] if scores else []


def candidate_columns(
    dense: Sequence[DenseRanking],
    words: Sequence[ArticleHit],
    chars: Sequence[ArticleHit],
    *,
    article_language: Mapping[uuid.UUID, str],
    query_language: str,
    query_terms: int,
    article_chars: Sequence[tuple[uuid.UUID, float]] = (),
) -> Candidates:
    """Every article any lane found, in the order first met, with its features.

    Per dense lane: the cosine of the article's best chunk (the lane's cut-off when it ranked
    the article lower), its gap to the lane's best, its reciprocal rank and the cosine of its
    second-best chunk; per BM25 lane the score over the query's best and the reciprocal rank.

    The language-specific dense lane (the one whose model reads only some languages, MiniLM)
    scores only the articles it reads; the multilingual lane (USE) scores every article. BM25
    lanes are divided by the query's best (BM25 has no fixed scale). The whole-article
    character lane (``article_chars``: each article's chunks as one document) gives the same
    score and reciprocal rank (and the score for Chinese queries); it adds no candidates.

    Each feature is computed for all candidates at once, with the same float operations per
    candidate as a one-by-one computation would make.
    """
    specific = next((r for r in dense if r.languages is not None), None)
    multilingual = next((r for r in dense if r.languages is None), None)
    reads = specific.languages if specific is not None and specific.languages else frozenset()
    position: dict[uuid.UUID, int] = {}
    for ranking in [*(r.hits for r in dense), words, chars]:
        for hit in ranking:
            position.setdefault(hit.article_id, len(position))
    articles = list(position)
    languages = [article_language[a] for a in articles]
    other = np.array([language != query_language for language in languages], dtype=np.float64)
    read = np.array([language in reads for language in languages], dtype=np.float64)

    def pairs(hits: Sequence[ArticleHit]) -> list[tuple[uuid.UUID, float]]:
        return [(h.article_id, h.score) for h in hits]

    def seconds(lane: _Lane, second: Mapping[uuid.UUID, float]) -> Floats:
        # An article with one chunk in the lane (or none) gets the lane's cut-off as its second.
        column = np.full(len(articles), lane.floor, dtype=np.float64)
        for article_id, score in second.items():
            row = position.get(article_id)
            if row is not None:
                column[row] = score
        return column

    own = _Lane(
        pairs([h for h in specific.hits if article_language[h.article_id] in reads])
        if specific
        else [],
        position,
    )
    shared = _Lane(pairs(multilingual.hits) if multilingual else [], position)
    word = _Lane(_normalised(words), position, missing=0.0)
    char = _Lane(_normalised(chars), position, missing=0.0)
    whole_best = max((score for _, score in article_chars), default=0.0)
    whole = _Lane(
        [(a, score / whole_best) for a, score in article_chars] if whole_best > 0 else [],
        position,
        missing=0.0,
    )
    # Reciprocal ranks count every hit a lane returned, normalised or not.
    word_rr = _Lane(pairs(words), position).reciprocal_rank
    char_rr = _Lane(pairs(chars), position).reciprocal_rank
    whole_rr = _Lane(list(article_chars), position).reciprocal_rank
    zh = float(query_language == "zh")
    short = 1 / (1 + query_terms / SHORT_QUERY_TERMS)
    cosine = shared.score
    columns = {
        "other_language": other,
        "specific_reads": read,
        "specific_cosine": read * own.score,
        "specific_gap": read * (own.score - own.best),
        "specific_rr": read * own.reciprocal_rank,
        "specific_second": read * seconds(own, specific.second if specific else {}),
        "multilingual_cosine": cosine,
        "multilingual_gap": cosine - shared.best,
        "multilingual_rr": shared.reciprocal_rank,
        "multilingual_second": seconds(shared, multilingual.second if multilingual else {}),
        "multilingual_cosine_other": cosine * other,
        "multilingual_cosine_zh": cosine * zh,
        "words": word.score,
        "chars": char.score,
        "words_rr": word_rr,
        "chars_rr": char_rr,
        "words_zh": word.score * zh,
        "chars_zh": char.score * zh,
        "words_short": word.score * short,
        "chars_short": char.score * short,
        "article_chars": whole.score,
        "article_chars_rr": whole_rr,
        "article_chars_zh": whole.score * zh,
    }
    return Candidates(articles, columns)


def rank_candidates(candidates: Candidates, ranker: LinearRanker) -> list[uuid.UUID]:
    """Candidates best first by the ranker's score; ties keep the order they were first met in."""
    scores = ranker.scores(candidates.columns, len(candidates.articles))
    return [candidates.articles[i] for i in np.argsort(-scores, kind="stable").tolist()]


def learned_ranking(
    features: Mapping[uuid.UUID, Mapping[str, float]], ranker: LinearRanker
) -> list[uuid.UUID]:
    """Candidates best first by the ranker's score; ties keep the order they were first met in."""
    scored = [(ranker.score(values), n, a) for n, (a, values) in enumerate(features.items())]
    return [article_id for _, _, article_id in sorted(scored, key=lambda t: (-t[0], t[1]))]


# Learned on the tuning half only by ``python -m deskmate.bench_kb_learn`` (see its docstring),
# an expected article's twin counting as expected. Fused: L2 0.1, 5-fold CV Recall@1 0.803
# on the tuning half (dense-only ranker 0.725, lexical-only 0.684).
FUSED_RANKER = LinearRanker(
    {
        "other_language": 0.7067,
        "specific_reads": 0.08783,
        "specific_cosine": 0.04547,
        "specific_gap": 0.446,
        "specific_rr": 2.396,
        "specific_second": 0.09017,
        "multilingual_cosine": 2.509,
        "multilingual_gap": 2.782,
        "multilingual_rr": 1.252,
        "multilingual_second": 7.716,
        "multilingual_cosine_other": 6.786,
        "multilingual_cosine_zh": 0.3605,
        "words": -0.1811,
        "chars": -0.3847,
        "words_rr": 0.7061,
        "chars_rr": 0.5791,
        "words_zh": -0.9559,
        "chars_zh": 0.2739,
        "words_short": 1.871,
        "chars_short": 0.9496,
        "article_chars": 0.5557,
        "article_chars_rr": 2.288,
        "article_chars_zh": 0.3644,
    }
)
# The baselines, learned the same way over their own lanes' candidates and features.
# Dense-only: L2 0.1, CV Recall@1 0.725. Lexical-only: L2 0.01, CV Recall@1 0.684.
DENSE_RANKER = LinearRanker(
    {
        "other_language": 0.2721,
        "specific_reads": 0.1071,
        "specific_cosine": 0.7198,
        "specific_gap": 1.683,
        "specific_rr": 3.05,
        "specific_second": 0.7966,
        "multilingual_cosine": 3.974,
        "multilingual_gap": 4.973,
        "multilingual_rr": 1.204,
        "multilingual_second": 9.889,
        "multilingual_cosine_other": 3.655,
        "multilingual_cosine_zh": 1.317,
    }
)
LEXICAL_RANKER = LinearRanker(
    {
        "other_language": 3.579,
        "words": 1.976,
        "chars": 0.4582,
        "words_rr": 0.311,
        "chars_rr": 0.4421,
        "words_zh": -4.801,
        "chars_zh": 3.938,
        "words_short": 4.943,
        "chars_short": -1.719,
        "article_chars": 6.07,
        "article_chars_rr": 0.6193,
        "article_chars_zh": 1.869,
    }
)
