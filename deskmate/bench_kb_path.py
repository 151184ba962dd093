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
With a ``previous`` git revision (``--scale-previous REV``), every query also runs that
revision's BM25 search on the same built lanes and its fusion on the same hits: an old/new row
per lane, with a count of the results that differ.
"""

from __future__ import annotations

import gc
import importlib.util
import statistics
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from types import ModuleType
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
from deskmate.errors import BadRequest
from deskmate.settings import REPO_ROOT
from knowledge.bm25 import BM25Index
from knowledge.bm25_reference import ReferenceBM25Index
from knowledge.embedding import Embedder, Vectors, embed_query
from knowledge.fusion import best_per_article, second_best_per_article
from knowledge.index import build_faiss
from knowledge.lexical import CharTokenizer, Tokenizer
from knowledge.models import Article
from knowledge.ranking import CHUNK_CANDIDATES, Signals, feature_arguments, fuse_learned
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
LEXICAL_LANES = ("words", "chars", "article chars")
ALTERNATIVES = (
    "embed minilm torch",
    "embed minilm int8",
    "embed both, 2 threads",
    "total, lanes overlapped",
    "old bm25 words",
    "old bm25 chars",
    "old total",
    *(f"previous bm25 {lane}" for lane in LEXICAL_LANES),
    "previous fusion",
    "previous total",
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
    cpu_ms: dict[str, list[float]] = field(default_factory=dict)  # process CPU time, same stages
    questions: int = 0
    previous: str | None = None  # the git revision of the "previous" rows
    # Per lane (and "fusion", "overlapped"): queries whose "previous" (or overlapped) results
    # differ from the served path's.
    differing: dict[str, int] = field(default_factory=dict)

    def add(self, stage: str, seconds: float, cpu_seconds: float) -> None:
        self.times_ms.setdefault(stage, []).append(seconds * 1000)
        self.cpu_ms.setdefault(stage, []).append(cpu_seconds * 1000)

    def add_since(self, stage: str, start: tuple[float, float]) -> None:
        """Record ``stage`` as what has passed since ``start`` (from ``clock``)."""
        wall, cpu = clock()
        self.add(stage, wall - start[0], cpu - start[1])

    def add_swapped(self, stage: str, swaps: Sequence[tuple[str, str]]) -> None:
        """``stage``: this query's total with each (new, old) stage pair's old time instead."""
        for times in (self.times_ms, self.cpu_ms):
            total = times["total"][-1] + sum(times[old][-1] - times[new][-1] for new, old in swaps)
            times.setdefault(stage, []).append(total)

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
                        "cpu_p50_ms": statistics.median(self.cpu_ms[stage]),
                    }
                )
        return rows

    def as_dict(self) -> dict[str, object]:
        return {
            "chunks": self.chunks,
            "build_s": self.build_s,
            "memory_mb": self.memory_mb,
            "stages": self.stages(),
            "previous": self.previous,
            "differing": self.differing,
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


def clock() -> tuple[float, float]:
    """(wall, process CPU) seconds now; CPU counts every thread of this process."""
    return time.perf_counter(), time.process_time()


def _timed(report: PathReport, stage: str, action: Callable[[], Any]) -> Any:
    start = clock()
    result = action()
    report.add_since(stage, start)
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
    previous: Previous | None = None,
) -> PathReport:
    """Build the synthetic corpus (both indexes, both lexical lanes) and time every query.

    With ``previous``, that revision's lexical lanes and fusion are timed too, on the same
    built indexes and the same dense hits, in the same loop ("previous" rows).
    """
    faiss.omp_set_num_threads(1)
    report = PathReport(
        chunks=size, questions=len(queries), previous=previous.revision if previous else None
    )
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
    earlier = {lane: previous.index(lanes[lane]) for lane in LEXICAL_LANES} if previous else {}
    corpus = Corpus(models, indexes, lanes, articles)
    with ThreadPoolExecutor(max_workers=2) as pool:
        for number, query in enumerate(queries):
            # The previous revision's lanes before this one's on every other query (A B, B A).
            theirs = _previous_lanes(report, query, earlier) if earlier and number % 2 else None
            run = _one_query(report, query, corpus)
            if previous:
                if theirs is None:
                    theirs = _previous_lanes(report, query, earlier)
                earlier_run = QueryRun(query, run.language, run.dense_hits, theirs)
                earlier_run.ranking = _timed(
                    report, "previous fusion", partial(previous.fuse, earlier_run, corpus)
                )
                compare_previous(report, run, earlier_run)
            _alternatives(report, query, models=models, pool=pool)
            overlapped = _overlapped(report, query, corpus, pool)
            report.differing["overlapped"] = report.differing.get("overlapped", 0) + (
                overlapped.ranking != run.ranking
            )
            if old and number % old_every == 0:
                _old_lexical(report, query, old=old)
    return report


@dataclass
class QueryRun:
    """What one query's path produced: every lane's hits, and the served ranking."""

    query: str
    language: str
    dense_hits: list[list[tuple[int, float]]]
    lexical: dict[str, list[tuple[int, float]]]  # by lane (LEXICAL_LANES)
    ranking: list[uuid.UUID] = field(default_factory=list)

    def signals(self, corpus: Corpus) -> Signals:
        """The signals ``gather_signals`` would hand the fusion (chunk owners from memory)."""
        articles = corpus.articles
        words, chars = self.lexical["words"], self.lexical["chars"]
        chunk_ids = {c for hits in [*self.dense_hits, words, chars] for c, _ in hits}
        owner = {c: articles[c // CHUNKS_PER_ARTICLE].id for c in chunk_ids}
        found = {articles[c // CHUNKS_PER_ARTICLE] for c in chunk_ids}
        english = self.language == "en"
        return Signals(
            language=self.language,
            dense=[best_per_article(hits, owner) for hits in self.dense_hits],
            dense_second=[second_best_per_article(hits, owner) for hits in self.dense_hits],
            lexical=best_per_article(words, owner),
            chars=best_per_article(chars, owner),
            dense_languages=[frozenset({"en"}), None] if english else [None],
            multilingual=len(self.dense_hits) - 1,
            threshold=1.0,
            articles={a.id: cast(Article, a) for a in found},
            query_terms=len(corpus.tokenizer(self.query)),
            article_chars=[
                (articles[number].id, score) for number, score in self.lexical["article chars"]
            ],
        )


@dataclass(frozen=True)
class Corpus:
    """One size's built indexes and lanes, its articles and the query models."""

    models: Models
    indexes: dict[str, faiss.Index]
    lanes: dict[str, BM25Index]
    articles: list[SyntheticArticle]

    @property
    def tokenizer(self) -> Tokenizer:
        return cast(Tokenizer, self.lanes["words"].tokenizer)

    def model(self, name: str) -> Embedder:
        return self.models.minilm if name == "minilm" else self.models.use


def dense_lanes(language: str) -> list[str]:
    """English: MiniLM, then the cross-lingual USE; Chinese: USE is both (searched once)."""
    return ["minilm", "use"] if language == "en" else ["use"]


def _one_query(report: PathReport, query: str, corpus: Corpus) -> QueryRun:
    depth = CHUNK_CANDIDATES
    start = clock()
    language = _timed(report, "language", lambda: query_language(query))
    names = dense_lanes(language)
    run = QueryRun(query, language, [], {})
    for name in names:
        vector = _timed(report, f"embed {name}", partial(embed_query, corpus.model(name), query))
        index = corpus.indexes[name]
        hits = _timed(report, f"faiss {name}", partial(_search, index, vector, depth))
        run.dense_hits.append(hits)
    for lane in LEXICAL_LANES:
        search = partial(corpus.lanes[lane].search, query, k=depth)
        run.lexical[lane] = _timed(report, f"bm25 {lane}", search)
    run.ranking = _timed(report, "fusion", lambda: fuse_learned(run.signals(corpus)))
    report.add_since("total", start)
    if not run.ranking:
        raise RuntimeError(f"the full path found nothing for {query!r}")
    return run


def _overlapped(
    report: PathReport, query: str, corpus: Corpus, pool: ThreadPoolExecutor
) -> QueryRun:
    """The whole path with each dense lane (embedding, then FAISS) on a pool thread while this
    one searches the lexical lanes, then the fusion; one clock. Production (``gather_signals``)
    runs the lanes one after another: this row says what overlapping them would give here."""
    start = clock()
    language = query_language(query)
    names = dense_lanes(language)

    def dense(name: str) -> list[tuple[int, float]]:
        vector = embed_query(corpus.model(name), query)
        return _search(corpus.indexes[name], vector, CHUNK_CANDIDATES)

    pending = [pool.submit(dense, name) for name in names]
    lexical = {lane: corpus.lanes[lane].search(query, k=CHUNK_CANDIDATES) for lane in LEXICAL_LANES}
    run = QueryRun(query, language, [future.result() for future in pending], lexical)
    run.ranking = fuse_learned(run.signals(corpus))
    report.add_since("total, lanes overlapped", start)
    return run


@dataclass(frozen=True)
class Previous:
    """The BM25 search and the learned ranking of an earlier git revision, for old/new rows.

    Its indexes are objects of that revision's ``BM25Index`` over this revision's built arrays
    (the attributes are shared, not copied): both search the very same index, only the search
    code differs. A revision whose index keeps other attributes fails on its first search.
    """

    revision: str
    bm25: ModuleType
    learned: ModuleType

    @classmethod
    def load(cls, revision: str) -> Previous:
        modules: dict[str, ModuleType] = {}
        for name in ("bm25", "learned"):
            where = f"{revision}:knowledge/{name}.py"
            try:
                source = subprocess.run(
                    ["git", "-C", str(REPO_ROOT), "show", where],
                    check=True,
                    capture_output=True,
                    text=True,
                ).stdout
            except (OSError, subprocess.CalledProcessError) as exc:
                raise BadRequest(
                    f"--scale-previous: no knowledge/{name}.py at git revision {revision!r} "
                    "(a commit of this repository is needed)"
                ) from exc
            spec = importlib.util.spec_from_loader(f"previous_{name}", loader=None)
            assert spec is not None
            module = importlib.util.module_from_spec(spec)
            sys.modules[spec.name] = module  # dataclasses look their module up by name
            exec(compile(source, where, "exec"), module.__dict__)
            modules[name] = module
        return cls(revision, modules["bm25"], modules["learned"])

    def index(self, current: BM25Index) -> Any:
        index = object.__new__(self.bm25.BM25Index)
        index.__dict__.update(current.__dict__)
        index._lock = threading.Lock()
        return index

    def fuse(self, run: QueryRun, corpus: Corpus) -> list[uuid.UUID]:
        """The revision's learned ranking of ``run``'s signals (built as the fusion stage does)."""
        arguments = feature_arguments(run.signals(corpus))
        learned, ranker = self.learned, self.learned.FUSED_RANKER
        if hasattr(learned, "rank_candidates"):  # features as columns (since kbperf)
            ranking = learned.rank_candidates(learned.candidate_columns(**arguments), ranker)
        else:
            ranking = learned.learned_ranking(learned.candidate_features(**arguments), ranker)
        return cast(list[uuid.UUID], ranking)


def _previous_lanes(
    report: PathReport, query: str, indexes: dict[str, Any]
) -> dict[str, list[tuple[int, float]]]:
    """The previous revision's lexical lanes for ``query``, each timed."""
    found: dict[str, list[tuple[int, float]]] = {}
    for lane in LEXICAL_LANES:
        search = partial(indexes[lane].search, query, k=CHUNK_CANDIDATES)
        found[lane] = _timed(report, f"previous bm25 {lane}", search)
    return found


def compare_previous(report: PathReport, run: QueryRun, earlier: QueryRun) -> None:
    """Count the previous revision's results that differ from this one's; add its total."""
    for lane in LEXICAL_LANES:
        ours, theirs = run.lexical[lane], earlier.lexical[lane]
        same = [c for c, _ in ours] == [c for c, _ in theirs] and all(
            abs(a - b) <= 1e-9 for (_, a), (_, b) in zip(ours, theirs, strict=True)
        )
        report.differing[lane] = report.differing.get(lane, 0) + (not same)
    report.differing["fusion"] = report.differing.get("fusion", 0) + (
        run.ranking != earlier.ranking
    )
    stages = [*(f"bm25 {lane}" for lane in LEXICAL_LANES), "fusion"]
    report.add_swapped("previous total", [(stage, f"previous {stage}") for stage in stages])


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
    for name in ("words", "chars"):
        _timed(report, f"old bm25 {name}", partial(old[name].search, query, k=CHUNK_CANDIDATES))
    report.add_swapped("old total", [(f"bm25 {n}", f"old bm25 {n}") for n in ("words", "chars")])
