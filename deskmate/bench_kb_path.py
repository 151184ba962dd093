"""The scale run's full query path: what ``rank_articles`` does per query, over synthetic chunks.

Per query, as production does it (``knowledge.ranking.gather_signals``, then the served
``fuse_learned``): detect the language; embed the question with the language's own model
(MiniLM for English, USE for Chinese) and search its FAISS index; for English, embed it with
the cross-lingual USE too and search that index; search the word and the character n-gram BM25
lanes and the whole-article character lane (an article's chunks joined); collapse each lane to
articles and fuse them. Every stage is timed on its own, and the
whole in one clock.

Left out: the two primary-key lookups (chunk -> article, article rows) that production makes
in the database between searching and fusing; here the mapping is in memory. They fetch at most
~160 rows whatever the corpus size, and they are inside the seed run's ``rank_articles`` latency.

The same loop also times, per query, the alternatives that can be compared only side by side
on this shared machine: MiniLM's forward pass in torch (production runs it in ONNX Runtime), the
int8 MiniLM query model, both embeddings run concurrently on two
threads, and (on a sample of queries, at sizes where it can be built) the old pure-Python BM25.
"""

from __future__ import annotations

import gc
import statistics
import time
import uuid
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any, cast

import faiss
import numpy as np

from deskmate.bench_kb_scale import (
    _percentile,
    index_bytes,
    synthetic_plan,
    synthetic_texts,
    synthetic_vectors,
)
from knowledge.bm25 import BM25Index
from knowledge.bm25_reference import ReferenceBM25Index
from knowledge.embedding import Embedder, Vectors, embed_query
from knowledge.fusion import best_per_article, second_best_per_article
from knowledge.index import build_faiss
from knowledge.lexical import CharTokenizer, Tokenizer
from knowledge.models import Article
from knowledge.ranking import CHUNK_CANDIDATES, Signals, fuse_learned
from knowledge.retrieval import query_language

CHUNKS_PER_ARTICLE = 5  # the seed has 844 chunks in 156 articles
EXACT_MAX = 50_000  # production's index_exact_max_vectors
NPROBE = 64  # production's index_nprobe
OLD_LEXICAL_MAX = 100_000  # the dict index at 1M would need tens of GB
OLD_LEXICAL_QUERIES = 40  # the old character lane takes seconds per query at 100k

STAGES = (
    "language",
    "embed minilm",
    "embed use",
    "faiss minilm",
    "faiss use",
    "bm25 words",
    "bm25 chars",
    "bm25 article chars",
    "fusion",
    "total",
)
ALTERNATIVES = (
    "embed minilm torch",
    "embed minilm int8",
    "embed both, 2 threads",
    "old bm25 words",
    "old bm25 chars",
    "old total",
)


def rss_mb() -> float:
    """Resident memory of this process now."""
    pages = int(Path("/proc/self/statm").read_text().split()[1])
    return pages * 4096 / 2**20


@dataclass
class PathReport:
    chunks: int
    build_s: dict[str, float] = field(default_factory=dict)
    memory_mb: dict[str, float] = field(default_factory=dict)
    times_ms: dict[str, list[float]] = field(default_factory=dict)
    questions: int = 0

    def add(self, stage: str, seconds: float) -> None:
        self.times_ms.setdefault(stage, []).append(seconds * 1000)

    def stages(self) -> list[dict[str, object]]:
        rows: list[dict[str, object]] = []
        for stage in (*STAGES, *ALTERNATIVES):
            values = self.times_ms.get(stage)
            if values:
                rows.append(
                    {
                        "stage": stage,
                        "n": len(values),
                        "p50_ms": statistics.median(values),
                        "p95_ms": _percentile(values, 0.95),
                    }
                )
        return rows

    def as_dict(self) -> dict[str, object]:
        return {
            "chunks": self.chunks,
            "build_s": self.build_s,
            "memory_mb": self.memory_mb,
            "stages": self.stages(),
        }


@dataclass(frozen=True)
class Models:
    """The production query models: MiniLM (ONNX, its torch twin, its int8 query copy) and USE."""

    minilm: Embedder
    minilm_torch: Embedder
    minilm_int8: Embedder
    use: Embedder


@dataclass(frozen=True, eq=False)
class SyntheticArticle:
    """What the fusion reads of an article (production passes ORM rows loaded by id)."""

    id: uuid.UUID
    language: str


def _timed(report: PathReport, stage: str, action: Callable[[], Any]) -> Any:
    start = time.perf_counter()
    result = action()
    report.add(stage, time.perf_counter() - start)
    return result


def _search(index: faiss.Index, vector: Vectors, k: int) -> list[tuple[int, float]]:
    scores, ids = index.search(vector, k)
    return [(int(i), float(s)) for i, s in zip(ids[0], scores[0], strict=True) if i != -1]


def run_path(
    *,
    models: Models,
    seeds: Sequence[tuple[str, str]],
    seed_vectors: dict[str, Vectors],
    queries: Sequence[str],
    size: int,
) -> PathReport:
    """Build the synthetic corpus (both indexes, both lexical lanes) and time every query."""
    faiss.omp_set_num_threads(1)
    report = PathReport(chunks=size, questions=len(queries))
    plan = synthetic_plan(len(seeds), size)
    ids = np.arange(size, dtype=np.int64)
    indexes: dict[str, faiss.Index] = {}
    for name in ("minilm", "use"):
        start = time.perf_counter()
        vectors = synthetic_vectors(seed_vectors[name], plan)
        report.build_s[f"vectors {name}"] = time.perf_counter() - start
        start = time.perf_counter()
        indexes[name], kind, nlist = build_faiss(
            vectors, ids, dim=vectors.shape[1], exact_max=EXACT_MAX, nprobe=NPROBE
        )
        report.build_s[f"faiss {name} ({kind}{nlist or ''})"] = time.perf_counter() - start
        report.memory_mb[f"faiss {name}"] = index_bytes(indexes[name]) / 2**20
        del vectors
    start = time.perf_counter()
    texts, languages = synthetic_texts(seeds, plan)
    report.build_s["texts"] = time.perf_counter() - start
    lanes: dict[str, BM25Index] = {}
    for name, tokenizer in (("words", Tokenizer(chinese="bigram")), ("chars", CharTokenizer())):
        gc.collect()
        before = rss_mb()
        start = time.perf_counter()
        lanes[name] = BM25Index(tokenizer)
        lanes[name].add(enumerate(texts))
        report.build_s[f"bm25 {name}"] = time.perf_counter() - start
        gc.collect()
        report.memory_mb[f"bm25 {name} (RSS growth)"] = rss_mb() - before
    gc.collect()
    before = rss_mb()
    start = time.perf_counter()
    lanes["article chars"] = BM25Index(CharTokenizer())
    lanes["article chars"].add(
        (number, "\n\n".join(texts[first : first + CHUNKS_PER_ARTICLE]))
        for number, first in enumerate(range(0, len(texts), CHUNKS_PER_ARTICLE))
    )
    report.build_s["bm25 article chars"] = time.perf_counter() - start
    gc.collect()
    report.memory_mb["bm25 article chars (RSS growth)"] = rss_mb() - before
    old: dict[str, ReferenceBM25Index] = {}
    if size <= OLD_LEXICAL_MAX:
        for name in ("words", "chars"):
            lane = lanes[name]
            gc.collect()
            before = rss_mb()
            start = time.perf_counter()
            old[name] = ReferenceBM25Index(lane.tokenizer)
            old[name].add(enumerate(texts))
            report.build_s[f"old bm25 {name}"] = time.perf_counter() - start
            gc.collect()
            report.memory_mb[f"old bm25 {name} (RSS growth)"] = rss_mb() - before
    # Articles: consecutive chunks, in their first chunk's language.
    articles = [
        SyntheticArticle(uuid.UUID(int=number + 1), language)
        for number, language in enumerate(languages[::CHUNKS_PER_ARTICLE])
    ]
    del texts
    old_every = max(1, len(queries) // OLD_LEXICAL_QUERIES)
    with ThreadPoolExecutor(max_workers=2) as pool:
        for number, query in enumerate(queries):
            _one_query(
                report,
                query,
                models=models,
                indexes=indexes,
                lanes=lanes,
                articles=articles,
            )
            _alternatives(report, query, models=models, pool=pool)
            if old and number % old_every == 0:
                _old_lexical(report, query, old=old)
    return report


def _one_query(
    report: PathReport,
    query: str,
    *,
    models: Models,
    indexes: dict[str, faiss.Index],
    lanes: dict[str, BM25Index],
    articles: list[SyntheticArticle],
) -> None:
    depth = CHUNK_CANDIDATES
    start = time.perf_counter()
    language = _timed(report, "language", lambda: query_language(query))
    # English: MiniLM, then the cross-lingual USE; Chinese: USE is both (searched once).
    names = ["minilm", "use"] if language == "en" else ["use"]
    dense_hits = []
    for name in names:
        model = models.minilm if name == "minilm" else models.use
        vector = _timed(report, f"embed {name}", partial(embed_query, model, query))
        hits = _timed(report, f"faiss {name}", partial(_search, indexes[name], vector, depth))
        dense_hits.append(hits)
    words = _timed(report, "bm25 words", lambda: lanes["words"].search(query, k=depth))
    chars = _timed(report, "bm25 chars", lambda: lanes["chars"].search(query, k=depth))
    whole = _timed(
        report, "bm25 article chars", lambda: lanes["article chars"].search(query, k=depth)
    )

    def fusion() -> list[uuid.UUID]:
        chunk_ids = {c for hits in [*dense_hits, words, chars] for c, _ in hits}
        owner = {c: articles[c // CHUNKS_PER_ARTICLE].id for c in chunk_ids}
        found = {articles[c // CHUNKS_PER_ARTICLE] for c in chunk_ids}
        signals = Signals(
            language=language,
            dense=[best_per_article(hits, owner) for hits in dense_hits],
            dense_second=[second_best_per_article(hits, owner) for hits in dense_hits],
            lexical=best_per_article(words, owner),
            chars=best_per_article(chars, owner),
            dense_languages=[frozenset({"en"}), None] if language == "en" else [None],
            multilingual=len(names) - 1,
            threshold=1.0,
            articles={a.id: cast(Article, a) for a in found},
            query_terms=len(lanes["words"].tokenizer(query)),
            article_chars=[(articles[number].id, score) for number, score in whole],
        )
        return fuse_learned(signals)

    ranking = _timed(report, "fusion", fusion)
    report.add("total", time.perf_counter() - start)
    if not ranking:
        raise RuntimeError(f"the full path found nothing for {query!r}")


def _alternatives(
    report: PathReport, query: str, *, models: Models, pool: ThreadPoolExecutor
) -> None:
    """MiniLM in torch, its int8 query model, and MiniLM + USE embedded concurrently."""
    if query_language(query) != "en":
        return  # production embeds only English queries with MiniLM
    _timed(report, "embed minilm torch", lambda: embed_query(models.minilm_torch, query))
    _timed(report, "embed minilm int8", lambda: embed_query(models.minilm_int8, query))

    def both() -> None:
        minilm = pool.submit(embed_query, models.minilm, query)
        use = pool.submit(embed_query, models.use, query)
        minilm.result()
        use.result()

    _timed(report, "embed both, 2 threads", both)


def _old_lexical(report: PathReport, query: str, *, old: dict[str, ReferenceBM25Index]) -> None:
    """The old dict BM25 lanes for this query; "old total" swaps them into this query's total."""
    depth = CHUNK_CANDIDATES
    spent = 0.0
    for name in ("words", "chars"):
        start = time.perf_counter()
        old[name].search(query, k=depth)
        elapsed = time.perf_counter() - start
        report.add(f"old bm25 {name}", elapsed)
        spent += elapsed * 1000 - report.times_ms[f"bm25 {name}"][-1]
    report.times_ms.setdefault("old total", []).append(report.times_ms["total"][-1] + spent)
