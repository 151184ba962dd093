"""The scale half of ``deskmate bench kb``: exact and IVF indexes over synthetic chunks.

Random unit vectors are useless here: in 384 dimensions they are all nearly orthogonal, every
query's neighbours are noise, and approximate search looks perfect or hopeless by accident.
The synthetic chunks are built from real ones instead: every real chunk embedding seeds a
family of "topics" (the chunk plus noise, cosine ≈ 0.75 to it), and each topic a cloud of
"chunks" (cosine ≈ 0.8 to the topic). That gives dense, overlapping neighbourhoods around the
places real questions land, which is where an IVF index has to choose the right lists.

Each query is a real question, embedded at query time (the embedding is in the latency), then
searched with one FAISS thread. Recall@10 compares the index's top 10 with the exact top 10.
"""

from __future__ import annotations

import statistics
import time
from dataclasses import dataclass

import faiss
import numpy as np

from knowledge.embedding import Embedder, Vectors, embed_query
from knowledge.index import build_faiss, set_nprobe

CHUNKS_PER_TOPIC = 100
TOPIC_COSINE = 0.75
CHUNK_COSINE = 0.8
GENERATE_BATCH = 100_000


def _noise_scale(cosine: float, dim: int) -> float:
    """Gaussian sigma that puts a unit vector plus noise at ``cosine`` to the original."""
    return float(np.sqrt((1 / cosine**2 - 1) / dim))


def _normalise(vectors: Vectors) -> Vectors:
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors


def synthetic_chunks(seeds: Vectors, count: int, *, seed: int = 0) -> Vectors:
    """``count`` unit vectors clustered around perturbed copies of the real ``seeds``."""
    rng = np.random.default_rng(seed)
    dim = seeds.shape[1]
    topics_n = max(1, count // CHUNKS_PER_TOPIC)
    topics = seeds[rng.integers(0, len(seeds), topics_n)].astype(np.float32)
    topics += rng.standard_normal(topics.shape, dtype=np.float32) * _noise_scale(TOPIC_COSINE, dim)
    topics = _normalise(topics)
    out = np.empty((count, dim), dtype=np.float32)
    sigma = _noise_scale(CHUNK_COSINE, dim)
    for start in range(0, count, GENERATE_BATCH):
        stop = min(count, start + GENERATE_BATCH)
        block = topics[rng.integers(0, topics_n, stop - start)]
        block += rng.standard_normal(block.shape, dtype=np.float32) * sigma
        out[start:stop] = _normalise(block)
    return out


def index_bytes(index: faiss.Index) -> int:
    """What the index takes on disk (and, within a few percent, in memory)."""
    return int(faiss.serialize_index(index).nbytes)


@dataclass(frozen=True)
class ScaleRow:
    chunks: int
    kind: str
    nlist: int
    nprobe: int
    build_s: float
    memory_mb: float
    p50_ms: float
    p95_ms: float
    search_p50_ms: float
    recall_at_10: float
    alt_p50_ms: float | None = None  # embed + search with the alternative query embedder

    def as_dict(self) -> dict[str, object]:
        return dict(self.__dict__)


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def _measure(
    index: faiss.Index,
    embedder: Embedder,
    queries: list[str],
    truth: np.ndarray,
    alternative: Embedder | None = None,
) -> tuple[float, float, float, float, float | None]:
    """(p50, p95) of embed + search, p50 of search alone, recall@10 against ``truth``, and the
    p50 of embed + search with ``alternative`` (timed in the same loop, query by query)."""
    latencies: list[float] = []
    searches: list[float] = []
    alternatives: list[float] = []
    found = 0
    for number, text in enumerate(queries):
        start = time.perf_counter()
        vector = embed_query(embedder, text)
        searched = time.perf_counter()
        _scores, ids = index.search(vector, 10)
        done = time.perf_counter()
        latencies.append((done - start) * 1000)
        searches.append((done - searched) * 1000)
        found += len(set(ids[0].tolist()) & set(truth[number].tolist()))
        if alternative is not None:
            start = time.perf_counter()
            index.search(embed_query(alternative, text), 10)
            alternatives.append((time.perf_counter() - start) * 1000)
    return (
        statistics.median(latencies),
        _percentile(latencies, 0.95),
        statistics.median(searches),
        found / (10 * len(queries)),
        statistics.median(alternatives) if alternatives else None,
    )


def run_scale(
    *,
    embedder: Embedder,
    seeds: Vectors,
    queries: list[str],
    size: int,
    nprobes: list[int],
    alternative: Embedder | None = None,
) -> list[ScaleRow]:
    """The exact index and the IVF index (at each nprobe) over ``size`` synthetic chunks."""
    faiss.omp_set_num_threads(1)
    vectors = synthetic_chunks(seeds, size)
    ids = np.arange(size, dtype=np.int64)
    query_vectors = embedder.encode(queries)
    rows: list[ScaleRow] = []
    truth: np.ndarray | None = None
    for exact_max in (size, 0):  # exact first: it gives the ground truth
        start = time.perf_counter()
        index, kind, nlist = build_faiss(
            vectors, ids, dim=vectors.shape[1], exact_max=exact_max, nprobe=nprobes[0]
        )
        build_s = time.perf_counter() - start
        memory_mb = index_bytes(index) / 2**20
        if truth is None:
            truth = index.search(query_vectors, 10)[1]
        for nprobe in nprobes if kind == "ivf" else [0]:
            set_nprobe(index, nprobe)
            p50, p95, search_p50, recall, alt_p50 = _measure(
                index, embedder, queries, truth, alternative
            )
            rows.append(
                ScaleRow(
                    chunks=size,
                    kind=kind,
                    nlist=nlist,
                    nprobe=nprobe,
                    build_s=build_s,
                    memory_mb=memory_mb,
                    p50_ms=p50,
                    p95_ms=p95,
                    search_p50_ms=search_p50,
                    recall_at_10=recall,
                    alt_p50_ms=alt_p50,
                )
            )
        del index
    return rows
