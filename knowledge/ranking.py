"""Ranking: the published articles that best match a query, best first.

This is the seam between retrieval (how candidates are found and ordered) and the answer policy
(whether the best one is good enough to answer). ``score`` orders the results: the learned linear
ranker (``knowledge.learned``) over features of the dense rankings (the query language's
embedder, then the cross-lingual one) and the two BM25 lanes (words, character n-grams); the
earlier convex fusion (``knowledge.fusion``) stays for the bench. ``confidence`` is on the
scale the answer thresholds are calibrated on -- the cosine of the article's best chunk under the
query language's own embedder -- so the policy never reads raw fused scores.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from knowledge import repository
from knowledge.fusion import (
    DENSE_ONLY,
    FUSED,
    LEXICAL_ONLY,
    RRF_K,
    ArticleHit,
    DenseRanking,
    FusionWeights,
    best_per_article,
    convex_fusion,
    interleave,
    lexical_scores,
    reciprocal_rank_fusion,
    second_best_per_article,
)
from knowledge.learned import (
    FUSED_RANKER,
    Candidates,
    LinearRanker,
    candidate_columns,
    rank_candidates,
)
from knowledge.models import Article, ArticleStatus
from knowledge.retrieval import LanguageRouter

CHUNK_CANDIDATES = 40


@dataclass(frozen=True)
class RankedArticle:
    article_id: uuid.UUID
    score: float  # orders the results
    confidence: float  # compared with the answer thresholds (0..1)
    chunk_id: int  # the article's best-matching chunk
    article: Article


@dataclass(frozen=True)
class Signals:
    """Each signal's article ranking for one query (best first)."""

    language: str  # the query's
    dense: list[list[ArticleHit]]  # the language's own embedder first, then the cross-lingual one
    dense_second: list[dict[uuid.UUID, float]]  # each dense ranking's second-best chunk score
    lexical: list[ArticleHit]  # word BM25
    chars: list[ArticleHit]  # character n-gram BM25
    dense_languages: list[frozenset[str] | None]  # what each dense ranking's model reads
    multilingual: int | None  # which dense ranking reads every language, if any
    threshold: float  # the answer threshold of the query's language
    articles: dict[uuid.UUID, Article]  # every published article that any signal found
    query_terms: int = 0  # words the word BM25 lane kept of the query (stop words dropped)
    # Whole-article character n-gram BM25: (article id, score), best first. It scores the
    # articles the other signals found; it adds none.
    article_chars: list[tuple[uuid.UUID, float]] = field(default_factory=list)

    def same_language(self, ranking: Sequence[ArticleHit]) -> list[ArticleHit]:
        return [h for h in ranking if self.articles[h.article_id].language == self.language]

    def other_language(self, ranking: Sequence[ArticleHit]) -> list[ArticleHit]:
        return [h for h in ranking if self.articles[h.article_id].language != self.language]


def gather_signals(
    session: Session, *, router: LanguageRouter, query: str, language: str, depth: int
) -> Signals:
    retrievers = router.dense_for_language(language)
    dense_hits = [r.search_chunks(query, k=depth) for r in retrievers]
    lexical_hits = router.lexical_search(session, query, k=depth)
    char_hits = router.char_search(session, query, k=depth)
    chunk_ids = {
        chunk_id for hits in [*dense_hits, lexical_hits, char_hits] for chunk_id, _ in hits
    }
    chunks = repository.chunk_articles(session, list(chunk_ids))
    found = repository.articles_by_ids(session, list({c.article_id for c in chunks.values()}))
    articles = {i: a for i, a in found.items() if a.status == ArticleStatus.PUBLISHED}
    owner = {i: c.article_id for i, c in chunks.items() if c.article_id in articles}
    return Signals(
        language=language,
        dense=[best_per_article(hits, owner) for hits in dense_hits],
        dense_second=[second_best_per_article(hits, owner) for hits in dense_hits],
        lexical=best_per_article(lexical_hits, owner),
        chars=best_per_article(char_hits, owner),
        dense_languages=[r.languages for r in retrievers],
        multilingual=next((i for i, r in enumerate(retrievers) if r.languages is None), None),
        threshold=router.thresholds.get(language, 1.0),
        articles=articles,
        query_terms=len(router.lexical.bm25.tokenizer(query)),
        article_chars=router.article_char_search(session, query, k=depth),
    )


def confidence_of(signals: Signals, article_id: uuid.UUID) -> tuple[float, int | None]:
    """(confidence, best chunk) from the first dense signal that reads the article and found it.

    The language's own embedder comes first because the thresholds are calibrated on it; a
    cross-lingual find is vouched for by the multilingual cosine. BM25 alone never vouches.
    """
    language = signals.articles[article_id].language
    for ranking, languages in zip(signals.dense, signals.dense_languages, strict=True):
        if languages is not None and language not in languages:
            continue
        for hit in ranking:
            if hit.article_id == article_id:
                return max(0.0, min(1.0, hit.score)), hit.chunk_id
    return 0.0, None


def fuse(
    signals: Signals,
    *,
    dense: Sequence[int] | None = None,
    lexical: bool = True,
    weights: FusionWeights | None = None,
) -> list[uuid.UUID]:
    """The chosen dense signals (default: all) and BM25 (unless told not), fused; best first.

    Weights default to the query language's ``FUSED`` ones, ``DENSE_ONLY`` without the lexical
    lanes and ``LEXICAL_ONLY`` without dense signals. See ``knowledge.fusion``.
    """
    chosen = list(range(len(signals.dense))) if dense is None else list(dense)
    if weights is None:
        table = FUSED if lexical else DENSE_ONLY
        weights = table.get(signals.language, table["en"]) if chosen else LEXICAL_ONLY
    fused = convex_fusion(
        [DenseRanking(signals.dense[i], signals.dense_languages[i]) for i in chosen],
        lexical_scores(signals.lexical, signals.chars, char_weight=weights.char_weight)
        if lexical
        else {},
        article_language={i: a.language for i, a in signals.articles.items()},
        query_language=signals.language,
        weights=weights,
    )
    return [article_id for article_id, _ in fused]


def fuse_rrf(
    signals: Signals, *, dense: Sequence[int] | None = None, lexical: bool = True
) -> list[uuid.UUID]:
    """The previous ranking, kept for the bench: reciprocal rank fusion with language lanes.

    Articles in the query's language are ranked by reciprocal rank fusion; articles in the
    other language join at the rank the multilingual embedder gives them (``fusion.interleave``).
    When the best own-language article is good enough to answer (its own embedder's cosine
    reaches the answer threshold), it stays first: a customer is better served in their language.
    Without a multilingual embedder, other-language articles can only come last.
    """
    chosen = list(range(len(signals.dense))) if dense is None else list(dense)
    rankings = [signals.dense[i] for i in chosen] + ([signals.lexical] if lexical else [])
    own = [a for a, _ in reciprocal_rank_fusion([signals.same_language(r) for r in rankings])]
    if signals.multilingual is None or signals.multilingual not in chosen:
        others = reciprocal_rank_fusion([signals.other_language(r) for r in rankings])
        return own + [article_id for article_id, _ in others]
    multilingual = signals.dense[signals.multilingual]
    other = {h.article_id for h in signals.other_language(multilingual)}
    if own and confidence_of(signals, own[0])[0] >= signals.threshold:
        rest = [h for h in multilingual if h.article_id != own[0]]
        return [own[0], *interleave(own[1:], rest, other)]
    return interleave(own, multilingual, other)


def features_of(
    signals: Signals, *, dense: bool = True, lexical: bool = True
) -> dict[uuid.UUID, dict[str, float]]:
    """Every candidate's features for the learned rankers (``knowledge.learned``), by article."""
    return candidates_of(signals, dense=dense, lexical=lexical).as_dicts()


def candidates_of(signals: Signals, *, dense: bool = True, lexical: bool = True) -> Candidates:
    """Every candidate's features for the learned rankers (``knowledge.learned``), as columns."""
    return candidate_columns(**feature_arguments(signals, dense=dense, lexical=lexical))


def feature_arguments(
    signals: Signals, *, dense: bool = True, lexical: bool = True
) -> dict[str, Any]:
    """``candidate_columns``' arguments for these signals.

    Without ``dense`` (or ``lexical``) those lanes neither add candidates nor features: the
    baselines rank only what their own lanes found, as the convex ones do.
    """
    return {
        "dense": [
            DenseRanking(hits, languages, second)
            for hits, languages, second in zip(
                signals.dense, signals.dense_languages, signals.dense_second, strict=True
            )
        ]
        if dense
        else [],
        "words": signals.lexical if lexical else [],
        "chars": signals.chars if lexical else [],
        "article_language": {i: a.language for i, a in signals.articles.items()},
        "query_language": signals.language,
        "query_terms": signals.query_terms,
        "article_chars": signals.article_chars if lexical else (),
    }


def fuse_learned(
    signals: Signals,
    *,
    ranker: LinearRanker = FUSED_RANKER,
    dense: bool = True,
    lexical: bool = True,
) -> list[uuid.UUID]:
    """The ranking served: the learned linear ranker over every lane's features, best first.

    The baselines are ``DENSE_RANKER`` without ``lexical`` and ``LEXICAL_RANKER`` without
    ``dense``: each weighs only its own features, over its own lanes' candidates.
    """
    return rank_candidates(candidates_of(signals, dense=dense, lexical=lexical), ranker)


def rank_articles(
    session: Session, *, router: LanguageRouter, query: str, language: str, k: int
) -> list[RankedArticle]:
    """Up to ``k`` published articles for ``query``, each represented by its best chunk.

    ``score`` is 1/(60 + rank) of the fused order: it orders, it is not a probability.
    """
    signals = gather_signals(
        session, router=router, query=query, language=language, depth=max(CHUNK_CANDIDATES, k * 4)
    )
    # For an article no embedder that reads it found: the chunk some other signal matched.
    fallback_chunk = {
        hit.article_id: hit.chunk_id
        for ranking in [signals.chars, signals.lexical, *reversed(signals.dense)]
        for hit in reversed(ranking)
    }
    ranked: list[RankedArticle] = []
    for rank, article_id in enumerate(fuse_learned(signals)[:k], start=1):
        confidence, chunk_id = confidence_of(signals, article_id)
        ranked.append(
            RankedArticle(
                article_id=article_id,
                score=1 / (RRF_K + rank),
                confidence=confidence,
                chunk_id=chunk_id if chunk_id is not None else fallback_chunk[article_id],
                article=signals.articles[article_id],
            )
        )
    return ranked
