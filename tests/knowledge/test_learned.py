"""The learned ranker served by ``rank_articles``: its features, its scoring and its baselines."""

from __future__ import annotations

import random
import uuid

import pytest

from knowledge.fusion import ArticleHit, DenseRanking, second_best_per_article
from knowledge.learned import (
    DENSE_FEATURES,
    DENSE_RANKER,
    FUSED_FEATURES,
    FUSED_RANKER,
    LEXICAL_ONLY_FEATURES,
    LEXICAL_RANKER,
    MISSING_RANK,
    LinearRanker,
    candidate_columns,
    learned_ranking,
    rank_candidates,
)

EN1, EN2, ZH1, EN3 = (uuid.UUID(int=n) for n in (1, 2, 3, 4))
LANGUAGE = {EN1: "en", EN2: "en", ZH1: "zh", EN3: "en"}


def _hits(*pairs: tuple[uuid.UUID, float]) -> list[ArticleHit]:
    return [ArticleHit(article, score, n) for n, (article, score) in enumerate(pairs)]


def _features(query_language: str = "en", query_terms: int = 4) -> dict[uuid.UUID, dict]:
    minilm = DenseRanking(
        _hits((EN1, 0.8), (ZH1, 0.9), (EN2, 0.4)), frozenset({"en"}), second={EN1: 0.7}
    )
    use = DenseRanking(_hits((ZH1, 0.5), (EN1, 0.3)), None, second={ZH1: 0.45})
    words = _hits((EN3, 6.0), (EN2, 3.0))
    chars = _hits((EN2, 20.0))
    return candidate_columns(
        [minilm, use],
        words,
        chars,
        article_language=LANGUAGE,
        query_language=query_language,
        query_terms=query_terms,
        article_chars=[(EN2, 8.0), (ZH1, 2.0), (uuid.UUID(int=99), 1.0)],
    ).as_dicts()


def test_dense_features_read_only_what_each_model_reads_with_the_cut_off_below_it() -> None:
    features = _features()
    assert list(features) == [EN1, ZH1, EN2, EN3]  # the order first met
    zh = features[ZH1]
    # MiniLM's 0.9 for the Chinese article is ignored; it ranks first among what USE found.
    assert zh["specific_reads"] == 0 and zh["specific_cosine"] == 0 and zh["specific_rr"] == 0
    assert zh["other_language"] == 1 and zh["multilingual_cosine_other"] == pytest.approx(0.5)
    assert zh["multilingual_rr"] == 1 and zh["multilingual_second"] == pytest.approx(0.45)
    en1 = features[EN1]
    assert en1["specific_cosine"] == pytest.approx(0.8) and en1["specific_rr"] == 1
    assert en1["specific_gap"] == 0 and en1["specific_second"] == pytest.approx(0.7)
    en2 = features[EN2]  # second among the English articles MiniLM found; USE did not find it
    assert en2["specific_rr"] == 1 / 2 and en2["specific_gap"] == pytest.approx(-0.4)
    assert en2["specific_second"] == pytest.approx(0.4)  # one chunk: the lane's cut-off
    assert en2["multilingual_cosine"] == pytest.approx(0.3)  # USE's cut-off
    assert en2["multilingual_rr"] == 1 / MISSING_RANK


def test_lexical_features_are_each_lane_over_its_best_with_query_interactions() -> None:
    features = _features(query_terms=4)
    assert features[EN3]["words"] == 1 and features[EN3]["chars"] == 0
    assert features[EN2]["words"] == 0.5 and features[EN2]["chars"] == 1
    assert features[EN2]["words_rr"] == 1 / 2 and features[EN3]["chars_rr"] == 1 / MISSING_RANK
    assert features[EN3]["words_short"] == pytest.approx(0.5)  # 1 / (1 + 4 / 4)
    assert features[EN3]["words_zh"] == 0
    chinese = _features(query_language="zh", query_terms=0)
    assert chinese[EN3]["words_zh"] == 1 and chinese[EN3]["words_short"] == 1
    assert chinese[ZH1]["other_language"] == 0 and chinese[EN1]["other_language"] == 1


def test_the_whole_article_lane_scores_the_candidates_and_adds_none() -> None:
    features = _features()
    assert uuid.UUID(int=99) not in features  # only scored: the other lanes did not find it
    assert features[EN2]["article_chars"] == 1 and features[EN2]["article_chars_rr"] == 1
    assert features[ZH1]["article_chars"] == 0.25 and features[ZH1]["article_chars_rr"] == 1 / 2
    assert features[EN1]["article_chars"] == 0
    assert features[EN1]["article_chars_rr"] == 1 / MISSING_RANK
    assert features[EN2]["article_chars_zh"] == 0
    assert _features(query_language="zh")[ZH1]["article_chars_zh"] == 0.25


def test_second_best_per_article_needs_two_chunks() -> None:
    owner = {10: EN1, 11: EN1, 12: EN1, 20: EN2}
    hits = [(10, 0.9), (20, 0.8), (12, 0.7), (11, 0.75), (99, 0.6)]
    assert second_best_per_article(hits, owner) == {EN1: 0.75}


def test_the_ranker_orders_by_its_weighted_sum_and_keeps_the_first_met_order_on_ties() -> None:
    features = _features()
    by_words = LinearRanker({"words": 1.0})
    assert learned_ranking(features, by_words)[:2] == [EN3, EN2]
    assert learned_ranking(features, LinearRanker({})) == [EN1, ZH1, EN2, EN3]
    by_use = LinearRanker({"multilingual_cosine": 1.0, "words": 0.1})
    assert learned_ranking(features, by_use)[0] == ZH1


def test_each_ranker_weighs_only_its_own_features() -> None:
    assert set(FUSED_RANKER.weights) == set(FUSED_FEATURES)
    assert set(DENSE_RANKER.weights) == set(DENSE_FEATURES)
    assert set(LEXICAL_RANKER.weights) == set(LEXICAL_ONLY_FEATURES)
    assert not set(DENSE_FEATURES) & {"words", "chars", "words_rr", "chars_rr"}
    assert set(_features()[EN1]) == set(FUSED_FEATURES)


def test_column_scores_are_the_one_by_one_scores_bit_for_bit() -> None:
    """The served path scores feature columns at once; the bench's learner and the dict form
    score one candidate at a time. Same floats, so the same order, ties included."""
    rng = random.Random(3)
    articles = [uuid.UUID(int=n) for n in range(1, 200)]
    language = {a: rng.choice(["en", "zh"]) for a in articles}
    for query in range(40):

        def ranking(size: int) -> list[ArticleHit]:
            picked = rng.sample(articles, size)
            scores = sorted((rng.choice([0.5, rng.random()]) for _ in picked), reverse=True)
            return [
                ArticleHit(a, s, n) for n, (a, s) in enumerate(zip(picked, scores, strict=True))
            ]

        dense = [
            DenseRanking(ranking(40), frozenset({"en"}), second={articles[0]: 0.25}),
            DenseRanking(ranking(40), None, second={a: 0.1 for a in articles[:9]}),
        ]
        candidates = candidate_columns(
            dense[: 1 + query % 2],
            ranking(rng.randint(0, 40)),
            ranking(40),
            article_language=language,
            query_language="zh" if query % 3 == 0 else "en",
            query_terms=rng.randint(0, 9),
            article_chars=[(h.article_id, h.score * 9) for h in ranking(40)],
        )
        features = candidates.as_dicts()
        for ranker in (FUSED_RANKER, DENSE_RANKER, LEXICAL_RANKER, LinearRanker({"words": 1.0})):
            columns = ranker.scores(candidates.columns, len(candidates.articles)).tolist()
            assert columns == [ranker.score(features[a]) for a in candidates.articles]
            assert rank_candidates(candidates, ranker) == learned_ranking(features, ranker)
