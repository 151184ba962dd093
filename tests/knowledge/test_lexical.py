from __future__ import annotations

import pytest

from knowledge.bm25 import BM25Index
from knowledge.lexical import CharTokenizer, Tokenizer, stem


def test_english_tokens_are_lowercased_stemmed_and_without_stopwords() -> None:
    tokens = Tokenizer()("How do I reset the Cameras after resetting the Router?")
    assert tokens == ["reset", "camera", "reset", "router"]
    assert stem("charging") == stem("charge") == stem("charges")
    assert stem("status") == "status" and stem("wifi") == "wifi"


@pytest.mark.parametrize("chinese", ["bigram", "jieba"])
def test_chinese_is_split_into_words_or_bigrams_without_particles(chinese: str) -> None:
    tokens = Tokenizer(chinese=chinese)("摄像头连不上无线网络怎么办")
    assert "无线" in tokens and "网络" in tokens
    assert "怎么" not in tokens and "怎么办" not in tokens
    mixed = Tokenizer(chinese=chinese)("Lumora 门铃 Wi-Fi")
    assert {"lumora", "wi", "fi"} <= set(mixed) and "门铃" in mixed


def test_unknown_chinese_mode_is_refused() -> None:
    with pytest.raises(ValueError, match="bigram"):
        Tokenizer(chinese="chars")


def _index() -> BM25Index:
    index = BM25Index(Tokenizer())
    index.add(
        [
            (1, "Reset the hub: hold the reset button for ten seconds"),
            (2, "Connect the camera to Wi-Fi on a 2.4 GHz network"),
            (3, "Refunds for the cloud subscription are paid within 14 days"),
            (4, "摄像头离线或实时画面卡顿"),
        ]
    )
    return index


def test_bm25_ranks_by_shared_rare_terms_and_leaves_out_unrelated_chunks() -> None:
    index = _index()
    hits = index.search("how do I get a refund for my subscription", k=5)
    assert [chunk_id for chunk_id, _ in hits] == [3]
    assert [c for c, _ in index.search("resetting the camera", k=5)] in ([1, 2], [2, 1])
    assert index.search("摄像头离线", k=5)[0][0] == 4
    assert index.search("the and of", k=5) == []


def test_bm25_updates_in_place_add_replace_remove() -> None:
    index = _index()
    index.add([(5, "Error E-4021 means the doorbell battery is too cold")])
    assert index.search("E-4021", k=1)[0][0] == 5
    index.add([(5, "The doorbell chime wiring")])  # same id: replaced, not duplicated
    assert index.search("E-4021", k=1) == []
    assert len(index) == 5
    index.remove([5, 99])
    assert 5 not in index and len(index) == 4
    assert index.search("doorbell chime", k=3) == []
    index.clear()
    assert len(index) == 0 and index.search("reset", k=1) == []


def test_character_ngrams_still_match_a_misspelt_word() -> None:
    grams = CharTokenizer()
    typo, right, other = set(grams("scaning")), set(grams("scanning")), set(grams("router"))
    assert "#sca" in typo and "ing#" in typo and "#scaning#" not in typo  # 3 to 5 characters
    assert len(typo & right) >= len(typo) // 2 and not typo & other
    chinese = grams("摄像头离线了")
    assert {"摄像", "像头", "摄", "线"} <= set(chinese) and "了" not in chinese
    assert grams("the a to") == []  # stop words carry no grams


def test_the_character_lane_finds_what_the_word_lane_misses() -> None:
    words, chars = BM25Index(Tokenizer()), BM25Index(CharTokenizer())
    docs = [(1, "Scanning the QR code during setup"), (2, "Refunds for the cloud plan")]
    words.add(docs)
    chars.add(docs)
    assert words.search("refnds", k=2) == []
    assert [chunk for chunk, _ in chars.search("refnds", k=2)] == [2]


def test_bad_ngram_sizes_are_refused() -> None:
    with pytest.raises(ValueError, match="n-gram"):
        CharTokenizer(smallest=4, largest=3)
