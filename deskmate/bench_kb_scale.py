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

import re
import statistics
import time
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise

import faiss
import numpy as np
import numpy.typing as npt

from knowledge.embedding import Embedder, Vectors, embed_query
from knowledge.index import build_faiss, set_nprobe

CHUNKS_PER_TOPIC = 100
TOPIC_COSINE = 0.75
CHUNK_COSINE = 0.8
GENERATE_BATCH = 100_000
CJK_PIECE = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")


def _noise_scale(cosine: float, dim: int) -> float:
    """Gaussian sigma that puts a unit vector plus noise at ``cosine`` to the original."""
    return float(np.sqrt((1 / cosine**2 - 1) / dim))


def _normalise(vectors: Vectors) -> Vectors:
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors


@dataclass(frozen=True)
class Plan:
    """Which real chunk seeds each topic, and which topic each synthetic chunk belongs to.

    One plan serves every model's vectors and the texts, so that chunk i is "about" the same
    real chunk for MiniLM, for USE and for BM25.
    """

    topic_seed: npt.NDArray[np.int64]
    chunk_topic: npt.NDArray[np.int64]

    @property
    def chunk_seed(self) -> npt.NDArray[np.int64]:
        return self.topic_seed[self.chunk_topic]


def synthetic_plan(seeds: int, count: int, *, seed: int = 0) -> Plan:
    rng = np.random.default_rng(seed)
    topics = max(1, count // CHUNKS_PER_TOPIC)
    return Plan(rng.integers(0, seeds, topics), rng.integers(0, topics, count))


def synthetic_vectors(seeds: Vectors, plan: Plan, *, seed: int = 0) -> Vectors:
    """Unit vectors clustered around perturbed copies of the real ``seeds``, as ``plan`` says."""
    rng = np.random.default_rng([seed, seeds.shape[1]])
    dim = seeds.shape[1]
    topics = seeds[plan.topic_seed].astype(np.float32)
    topics += rng.standard_normal(topics.shape, dtype=np.float32) * _noise_scale(TOPIC_COSINE, dim)
    topics = _normalise(topics)
    count = len(plan.chunk_topic)
    out = np.empty((count, dim), dtype=np.float32)
    sigma = _noise_scale(CHUNK_COSINE, dim)
    for start in range(0, count, GENERATE_BATCH):
        stop = min(count, start + GENERATE_BATCH)
        block = topics[plan.chunk_topic[start:stop]]
        block += rng.standard_normal(block.shape, dtype=np.float32) * sigma
        out[start:stop] = _normalise(block)
    return out


def synthetic_chunks(seeds: Vectors, count: int, *, seed: int = 0) -> Vectors:
    """``count`` unit vectors clustered around perturbed copies of the real ``seeds``."""
    return synthetic_vectors(seeds, synthetic_plan(len(seeds), count, seed=seed), seed=seed)


# A CJK run is cut into two-character pieces (most Chinese words are two characters long);
# anything else between spaces is one piece.
PIECE = re.compile(
    r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]{1,2}|[^\s\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+"
)
OWN_WORDS = 0.7  # share of a synthetic chunk's words drawn from its seed chunk


def synthetic_texts(
    seeds: Sequence[tuple[str, str]], plan: Plan, *, seed: int = 0
) -> tuple[list[str], list[str]]:
    """(texts, languages) of synthetic chunks, from the real (text, language) ``seeds``.

    A chunk has as many words as its seed chunk; 70% are drawn from that chunk's own words, the
    rest from all the words of its language (so by their frequency there). Term statistics are
    the seed's, on a vocabulary that does not grow with the corpus: every term has longer
    postings than in a real corpus of that size, which makes BM25 slower here, not faster.
    Chinese pieces are joined without spaces, the other words with one.
    """
    rng = np.random.default_rng([seed, 1])
    pieces = [PIECE.findall(text) for text, _ in seeds]
    words = np.array(
        [w if CJK_PIECE.match(w) else w + " " for chunk in pieces for w in chunk], dtype=object
    )
    sizes = np.array([len(chunk) for chunk in pieces], dtype=np.int64)
    offsets = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    seed_language = [language for _, language in seeds]
    pools = {
        language: np.concatenate(
            [
                np.arange(o, o + n)
                for o, n, lang in zip(offsets, sizes, seed_language, strict=True)
                if lang == language
            ]
        )
        for language in set(seed_language)
    }
    chunk_seed = plan.chunk_seed
    lengths = sizes[chunk_seed]
    owner = np.repeat(np.arange(len(chunk_seed)), lengths)
    own = offsets[chunk_seed][owner] + (rng.random(len(owner)) * lengths[owner]).astype(np.int64)
    picks = own
    for language, pool in pools.items():
        mine = np.array([lang == language for lang in seed_language])[chunk_seed][owner]
        mine &= rng.random(len(owner)) >= OWN_WORDS
        picks = np.where(mine, pool[rng.integers(0, len(pool), len(owner))], picks)
    chosen = words[picks].tolist()
    bounds = np.concatenate([[0], np.cumsum(lengths)]).tolist()
    texts = ["".join(chosen[a:b]).strip() for a, b in pairwise(bounds)]
    return texts, [seed_language[i] for i in chunk_seed.tolist()]


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
