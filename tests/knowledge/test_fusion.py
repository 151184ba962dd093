"""The convex fusion served by ``rank_articles``: its scale, its cut-offs and its languages."""

from __future__ import annotations

import uuid

import pytest

from knowledge.fusion import (
    ArticleHit,
    DenseRanking,
    FusionWeights,
    convex_fusion,
    lexical_scores,
    max_normalised,
)

EN1, EN2, ZH1 = (uuid.UUID(int=n) for n in (1, 2, 3))
LANGUAGE = {EN1: "en", EN2: "en", ZH1: "zh"}


def _hits(*pairs: tuple[uuid.UUID, float]) -> list[ArticleHit]:
    return [ArticleHit(article, score, n) for n, (article, score) in enumerate(pairs)]


def test_lexical_scores_are_each_lane_over_its_best_summed() -> None:
    words = _hits((EN1, 8.0), (EN2, 2.0))
    chars = _hits((EN2, 30.0), (ZH1, 15.0))
    assert max_normalised(words) == {EN1: 1.0, EN2: 0.25}
    assert max_normalised([]) == {} and max_normalised(_hits((EN1, 0.0))) == {}
    scores = lexical_scores(words, chars, char_weight=2.0)
    assert scores == pytest.approx({EN1: 1.0, EN2: 0.25 + 2.0, ZH1: 1.0})


def test_an_english_article_mixes_both_cosines_a_chinese_one_only_the_multilingual() -> None:
    minilm = DenseRanking(_hits((EN1, 0.8), (ZH1, 0.9), (EN2, 0.4)), frozenset({"en"}))
    use = DenseRanking(_hits((ZH1, 0.5), (EN1, 0.3), (EN2, 0.2)), None)
    weights = FusionWeights(specific_share=0.5, other_language=0.0, lexical_weight=0.0)
    fused = dict(
        convex_fusion(
            [minilm, use], {}, article_language=LANGUAGE, query_language="en", weights=weights
        )
    )
    # MiniLM's 0.9 for the Chinese article is ignored: it cannot read Chinese.
    assert fused == pytest.approx({EN1: 0.55, ZH1: 0.5, EN2: 0.3})


def test_the_other_language_offset_and_the_lexical_weight_move_articles_up() -> None:
    use = DenseRanking(_hits((EN1, 0.5), (ZH1, 0.45)), None)
    plain = FusionWeights(specific_share=0.0, other_language=0.0, lexical_weight=0.0)
    offset = FusionWeights(specific_share=0.0, other_language=0.1, lexical_weight=0.0)
    lexical = FusionWeights(specific_share=0.0, other_language=0.0, lexical_weight=0.1)

    def order(weights: FusionWeights, lexical_scores: dict[uuid.UUID, float]) -> list[uuid.UUID]:
        fused = convex_fusion(
            [use], lexical_scores, article_language=LANGUAGE, query_language="en", weights=weights
        )
        return [article for article, _ in fused]

    assert order(plain, {}) == [EN1, ZH1]
    assert order(offset, {}) == [ZH1, EN1]  # a cross-lingual find for an English question
    assert order(lexical, {ZH1: 1.0}) == [ZH1, EN1]
    assert order(lexical, {EN2: 3.0}) == [EN2, EN1, ZH1]  # found by words alone


def test_an_article_below_a_models_cut_off_gets_the_cut_off_score() -> None:
    minilm = DenseRanking(_hits((EN1, 0.7), (EN2, 0.6)), frozenset({"en"}))
    use = DenseRanking(_hits((EN1, 0.5), (ZH1, 0.4)), None)  # EN2 fell below USE's cut-off
    weights = FusionWeights(specific_share=0.5, other_language=0.0, lexical_weight=0.0)
    fused = dict(
        convex_fusion(
            [minilm, use], {}, article_language=LANGUAGE, query_language="en", weights=weights
        )
    )
    assert fused[EN2] == pytest.approx(0.5 * 0.6 + 0.5 * 0.4)
    assert fused[ZH1] == pytest.approx(0.4)
