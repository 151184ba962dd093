"""The array BM25 index against the first (dict) implementation, on the seed articles' chunks.

Every query must give the same chunks in the same order (ties included) with the same scores to
1e-9, with pruning on and off, and after removals, replacements and additions that land in the
recent segment and then force a rebuild of the arrays.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from deskmate.bench_kb_report import _chunk_texts
from deskmate.seed import ARTICLES
from knowledge import bm25
from knowledge.bm25 import BM25Index
from knowledge.bm25_reference import ReferenceBM25Index
from knowledge.lexical import CharTokenizer, Tokenizer

EVAL_QUESTIONS = Path(__file__).parent / "eval" / "questions.jsonl"


@cache
def seed_chunks() -> tuple[str, ...]:
    return tuple(_chunk_texts(ARTICLES))


@cache
def queries() -> tuple[str, ...]:
    """Customers' questions (English and Chinese), plus fragments of chunks (1 to 8 words)."""
    asked = [
        json.loads(line)["q"]
        for line in EVAL_QUESTIONS.read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]
    rng = random.Random(7)
    fragments = []
    for text in rng.sample(seed_chunks(), 60):
        words = text.split()
        start = rng.randrange(len(words))
        fragments.append(" ".join(words[start : start + rng.randint(1, 8)]))
    return (*asked[::6], *fragments, "the and of", "", "zzzz-unknown")


def assert_same(new: BM25Index, old: ReferenceBM25Index, *, ks: tuple[int, ...]) -> None:
    assert len(new) == len(old) and new.ids() == old.ids()
    for query in queries():
        for k in ks:
            got, want = new.search(query, k=k), old.search(query, k=k)
            assert [c for c, _ in got] == [c for c, _ in want], (query, k)
            assert [s for _, s in got] == pytest.approx([s for _, s in want], abs=1e-9, rel=0)


TOKENIZERS: dict[str, Callable[[], Callable[[str], list[str]]]] = {
    "words": lambda: Tokenizer(chinese="bigram"),
    "chars": CharTokenizer,
}


@pytest.mark.parametrize("lane", sorted(TOKENIZERS))
@pytest.mark.parametrize(
    ("first_pass", "lookup_cost"),
    [(16, 0), (16, 10**9), (10**9, bm25.LOOKUP_COST)],
    ids=["pruned, binary search", "pruned, postings walked", "exhaustive"],
)
def test_scores_and_order_are_the_reference_ones(
    lane: str, first_pass: int, lookup_cost: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    pruned = first_pass < 100
    monkeypatch.setattr(bm25, "FIRST_PASS_POSTINGS", first_pass)
    # How a term left out of the walk reaches the candidates: binary search in its postings
    # (always, with 0) or adding its whole postings (always, with a huge cost per search).
    monkeypatch.setattr(bm25, "LOOKUP_COST", lookup_cost)
    monkeypatch.setattr(bm25, "EXHAUSTIVE_POSTINGS", 0 if pruned else 10**12)
    monkeypatch.setattr(bm25, "BUILD_BLOCK", 97 if pruned else bm25.BUILD_BLOCK)
    looked_up: list[int] = []  # terms left out of the walk, per pruned query
    refine = BM25Index._refine

    def spy(index: BM25Index, *args: Any) -> Any:
        looked_up.append(len(args[3]))
        return refine(index, *args)

    monkeypatch.setattr(BM25Index, "_refine", spy)
    tokenizer = TOKENIZERS[lane]()
    new, old = BM25Index(tokenizer), ReferenceBM25Index(tokenizer)
    items = list(enumerate(seed_chunks()))
    new.add(items)
    old.add(items)
    assert not new._recent  # a first load goes to the arrays
    assert_same(new, old, ks=(1, 40))

    # A few changes stay in the recent segment, next to tombstones in the arrays.
    changes: list[Callable[[BM25Index | ReferenceBM25Index], None]] = [
        lambda index: index.remove([*range(0, 60, 3), 10**6]),
        lambda index: index.add([(i, seed_chunks()[i * 7]) for i in range(1, 40, 4)]),
        lambda index: index.add([(5000 + i, seed_chunks()[i]) for i in range(12)]),
        lambda index: index.add([(5000, "Lumora doorbell chime wiring"), (5001, "摄像头离线")]),
    ]
    for change in changes:
        change(new)
        change(old)
    assert new._recent and new._main.dead
    assert_same(new, old, ks=(40, 5000))

    # Enough new chunks to rebuild the arrays (the recent segment holds an eighth of them).
    bulk = [(9000 + i, text) for i, text in enumerate(seed_chunks()[:200])]
    new.add(bulk)
    old.add(bulk)
    assert not new._recent and not new._main.dead
    assert_same(new, old, ks=(40,))
    # Pruned: many queries left terms unwalked (looked up for candidates only); else none.
    assert (sum(n > 0 for n in looked_up) > len(looked_up) // 10) == pruned


def test_duplicate_ids_in_one_add_keep_the_last_text() -> None:
    new, old = BM25Index(Tokenizer()), ReferenceBM25Index(Tokenizer())
    items = [(1, "reset the hub"), (2, "camera offline"), (1, "doorbell battery")]
    new.add(items)
    old.add(items)
    assert len(new) == 2
    assert new.search("doorbell", k=5) == old.search("doorbell", k=5) != []
    assert new.search("reset hub", k=5) == []
