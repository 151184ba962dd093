"""Fusing rankings: from chunk hits to article rankings, and fusing those into one ranking.

The ranking served is the learned linear ranker of ``knowledge.learned``; this module gathers
chunk hits into article rankings for it, and keeps the two earlier fusions the bench compares
with. The convex fusion (``convex_fusion``, served until the learned ranker replaced it; still
the tuned ``lexical`` and ``dense`` baselines) is a weighted sum of scores on a shared scale, per
query language (``FUSED``):

    dense(a)  = share · cosine under the language-specific embedder (MiniLM reads English only)
                + (1 - share) · cosine under the multilingual embedder (USE), for an article
                both read; the one cosine there is otherwise
              + other_language, for an article not in the question's language (USE's
                cross-lingual cosines run lower than its same-language ones)
    lexical(a) = word BM25 / best word BM25 of the query + char_weight · the same for the
                 character n-gram BM25 lane
    score(a)  = dense(a) + lexical_weight · lexical(a)

Every signal scores an article by its best chunk. The weights were tuned on the tuning half of
the evaluation set only (``deskmate.bench_kb_split``); the bench reports the test half apart.
``DENSE_ONLY`` is the best dense-only configuration found the same way: it is the baseline the
fusion is compared with, not a weakened one.

The earlier ranking (kept for comparison in the bench) is described below.

Reciprocal rank fusion (Cormack et al., 2009) adds 1/(k + rank) over the rankings an item
appears in. It needs no score calibration between BM25 (unbounded) and cosines (model-specific
scales), which is why it is the default here; k = 60 is the value from the paper and is not
tuned on our evaluation set.

A bilingual knowledge base needs one more step. BM25 cannot match a Chinese question with an
English article and MiniLM cannot read Chinese, so in plain fusion every article in the other
language loses those votes and sinks under weaker same-language ones. Averaging over the signals
that can judge an article over-corrects (measured: same-language Recall@1 fell by 6 of 34). So
the two languages are kept in two lanes: the question's own language ranked by fusion, the other
language by the multilingual embedder alone, and ``interleave`` gives each other-language article
the rank the multilingual embedder gives it among all articles.
"""

from __future__ import annotations

import uuid
from collections import deque
from collections.abc import Mapping, Sequence, Set
from dataclasses import dataclass, field

RRF_K = 60


@dataclass(frozen=True)
class FusionWeights:
    specific_share: float  # of the language-specific embedder in a dense score both models give
    other_language: float  # added to the dense score of an article in the other language
    lexical_weight: float  # of the lexical score against the dense one
    char_weight: float = 2.0  # of the character n-gram lane against the word lane


# Tuned on the tuning half only, by ``python -m deskmate.bench_kb_tune`` (grid search of Recall@1
# per detected query language; Chinese questions gained nothing from the character lane).
FUSED = {
    "en": FusionWeights(
        specific_share=0.6, other_language=0.25, lexical_weight=0.1, char_weight=2.0
    ),
    "zh": FusionWeights(
        specific_share=0.0, other_language=0.25, lexical_weight=0.2, char_weight=0.0
    ),
}
DENSE_ONLY = {
    "en": FusionWeights(specific_share=0.6, other_language=0.0, lexical_weight=0.0),
    "zh": FusionWeights(specific_share=0.0, other_language=0.05, lexical_weight=0.0),
}
LEXICAL_ONLY = FusionWeights(specific_share=0.0, other_language=0.0, lexical_weight=1.0)


def max_normalised(ranking: Sequence[ArticleHit]) -> dict[uuid.UUID, float]:
    """Scores divided by the query's best one (BM25 has no fixed scale); an empty ranking is {}."""
    top = max((hit.score for hit in ranking), default=0.0)
    if top <= 0:
        return {}
    return {hit.article_id: hit.score / top for hit in ranking}


def lexical_scores(
    words: Sequence[ArticleHit], chars: Sequence[ArticleHit], *, char_weight: float
) -> dict[uuid.UUID, float]:
    """Word-lane and character-lane BM25, each normalised to the query's best, summed."""
    scores = max_normalised(words)
    for article_id, score in max_normalised(chars).items():
        scores[article_id] = scores.get(article_id, 0.0) + char_weight * score
    return scores


@dataclass(frozen=True)
class DenseRanking:
    hits: Sequence[ArticleHit]
    languages: Set[str] | None  # the article languages its model reads; None for every language
    second: Mapping[uuid.UUID, float] = field(default_factory=dict)  # second-best chunk scores


def convex_fusion(
    dense: Sequence[DenseRanking],
    lexical: Mapping[uuid.UUID, float],
    *,
    article_language: Mapping[uuid.UUID, str],
    query_language: str,
    weights: FusionWeights,
) -> list[tuple[uuid.UUID, float]]:
    """(article id, score), best first; see the module docstring for the score.

    An article is scored only by the dense models that read its language: MiniLM's cosine of a
    Chinese article is noise, not evidence. Ties keep the order articles were first met in.
    """
    specific: dict[uuid.UUID, float] = {}
    multilingual: dict[uuid.UUID, float] = {}
    floors = {"specific": 0.0, "multilingual": 0.0}
    specific_reads: set[str] = set()
    has_multilingual = False
    order: dict[uuid.UUID, int] = {}
    for ranking in dense:
        kind = "multilingual" if ranking.languages is None else "specific"
        if ranking.languages is None:
            has_multilingual = True
        else:
            specific_reads |= ranking.languages
        target = multilingual if ranking.languages is None else specific
        for hit in ranking.hits:
            order.setdefault(hit.article_id, len(order))
            if ranking.languages is None or article_language[hit.article_id] in ranking.languages:
                target.setdefault(hit.article_id, hit.score)
        if target:
            floors[kind] = min(target.values())
    for article_id in lexical:
        order.setdefault(article_id, len(order))
    fused: dict[uuid.UUID, float] = {}
    for article_id in order:
        language = article_language[article_id]
        # A model that reads the article but ranked it below its cut-off gives it the cut-off.
        mine = specific.get(article_id, floors["specific"])
        shared = multilingual.get(article_id, floors["multilingual"])
        if language in specific_reads and has_multilingual:
            score = weights.specific_share * mine + (1 - weights.specific_share) * shared
        else:
            score = mine if language in specific_reads else shared
        if language != query_language:
            score += weights.other_language
        fused[article_id] = score + weights.lexical_weight * lexical.get(article_id, 0.0)
    return sorted(fused.items(), key=lambda item: (-item[1], order[item[0]]))


@dataclass(frozen=True)
class ArticleHit:
    article_id: uuid.UUID
    score: float  # the signal's own score of the article's best chunk
    chunk_id: int  # that chunk


def best_per_article(
    hits: Sequence[tuple[int, float]], chunk_article: Mapping[int, uuid.UUID]
) -> list[ArticleHit]:
    """Collapse chunk hits (best first) to one hit per article, keeping the article's best chunk.

    Chunks missing from ``chunk_article`` are skipped: the index can be a moment behind a
    deletion, and the database is the truth.
    """
    seen: dict[uuid.UUID, ArticleHit] = {}
    for chunk_id, score in hits:
        article_id = chunk_article.get(chunk_id)
        if article_id is None:
            continue
        if article_id not in seen or score > seen[article_id].score:
            seen[article_id] = ArticleHit(article_id, score, chunk_id)
    return sorted(seen.values(), key=lambda hit: hit.score, reverse=True)


def second_best_per_article(
    hits: Sequence[tuple[int, float]], chunk_article: Mapping[int, uuid.UUID]
) -> dict[uuid.UUID, float]:
    """{article: its second-best chunk's score} for the articles with two chunks among ``hits``.

    An article that matches in two sections is likelier to be about the question than one with
    a single lucky chunk (measured on the tuning half; see ``knowledge.learned``).
    """
    scores: dict[uuid.UUID, list[float]] = {}
    for chunk_id, score in hits:
        article_id = chunk_article.get(chunk_id)
        if article_id is not None:
            scores.setdefault(article_id, []).append(score)
    return {a: sorted(s, reverse=True)[1] for a, s in scores.items() if len(s) > 1}


def reciprocal_rank_fusion(
    rankings: Sequence[Sequence[ArticleHit]],
    *,
    k: int = RRF_K,
    weights: Sequence[float] | None = None,
) -> list[tuple[uuid.UUID, float]]:
    """(article id, fused score), best first. Ties keep the order of the first ranking."""
    weights = weights or [1.0] * len(rankings)
    if len(weights) != len(rankings):
        raise ValueError("one weight per ranking")
    fused: dict[uuid.UUID, float] = {}
    first_seen: dict[uuid.UUID, int] = {}
    for ranking, weight in zip(rankings, weights, strict=True):
        for rank, hit in enumerate(ranking, start=1):
            fused[hit.article_id] = fused.get(hit.article_id, 0.0) + weight / (k + rank)
            first_seen.setdefault(hit.article_id, len(first_seen))
    return sorted(fused.items(), key=lambda item: (-item[1], first_seen[item[0]]))


def interleave(
    own: Sequence[uuid.UUID], multilingual: Sequence[ArticleHit], other: Set[uuid.UUID]
) -> list[uuid.UUID]:
    """Merge the fused ``own``-language order with the ``other``-language articles.

    Each ``other`` article keeps the position the multilingual ranking gives it; the positions
    that ranking gives to own-language articles are filled, in fused order, from ``own``.
    """
    pending = deque(own)
    merged: list[uuid.UUID] = []
    for hit in multilingual:
        if hit.article_id in other:
            merged.append(hit.article_id)
        elif pending:
            merged.append(pending.popleft())
    merged.extend(pending)
    return merged
