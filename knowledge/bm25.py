"""Okapi BM25 as an inverted index in numpy arrays, with exact top-k pruning.

Scores are those of the first, pure-Python index (``knowledge.bm25_reference``) to rounding
(only the order in which a chunk's term gains are summed differs), and so is the order of tied
chunks. What changed is the cost: at 100k chunks the character n-gram lane touches millions of
postings per query, which a Python loop cannot score in time.

Layout. Chunks live in a *main segment* of arrays, built in one go, and a small *recent segment*
of dicts that takes what ``add`` brings between two rebuilds (a publish adds a few chunks; it
must not rebuild a million). The main segment holds both directions of the same postings, in CSR
form: term → (chunk slot, tf) to find the chunks of a query's terms, and chunk slot → (term, tf)
to score a chunk completely. A removed chunk is a tombstone until the next rebuild. The segment
is rebuilt when the recent one outgrows ``RECENT_MAX`` or a bulk ``add`` arrives.

Per-posting BM25 weights are not stored: they depend on the average chunk length, which every
publish changes, and a stale average would break the identity with the reference. What is
precomputed is each term's largest tf and shortest chunk (for the bounds below) and, per
average length, every chunk's length normaliser.

Pruning (MaxScore, Turtle & Flood 1995). Each query term has an upper bound on what it can add to
any chunk's score. The common terms -- character grams like ``ing#`` sit in a large share of all
chunks -- have the longest postings and the smallest bounds. Once a lower bound ``θ`` of the
k-th best score is known (from fully scoring the best chunks of the rare terms), the common
terms whose bounds sum to less than ``θ`` are "non-essential": a chunk containing only them
cannot reach the top k, so their postings are never walked. The candidates that might still
make it are then looked up in the remaining terms' postings (binary search, or the whole
postings added when the candidates outnumber an eighth of them: a walk is cheaper then), dropped
as soon as they cannot reach the k-th best, and the survivors scored completely through the
chunk → term direction. The result is exact. A query whose terms have fewer than
``EXHAUSTIVE_POSTINGS`` postings in all simply walks them all, which is cheaper there.
"""

from __future__ import annotations

import math
import threading
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from itertools import islice

import numpy as np
import numpy.typing as npt

Int32s = npt.NDArray[np.int32]
Int64s = npt.NDArray[np.int64]
Floats = npt.NDArray[np.float64]

RECENT_MAX = 1024  # chunks in the dict segment before the arrays are rebuilt
RECENT_SHARE = 8  # ... or fewer: an eighth of the main segment (a first load goes to arrays)
TOKENIZE_BATCH = 4096  # chunks tokenised per lock hold during a bulk add
BUILD_BLOCK = 65536  # chunks per step when the arrays are grouped by term
FIRST_PASS_POSTINGS = 4096  # postings walked (at least) before the first bound on the k-th score
EXHAUSTIVE_POSTINGS = 300_000  # up to this many postings a query walks them all (cheaper)
LOOKUP_COST = 8  # a binary search per candidate against a walk of the term's postings
BOUND_SLACK = 1e-9  # relative; keeps a bound safe from rounding


def _ranges(starts: Int64s, stops: Int64s) -> Int64s:
    """The concatenation of ``arange(start, stop)`` for each pair, without a Python loop."""
    lengths = stops - starts
    total = int(lengths.sum())
    if total == 0:
        return np.zeros(0, dtype=np.int64)
    offsets = np.cumsum(lengths) - lengths
    return np.repeat(starts - offsets, lengths) + np.arange(total, dtype=np.int64)


@dataclass
class _Docs:
    """Chunks in forward form: chunk ids, their lengths and add order, and their (term, tf) runs."""

    chunk_ids: Int64s
    lengths: Floats
    seq: Int64s  # when the chunk was added: ties are ordered by it, as the reference does
    doc_ptr: Int64s  # chunk i's terms are terms[doc_ptr[i]:doc_ptr[i + 1]]
    terms: Int32s
    tfs: Int32s

    @classmethod
    def empty(cls) -> _Docs:
        return cls(
            np.zeros(0, np.int64),
            np.zeros(0, np.float64),
            np.zeros(0, np.int64),
            np.zeros(1, np.int64),
            np.zeros(0, np.int32),
            np.zeros(0, np.int32),
        )

    def __len__(self) -> int:
        return len(self.chunk_ids)

    def take(self, rows: Int64s) -> _Docs:
        flat = _ranges(self.doc_ptr[rows], self.doc_ptr[rows + 1])
        sizes = self.doc_ptr[rows + 1] - self.doc_ptr[rows]
        return _Docs(
            self.chunk_ids[rows],
            self.lengths[rows],
            self.seq[rows],
            np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64),
            self.terms[flat],
            self.tfs[flat],
        )

    @classmethod
    def concat(cls, parts: list[_Docs]) -> _Docs:
        parts = [p for p in parts if len(p)]
        if len(parts) <= 1:
            return parts[0] if parts else cls.empty()
        sizes = np.concatenate([np.diff(p.doc_ptr) for p in parts])
        return cls(
            np.concatenate([p.chunk_ids for p in parts]),
            np.concatenate([p.lengths for p in parts]),
            np.concatenate([p.seq for p in parts]),
            np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64),
            np.concatenate([p.terms for p in parts]),
            np.concatenate([p.tfs for p in parts]),
        )


class _Main:
    """The array segment: forward runs plus the same postings grouped by term (slot order)."""

    def __init__(self, docs: _Docs, vocabulary: int) -> None:
        self.docs = docs
        self.alive = np.ones(len(docs), dtype=bool)
        self.dead: list[int] = []
        self.slot = dict(zip(docs.chunk_ids.tolist(), range(len(docs)), strict=True))
        counts = np.bincount(docs.terms, minlength=vocabulary)
        self.term_ptr: Int64s = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
        self.term_slots: Int32s = np.empty(len(docs.terms), dtype=np.int32)
        self.term_tfs: Int32s = np.empty(len(docs.terms), dtype=docs.tfs.dtype)
        # Grouped by term a block of chunks at a time, so that the sort's temporaries stay
        # small (a million chunks of character grams hold some 250 million postings).
        filled = self.term_ptr[:-1].copy()
        for first in range(0, len(docs), BUILD_BLOCK):
            rows = np.arange(first, min(len(docs), first + BUILD_BLOCK))
            start, stop = docs.doc_ptr[rows[0]], docs.doc_ptr[rows[-1] + 1]
            terms = docs.terms[start:stop]
            order = np.argsort(terms, kind="stable")
            grouped = terms[order]
            heads = np.flatnonzero(np.concatenate([[True], grouped[1:] != grouped[:-1]]))
            sizes = np.diff(np.append(heads, len(grouped)))
            rank = np.arange(len(grouped)) - np.repeat(heads, sizes)
            destination = filled[grouped] + rank
            slots = np.repeat(rows.astype(np.int32), np.diff(docs.doc_ptr[rows[0] : rows[-1] + 2]))
            self.term_slots[destination] = slots[order]
            self.term_tfs[destination] = docs.tfs[start:stop][order]
            filled[grouped[heads]] += sizes
        self._norm: tuple[float, Floats] | None = None

    def norm(self, k1: float, b: float, average: float) -> Floats:
        """k1·(1 - b + b·length/average) per slot, the same expression the reference evaluates."""
        if self._norm is None or self._norm[0] != average:
            self._norm = (average, k1 * (1 - b + b * self.docs.lengths / average))
        return self._norm[1]


@dataclass(frozen=True)
class _Query:
    terms: list[int]  # term ids, in the order they first occur in the query
    weights: Floats  # query tf · idf, per term
    bounds: Floats  # the most a term can add to any chunk's score


class BM25Index:
    """Okapi BM25 over chunks keyed by their integer chunk id, updatable in place; thread-safe.

    Same interface and scores as the reference: ``add`` replaces a chunk id already present,
    ``search`` returns the ``k`` best (chunk id, score) pairs and leaves out chunks sharing no
    term with the query.
    """

    def __init__(
        self, tokenizer: Callable[[str], list[str]], *, k1: float = 1.2, b: float = 0.75
    ) -> None:
        self.tokenizer = tokenizer
        self.k1 = k1
        self.b = b
        self._lock = threading.Lock()
        self.clear()

    def clear(self) -> None:
        with self._lock:
            self._vocab: dict[str, int] = {}
            self._df = np.zeros(0, dtype=np.int64)  # live chunks per term
            self._max_tf = np.zeros(0, dtype=np.int64)  # over chunks added since the rebuild
            self._min_length = np.zeros(0, dtype=np.float64)
            self._main = _Main(_Docs.empty(), 0)
            # The recent segment: chunk id -> (seq, length, {term: tf} in token order).
            self._recent: dict[int, tuple[int, int, dict[int, int]]] = {}
            self._recent_postings: dict[int, set[int]] = {}
            self._total_length = 0
            self._seq = 0

    def __len__(self) -> int:
        return len(self._main.slot) + len(self._recent)

    def __contains__(self, chunk_id: object) -> bool:
        return chunk_id in self._main.slot or chunk_id in self._recent

    def ids(self) -> set[int]:
        with self._lock:
            return set(self._main.slot) | set(self._recent)

    # -- updates ---------------------------------------------------------------------------

    def add(self, items: Iterable[tuple[int, str]]) -> None:
        """Index (chunk id, text) pairs; a chunk id already present is replaced.

        Texts are tokenised in batches outside the lock. A few chunks go to the recent segment;
        a bulk add (or one that fills the recent segment) rebuilds the arrays once.
        """
        parts: list[_Docs] = []
        iterator = iter(items)
        while batch := list(islice(iterator, TOKENIZE_BATCH)):
            counted = [(chunk_id, Counter(self.tokenizer(text))) for chunk_id, text in batch]
            with self._lock:
                parts.append(self._forward(counted))
        new = _Docs.concat(parts)
        if not len(new):
            return
        # The last of several texts for one chunk id wins, as when added one by one.
        _, last = np.unique(new.chunk_ids[::-1], return_index=True)
        if len(last) < len(new):
            new = new.take(np.sort(len(new) - 1 - last))
        with self._lock:
            for chunk_id in new.chunk_ids.tolist():
                self._remove_locked(chunk_id)
            new.seq = np.arange(self._seq, self._seq + len(new), dtype=np.int64)
            self._seq += len(new)
            self._count_in(new)
            limit = min(RECENT_MAX, len(self._main.slot) // RECENT_SHARE)
            if len(self._recent) + len(new) > limit:
                self._rebuild_locked(new)
            else:
                self._add_recent(new)

    def _forward(self, counted: list[tuple[int, Counter[str]]]) -> _Docs:
        """Chunks as term-id runs, new terms getting ids (so: under the lock)."""
        vocab = self._vocab
        terms: list[int] = []
        tfs: list[int] = []
        sizes: list[int] = []
        lengths: list[int] = []
        for _, counts in counted:
            for term, tf in counts.items():
                term_id = vocab.get(term)
                if term_id is None:
                    term_id = vocab[term] = len(vocab)
                terms.append(term_id)
                tfs.append(tf)
            sizes.append(len(counts))
            lengths.append(sum(counts.values()))
        grow = len(vocab) - len(self._df)
        if grow > 0:
            extra = max(grow, len(self._df) // 2)
            self._df = np.concatenate([self._df, np.zeros(extra, np.int64)])
            self._max_tf = np.concatenate([self._max_tf, np.zeros(extra, np.int64)])
            self._min_length = np.concatenate([self._min_length, np.full(extra, np.inf)])
        return _Docs(
            np.array([chunk_id for chunk_id, _ in counted], dtype=np.int64),
            np.array(lengths, dtype=np.float64),
            np.zeros(len(counted), dtype=np.int64),
            np.concatenate([[0], np.cumsum(sizes, dtype=np.int64)]).astype(np.int64),
            np.array(terms, dtype=np.int32),
            np.array(tfs, dtype=np.int32),
        )

    def _count_in(self, docs: _Docs) -> None:
        """Document frequencies, total length and the per-term bounds, for chunks coming in."""
        self._df[: len(self._vocab)] += np.bincount(docs.terms, minlength=len(self._vocab))
        self._total_length += int(docs.lengths.sum())
        np.maximum.at(self._max_tf, docs.terms, docs.tfs)
        lengths = np.repeat(docs.lengths, np.diff(docs.doc_ptr))
        np.minimum.at(self._min_length, docs.terms, lengths)

    def _add_recent(self, docs: _Docs) -> None:
        for row, chunk_id in enumerate(docs.chunk_ids.tolist()):
            start, stop = int(docs.doc_ptr[row]), int(docs.doc_ptr[row + 1])
            terms, tfs = docs.terms[start:stop].tolist(), docs.tfs[start:stop].tolist()
            counts = dict(zip(terms, tfs, strict=True))
            self._recent[chunk_id] = (int(docs.seq[row]), int(docs.lengths[row]), counts)
            for term in counts:
                self._recent_postings.setdefault(term, set()).add(chunk_id)

    def _rebuild_locked(self, new: _Docs) -> None:
        """One array segment from the live main chunks, the recent ones and ``new``."""
        main = self._main
        live = main.docs.take(np.flatnonzero(main.alive).astype(np.int64))
        recent = self._recent_docs()
        docs = _Docs.concat([live, recent, new])
        if np.any(np.diff(docs.seq) < 0):
            docs = docs.take(np.argsort(docs.seq, kind="stable").astype(np.int64))
        self._main = _Main(docs, len(self._vocab))
        self._recent.clear()
        self._recent_postings.clear()
        # Bounds over the live chunks only (a removal never loosens them before this).
        vocabulary = len(self._vocab)
        self._max_tf[:] = 0
        self._min_length[:] = np.inf
        if len(docs.terms):
            np.maximum.at(self._max_tf, docs.terms, docs.tfs)
            lengths = np.repeat(docs.lengths, np.diff(docs.doc_ptr))
            np.minimum.at(self._min_length[:vocabulary], docs.terms, lengths)

    def _recent_docs(self) -> _Docs:
        if not self._recent:
            return _Docs.empty()
        rows = list(self._recent.items())
        sizes = [len(counts) for _, (_, _, counts) in rows]
        return _Docs(
            np.array([chunk_id for chunk_id, _ in rows], dtype=np.int64),
            np.array([length for _, (_, length, _) in rows], dtype=np.float64),
            np.array([seq for _, (seq, _, _) in rows], dtype=np.int64),
            np.concatenate([[0], np.cumsum(sizes, dtype=np.int64)]).astype(np.int64),
            np.array([t for _, (_, _, c) in rows for t in c], dtype=np.int32),
            np.array([f for _, (_, _, c) in rows for f in c.values()], dtype=np.int32),
        )

    def remove(self, chunk_ids: Iterable[int]) -> None:
        with self._lock:
            for chunk_id in chunk_ids:
                self._remove_locked(chunk_id)

    def _remove_locked(self, chunk_id: int) -> None:
        recent = self._recent.pop(chunk_id, None)
        if recent is not None:
            _, length, counts = recent
            for term in counts:
                self._df[term] -= 1
                postings = self._recent_postings[term]
                postings.discard(chunk_id)
                if not postings:
                    del self._recent_postings[term]
            self._total_length -= length
            return
        main = self._main
        slot = main.slot.pop(chunk_id, None)
        if slot is None:
            return
        main.alive[slot] = False
        main.dead.append(slot)
        docs = main.docs
        self._df[docs.terms[docs.doc_ptr[slot] : docs.doc_ptr[slot + 1]]] -= 1
        self._total_length -= int(docs.lengths[slot])

    # -- search ----------------------------------------------------------------------------

    def search(self, text: str, *, k: int) -> list[tuple[int, float]]:
        """The ``k`` best (chunk id, BM25 score) pairs; chunks sharing no term are left out."""
        counts = Counter(self.tokenizer(text))
        with self._lock:
            count = len(self)
            if not count or not counts or k <= 0:
                return []
            average = self._total_length / count
            query = self._query(counts, count, average)
            if not query.terms:
                return []
            found = [*self._search_main(query, average, k), *self._search_recent(query, average)]
        # Best first; ties as the reference orders them: by the first query term the chunk
        # contains, then by when the chunk was added.
        found.sort(key=lambda hit: (-hit[1], hit[2], hit[3]))
        return [(chunk_id, score) for chunk_id, score, _, _ in found[:k]]

    def _query(self, counts: Counter[str], count: int, average: float) -> _Query:
        terms: list[int] = []
        weights: list[float] = []
        for term, query_tf in counts.items():
            term_id = self._vocab.get(term)
            if term_id is None or not self._df[term_id]:
                continue
            df = int(self._df[term_id])
            idf = math.log(1 + (count - df + 0.5) / (df + 0.5))
            terms.append(term_id)
            weights.append(query_tf * idf)
        ids = np.array(terms, dtype=np.int64)
        weight = np.array(weights, dtype=np.float64)
        tf = self._max_tf[ids].astype(np.float64)
        norm = self.k1 * (1 - self.b + self.b * self._min_length[ids] / average)
        bounds = weight * tf * (self.k1 + 1) / (tf + norm) * (1 + BOUND_SLACK)
        return _Query(terms, weight, bounds)

    def _search_main(
        self, query: _Query, average: float, k: int
    ) -> Iterator[tuple[int, float, int, int]]:
        main = self._main
        if not main.slot:
            return
        norm = main.norm(self.k1, self.b, average)
        terms = np.array(query.terms, dtype=np.int64)
        known = terms < len(main.term_ptr) - 1
        sizes = np.zeros(len(terms), dtype=np.int64)
        sizes[known] = main.term_ptr[terms[known] + 1] - main.term_ptr[terms[known]]
        partial = np.zeros(len(main.docs), dtype=np.float64)
        walked = np.zeros(len(terms), dtype=bool)

        def walk(positions: Int64s) -> None:
            """Add the chosen terms' gains to every chunk in their postings, in one pass."""
            positions = positions[known[positions]]
            if not len(positions):
                return
            # Each term's postings are one contiguous run: slices joined, not gathered.
            starts = main.term_ptr[terms[positions]].tolist()
            runs = list(zip(starts, (main.term_ptr[terms[positions] + 1]).tolist(), strict=True))
            slots = np.concatenate([main.term_slots[a:b] for a, b in runs])
            tf = np.concatenate([main.term_tfs[a:b] for a, b in runs], dtype=np.float64)
            # weight · tf · (k1 + 1) / (tf + norm), the same operations in the same order, in
            # place (a million postings make every temporary array count).
            gains = np.repeat(query.weights[positions], sizes[positions])
            gains *= tf
            gains *= self.k1 + 1
            tf += norm[slots]
            gains /= tf
            partial[:] += np.bincount(slots, weights=gains, minlength=len(partial))
            walked[positions] = True

        budget = max(FIRST_PASS_POSTINGS, len(main.docs) // 32)
        if sizes.sum() <= max(budget, EXHAUSTIVE_POSTINGS):
            walk(np.arange(len(terms)))  # cheaper than pruning
        else:
            # First pass: the terms with the highest bounds (the rarest, usually) within a budget
            # of postings, then a lower bound on the k-th best score from fully scoring their best.
            by_bound = np.argsort(-query.bounds, kind="stable")
            within = np.cumsum(sizes[by_bound]) <= budget
            within[0] = True
            walk(by_bound[within])
        if main.dead:
            partial[main.dead] = 0.0
        threshold = self._kth_best(partial, query, average, k) if not walked.all() else 0.0
        # Non-essential terms: the smallest bounds while they sum below the threshold.
        rest = 0.0
        essential: list[int] = []
        lookup: list[int] = []
        for position in np.argsort(query.bounds, kind="stable").tolist():
            if walked[position]:
                continue
            if not essential and rest + query.bounds[position] < threshold:
                rest += query.bounds[position]
                lookup.append(position)
            else:
                essential.append(position)
        walk(np.array(essential, dtype=np.int64))
        if main.dead:
            partial[main.dead] = 0.0
        touched = np.flatnonzero(partial != 0)
        candidates = self._refine(touched, partial, query, lookup[::-1], norm, threshold, k)
        yield from self._score_slots(candidates, query, average)

    def _refine(
        self,
        touched: Int64s,
        partial: Floats,
        query: _Query,
        lookup: list[int],
        norm: Floats,
        threshold: float,
        k: int,
    ) -> Int64s:
        """The chunks that may still be in the top k, once the non-essential terms are added.

        ``lookup`` (largest bound first) are the terms not walked: each is looked up for the
        remaining candidates only (binary search in its postings), and a candidate is dropped as
        soon as its partial score plus what the terms left could add falls below the k-th best.
        """
        main = self._main
        rests = [*np.cumsum(query.bounds[lookup][::-1])[::-1].tolist(), 0.0]
        candidates = touched
        for step, position in enumerate([*lookup, None]):
            values = partial[candidates]
            keep = values + rests[step] >= threshold * (1 - BOUND_SLACK)
            candidates, values = candidates[keep], values[keep]
            if len(candidates) >= k:
                # A partial score never exceeds the full one: the k-th best partial is a lower
                # bound too (once every term is in, it keeps the k best and their ties). Taken
                # over the candidates left, it is the same as over all of them once it is above
                # the threshold (the k best partials are all left then).
                kth = float(-np.partition(-values, k - 1)[k - 1])
                if kth > threshold:
                    threshold = kth
                    candidates = candidates[values + rests[step] >= threshold * (1 - BOUND_SLACK)]
            if position is None or not len(candidates):
                break
            term = query.terms[position]
            if term + 1 >= len(main.term_ptr):
                continue
            start, stop = main.term_ptr[term], main.term_ptr[term + 1]
            slots = main.term_slots[start:stop]
            if len(candidates) * LOOKUP_COST < len(slots):
                at = np.minimum(np.searchsorted(slots, candidates), len(slots) - 1)
                hit = slots[at] == candidates
                found = candidates[hit]
                tf = main.term_tfs[start:stop][at[hit]].astype(np.float64)
            else:  # cheaper to add the term to every chunk that has it (a slot occurs once)
                found = slots
                tf = main.term_tfs[start:stop].astype(np.float64)
            partial[found] += query.weights[position] * tf * (self.k1 + 1) / (tf + norm[found])
        return candidates

    def _kth_best(self, partial: Floats, query: _Query, average: float, k: int) -> float:
        """A lower bound on the k-th best score: the k-th of the best partials, fully scored."""
        touched = np.flatnonzero(partial != 0)
        if len(touched) < k:
            return 0.0
        best = touched[np.argpartition(-partial[touched], k - 1)[:k]]
        scores = [score for _, score, _, _ in self._score_slots(best, query, average)]
        return min(scores)

    def _score_slots(
        self, slots: Int64s, query: _Query, average: float
    ) -> Iterator[tuple[int, float, int, int]]:
        """(chunk id, full score, first query term it contains, seq) for main-segment slots."""
        main = self._main
        docs = main.docs
        if not len(slots):
            return
        flat = _ranges(docs.doc_ptr[slots], docs.doc_ptr[slots + 1])
        owner = np.repeat(np.arange(len(slots)), docs.doc_ptr[slots + 1] - docs.doc_ptr[slots])
        position = np.full(len(self._vocab), -1, dtype=np.int64)
        position[query.terms] = np.arange(len(query.terms))
        matched = position[docs.terms[flat]]
        keep = matched >= 0
        # Each chunk's gains summed in query-term order, as the reference adds them: the same
        # float operations in the same order give the same bits, so ties stay ties.
        order = np.argsort(matched[keep], kind="stable")
        owner, matched, flat = owner[keep][order], matched[keep][order], flat[keep][order]
        tf = docs.tfs[flat].astype(np.float64)
        norm = main.norm(self.k1, self.b, average)[slots[owner]]
        gains = query.weights[matched] * tf * (self.k1 + 1) / (tf + norm)
        scores = np.bincount(owner, weights=gains, minlength=len(slots))
        first = np.full(len(slots), len(query.terms), dtype=np.int64)
        np.minimum.at(first, owner, matched)
        yield from zip(
            docs.chunk_ids[slots].tolist(),
            scores.tolist(),
            first.tolist(),
            docs.seq[slots].tolist(),
            strict=True,
        )

    def _search_recent(
        self, query: _Query, average: float
    ) -> Iterator[tuple[int, float, int, int]]:
        if not self._recent:
            return
        position = {term: i for i, term in enumerate(query.terms)}
        candidates: set[int] = set()
        for term in query.terms:
            candidates |= self._recent_postings.get(term, set())
        k1, b = self.k1, self.b
        for chunk_id in candidates:
            seq, length, counts = self._recent[chunk_id]
            norm = k1 * (1 - b + b * length / average)
            found = sorted(
                (i, tf) for term, tf in counts.items() if (i := position.get(term)) is not None
            )
            score = 0.0
            for i, tf in found:
                score += float(query.weights[i]) * tf * (k1 + 1) / (tf + norm)
            yield chunk_id, score, found[0][0], seq
