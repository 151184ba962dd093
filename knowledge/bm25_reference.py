"""The first BM25 index: postings in Python dicts, every matching posting scored per query.

Kept as the reference that ``knowledge.bm25.BM25Index`` is tested against (same scores to
1e-9, same order) and as the "old path" of ``deskmate bench kb``'s scale run. Not used to serve.
"""

from __future__ import annotations

import math
import threading
from collections import Counter
from collections.abc import Callable, Iterable


class ReferenceBM25Index:
    """Okapi BM25 over chunks keyed by their integer chunk id, updatable in place.

    Postings map a term to {chunk id: term frequency}; document lengths and the total length
    are kept so that ``add``/``remove`` never need a rebuild. Thread-safe.
    """

    def __init__(
        self, tokenizer: Callable[[str], list[str]], *, k1: float = 1.2, b: float = 0.75
    ) -> None:
        self.tokenizer = tokenizer
        self.k1 = k1
        self.b = b
        self._postings: dict[str, dict[int, int]] = {}
        self._terms: dict[int, list[str]] = {}
        self._lengths: dict[int, int] = {}
        self._total_length = 0
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._lengths)

    def __contains__(self, chunk_id: object) -> bool:
        return chunk_id in self._lengths

    def ids(self) -> set[int]:
        with self._lock:
            return set(self._lengths)

    def add(self, items: Iterable[tuple[int, str]]) -> None:
        """Index (chunk id, text) pairs; a chunk id already present is replaced."""
        tokenised = [(chunk_id, Counter(self.tokenizer(text))) for chunk_id, text in items]
        with self._lock:
            for chunk_id, counts in tokenised:
                self._remove_locked(chunk_id)
                for term, tf in counts.items():
                    self._postings.setdefault(term, {})[chunk_id] = tf
                length = sum(counts.values())
                self._terms[chunk_id] = list(counts)
                self._lengths[chunk_id] = length
                self._total_length += length

    def remove(self, chunk_ids: Iterable[int]) -> None:
        with self._lock:
            for chunk_id in chunk_ids:
                self._remove_locked(chunk_id)

    def clear(self) -> None:
        with self._lock:
            self._postings.clear()
            self._terms.clear()
            self._lengths.clear()
            self._total_length = 0

    def _remove_locked(self, chunk_id: int) -> None:
        terms = self._terms.pop(chunk_id, None)
        if terms is None:
            return
        for term in terms:
            postings = self._postings[term]
            del postings[chunk_id]
            if not postings:
                del self._postings[term]
        self._total_length -= self._lengths.pop(chunk_id)

    def search(self, text: str, *, k: int) -> list[tuple[int, float]]:
        """The ``k`` best (chunk id, BM25 score) pairs; chunks sharing no term are left out."""
        terms = Counter(self.tokenizer(text))
        scores: dict[int, float] = {}
        with self._lock:
            count = len(self._lengths)
            if not count or not terms:
                return []
            average = self._total_length / count
            for term, query_tf in terms.items():
                postings = self._postings.get(term)
                if not postings:
                    continue
                df = len(postings)
                idf = math.log(1 + (count - df + 0.5) / (df + 0.5))
                for chunk_id, tf in postings.items():
                    norm = self.k1 * (1 - self.b + self.b * self._lengths[chunk_id] / average)
                    gain = query_tf * idf * tf * (self.k1 + 1) / (tf + norm)
                    scores[chunk_id] = scores.get(chunk_id, 0.0) + gain
        best = sorted(scores.items(), key=lambda item: item[1], reverse=True)
        return best[:k]
