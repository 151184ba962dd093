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


@dataclass(frozen=True)
class LinearRanker:
    """Feature weights (on the raw features' scale); a feature not named weighs nothing."""

    weights: Mapping[str, float]

    def score(self, features: Mapping[str, float]) -> float:
        return sum(weight * features[name] for name, weight in self.weights.items())


@dataclass(frozen=True)
class _Lane:
    """One ranking's scores and ranks, over the articles its model reads."""

    scores: dict[uuid.UUID, float]
    ranks: dict[uuid.UUID, int]
    best: float
    floor: float  # the lowest score returned: what an article below the cut-off gets

    @classmethod
    def of(cls, hits: Sequence[ArticleHit]) -> _Lane:
        return cls(
            scores={h.article_id: h.score for h in hits},
            ranks={h.article_id: rank for rank, h in enumerate(hits, start=1)},
            best=hits[0].score if hits else 0.0,
            floor=hits[-1].score if hits else 0.0,
        )

    def cosine(self, article_id: uuid.UUID) -> float:
        return self.scores.get(article_id, self.floor)

    def reciprocal_rank(self, article_id: uuid.UUID) -> float:
        return 1 / self.ranks.get(article_id, MISSING_RANK)


def candidate_features(
    dense: Sequence[DenseRanking],
    words: Sequence[ArticleHit],
    chars: Sequence[ArticleHit],
    *,
    article_language: Mapping[uuid.UUID, str],
    query_language: str,
    query_terms: int,
    article_chars: Sequence[tuple[uuid.UUID, float]] = (),
) -> dict[uuid.UUID, dict[str, float]]:
    """{article id: {feature: value}} for every article any lane found, in the order first met.

    Per dense lane: the cosine of the article's best chunk (the lane's cut-off when it ranked
    the article lower), its gap to the lane's best, its reciprocal rank and the cosine of its
    second-best chunk; per BM25 lane the score over the query's best and the reciprocal rank.

    The language-specific dense lane (the one whose model reads only some languages, MiniLM)
    scores only the articles it reads; the multilingual lane (USE) scores every article. BM25
    lanes are divided by the query's best (BM25 has no fixed scale). The whole-article
    character lane (``article_chars``: each article's chunks as one document) gives the same
    score and reciprocal rank (and the score for Chinese queries); it adds no candidates.
    """
    specific = next((r for r in dense if r.languages is not None), None)
    multilingual = next((r for r in dense if r.languages is None), None)
    reads = specific.languages if specific is not None and specific.languages else frozenset()
    own = _Lane.of(
        [h for h in specific.hits if article_language[h.article_id] in reads] if specific else []
    )
    shared = _Lane.of(list(multilingual.hits) if multilingual else [])
    # An article with one chunk in the lane (or none) gets the lane's cut-off as its second.
    own_second = specific.second if specific else {}
    shared_second = multilingual.second if multilingual else {}
    word_lane, char_lane = _Lane.of(words), _Lane.of(chars)
    word_scores, char_scores = max_normalised(words), max_normalised(chars)
    whole_best = max((score for _, score in article_chars), default=0.0)
    whole_scores = {a: score / whole_best for a, score in article_chars} if whole_best > 0 else {}
    whole_ranks = {a: rank for rank, (a, _) in enumerate(article_chars, start=1)}
    zh = float(query_language == "zh")
    short = 1 / (1 + query_terms / SHORT_QUERY_TERMS)
    order: dict[uuid.UUID, None] = {}
    for ranking in [*(r.hits for r in dense), words, chars]:
        for hit in ranking:
            order.setdefault(hit.article_id)
    features: dict[uuid.UUID, dict[str, float]] = {}
    for article_id in order:
        other = float(article_language[article_id] != query_language)
        read = float(article_language[article_id] in reads)
        cosine = shared.cosine(article_id)
        word, char = word_scores.get(article_id, 0.0), char_scores.get(article_id, 0.0)
        whole = whole_scores.get(article_id, 0.0)
        features[article_id] = {
            "other_language": other,
            "specific_reads": read,
            "specific_cosine": read * own.cosine(article_id),
            "specific_gap": read * (own.cosine(article_id) - own.best),
            "specific_rr": read * own.reciprocal_rank(article_id),
            "specific_second": read * own_second.get(article_id, own.floor),
            "multilingual_cosine": cosine,
            "multilingual_gap": cosine - shared.best,
            "multilingual_rr": shared.reciprocal_rank(article_id),
            "multilingual_second": shared_second.get(article_id, shared.floor),
            "multilingual_cosine_other": cosine * other,
            "multilingual_cosine_zh": cosine * zh,
            "words": word,
            "chars": char,
            "words_rr": word_lane.reciprocal_rank(article_id),
            "chars_rr": char_lane.reciprocal_rank(article_id),
            "words_zh": word * zh,
            "chars_zh": char * zh,
            "words_short": word * short,
            "chars_short": char * short,
            "article_chars": whole,
            "article_chars_rr": 1 / whole_ranks.get(article_id, MISSING_RANK),
            "article_chars_zh": whole * zh,
        }
    return features


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
