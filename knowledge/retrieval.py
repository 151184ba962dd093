"""Retrieval: dense retrievers (embedder + FAISS index) and the BM25 index, kept for a process.

Both indexes follow the published chunks in the database. A full rebuild embeds everything; an
update compares the chunk signatures in the database with the index's bookkeeping and embeds
only the chunks that appeared or changed, removing the vectors of those that went away.
"""

from __future__ import annotations

import logging
import threading
import uuid
from collections.abc import Callable
from pathlib import Path

import numpy as np
from sqlalchemy.orm import Session

from deskmate.language import detect_language
from deskmate.settings import Settings
from knowledge import repository
from knowledge.bm25 import BM25Index
from knowledge.embedding import (
    MODEL_LANGUAGES,
    MODEL_NAMES,
    Embedder,
    Vectors,
    embed_query,
    load_embedder,
)
from knowledge.index import DenseIndex, IndexMeta, build_faiss
from knowledge.lexical import CharTokenizer, Tokenizer

logger = logging.getLogger(__name__)

EMBED_BATCH = 256
Progress = Callable[[int, int], None]  # (chunks done, chunks in all)


class Retriever:
    """Owns the (lazily loaded) embedder and the on-disk index of published chunks."""

    def __init__(
        self,
        *,
        index_dir: Path,
        embedder_kind: str = "minilm",
        threads: int = 1,
        exact_max: int = 50_000,
        nprobe: int = 64,
        int8_queries: bool = False,
        runtime: str = "onnx",
    ) -> None:
        self.index = DenseIndex(index_dir)
        self._int8_queries = int8_queries
        self._runtime = runtime
        self.exact_max = exact_max
        self.nprobe = nprobe
        self._embedder_kind = embedder_kind
        self._threads = threads
        self._embedder: Embedder | None = None
        self._lock = threading.Lock()

    @property
    def embedder(self) -> Embedder:
        with self._lock:
            if self._embedder is None:
                self._embedder = load_embedder(
                    self._embedder_kind,
                    threads=self._threads,
                    int8_queries=self._int8_queries,
                    runtime=self._runtime,
                )
            return self._embedder

    def use_embedder(self, embedder: Embedder) -> None:
        self._embedder = embedder

    @property
    def model_name(self) -> str:
        return self._embedder.name if self._embedder else MODEL_NAMES[self._embedder_kind]

    @property
    def languages(self) -> frozenset[str] | None:
        """The languages the embedder reads; None for all (MiniLM reads only English)."""
        return MODEL_LANGUAGES.get(self.model_name)

    def _embed(self, texts: list[str], progress: Progress | None = None) -> Vectors:
        embedder = self.embedder
        parts = [np.zeros((0, embedder.dim), dtype=np.float32)]
        for start in range(0, len(texts), EMBED_BATCH):
            parts.append(embedder.encode(texts[start : start + EMBED_BATCH]))
            if progress:
                progress(min(start + EMBED_BATCH, len(texts)), len(texts))
        return np.ascontiguousarray(np.concatenate(parts))

    def is_current(self, session: Session) -> bool:
        meta = self.index.read_meta()
        if meta is None or meta.model != self.model_name or not self.index.index_path.exists():
            return False
        return self.index.read_chunks() == repository.published_chunk_signatures(session)

    def rebuild(self, session: Session, *, progress: Progress | None = None) -> int:
        """Embed every published chunk and swap in a new index. Returns the number of chunks.

        The index is exact up to ``exact_max`` vectors and IVF (approximate) above it.
        """
        with self.index.writing():
            signatures = repository.published_chunk_signatures(session)
            ids = sorted(signatures)
            texts = repository.chunk_texts(session, ids)
            vectors = self._embed([texts[i] for i in ids], progress)
            embedder = self.embedder
            index, kind, nlist = build_faiss(
                vectors,
                np.array(ids, dtype=np.int64),
                dim=embedder.dim,
                exact_max=self.exact_max,
                nprobe=self.nprobe,
            )
            meta = IndexMeta(
                model=embedder.name,
                dim=embedder.dim,
                count=len(ids),
                kind=kind,
                nlist=nlist,
                nprobe=self.nprobe if kind == "ivf" else 0,
            )
            self.index.swap(index, meta, signatures)
        logger.info("knowledge index rebuilt: %d chunks (%s)", len(ids), kind)
        return len(ids)

    def sync(self, session: Session) -> tuple[int, int]:
        """Add the vectors of new or changed chunks, remove those of gone ones; swap atomically.

        Returns (added, removed). Falls back to a rebuild when there is no usable index.
        """
        with self.index.writing():
            meta = self.index.read_meta()
            index = self.index.load_for_update()
            if index is None or meta is None or meta.model != self.model_name:
                current = None
            else:
                current = self.index.read_chunks()
            if current is not None and index is not None and meta is not None:
                wanted = repository.published_chunk_signatures(session)
                stale = [i for i, sig in current.items() if wanted.get(i) != sig]
                fresh = sorted(i for i, sig in wanted.items() if current.get(i) != sig)
                if not stale and not fresh:
                    return 0, 0
                texts = repository.chunk_texts(session, fresh)
                fresh = [i for i in fresh if i in texts]
                vectors = self._embed([texts[i] for i in fresh])
                if stale:
                    index.remove_ids(np.array(stale, dtype=np.int64))  # type: ignore[arg-type]
                if fresh:
                    index.add_with_ids(vectors, np.array(fresh, dtype=np.int64))
                for chunk_id in stale:
                    del current[chunk_id]
                current.update({i: wanted[i] for i in fresh})
                count = int(index.ntotal)
                self.index.swap(index, IndexMeta(**{**meta.__dict__, "count": count}), current)
                logger.info("knowledge index updated: +%d -%d chunks", len(fresh), len(stale))
                return len(fresh), len(stale)
        added = self.rebuild(session)
        return added, 0

    def ensure_current(self, session: Session) -> bool:
        """Bring the index up to date with the database. True if anything changed."""
        added, removed = self.sync(session)
        return bool(added or removed)

    def encode_query(self, text: str) -> Vectors:
        return embed_query(self.embedder, text)

    def search_chunks(self, text: str, *, k: int) -> list[tuple[int, float]]:
        return self.index.search(self.encode_query(text), k)


class LexicalRetriever:
    """The in-memory BM25 indexes, following the published chunks like the dense index does.

    Two lanes over the same chunks: words (stemmed English, segmented Chinese) and character
    n-grams (``CharTokenizer``), which still match a misspelt or clipped word. A third lane,
    ``articles``, scores whole articles by character n-grams: each published article's chunks
    joined into one document, so a question whose words are spread over several sections
    still matches its article as a whole (the chunk lanes see one section at a time).
    """

    def __init__(self, tokenizer: Tokenizer | None = None) -> None:
        self.bm25 = BM25Index(tokenizer or Tokenizer())
        self.chars = BM25Index(CharTokenizer())
        self.articles = BM25Index(CharTokenizer())  # keyed by ``_article_keys``
        self._signatures: dict[int, int] = {}
        self._owner: dict[int, uuid.UUID] = {}  # chunk -> its article
        self._chunks_of: dict[uuid.UUID, set[int]] = {}
        self._article_keys: dict[uuid.UUID, int] = {}
        self._key_articles: dict[int, uuid.UUID] = {}
        self._synced: object = None
        self._lock = threading.Lock()

    def sync(self, session: Session, *, token: object = None) -> tuple[int, int]:
        """Index new or changed chunks, drop gone ones; ``token`` records what it caught up with."""
        with self._lock:
            wanted = repository.published_chunk_signatures(session)
            stale = [i for i, sig in self._signatures.items() if wanted.get(i) != sig]
            fresh = [i for i, sig in wanted.items() if self._signatures.get(i) != sig]
            texts = repository.chunk_texts(session, fresh)
            for lane in (self.bm25, self.chars):
                lane.remove(stale)
                lane.add((i, texts[i]) for i in fresh if i in texts)
            for chunk_id in stale:
                del self._signatures[chunk_id]
            self._signatures.update({i: wanted[i] for i in fresh if i in texts})
            self._sync_articles(session, stale, [i for i in fresh if i in texts], texts)
            self._synced = token
            return len(fresh), len(stale)

    def _sync_articles(
        self, session: Session, stale: list[int], fresh: list[int], texts: dict[int, str]
    ) -> None:
        """Re-index the whole-article documents of every article a changed chunk belongs to."""
        touched: set[uuid.UUID] = set()
        for chunk_id in stale:
            article_id = self._owner.pop(chunk_id, None)
            if article_id is not None:  # None: the chunk went away before its owner was read
                self._chunks_of[article_id].discard(chunk_id)
                touched.add(article_id)
        for chunk_id, article_id in repository.chunk_owners(session, fresh).items():
            self._owner[chunk_id] = article_id
            self._chunks_of.setdefault(article_id, set()).add(chunk_id)
            touched.add(article_id)
        if not touched:
            return
        keys = [self._article_keys[a] for a in touched if a in self._article_keys]
        self.articles.remove(keys)
        unread = [c for a in touched for c in self._chunks_of[a] if c not in texts]
        texts = {**texts, **repository.chunk_texts(session, unread)}
        documents: list[tuple[int, str]] = []
        for article_id in sorted(touched):
            chunk_ids = sorted(self._chunks_of[article_id])
            if not chunk_ids:
                del self._chunks_of[article_id]
                continue
            key = self._article_keys.setdefault(article_id, len(self._article_keys))
            self._key_articles[key] = article_id
            documents.append((key, "\n\n".join(texts.get(c, "") for c in chunk_ids)))
        self.articles.add(documents)

    def search(
        self, session: Session, text: str, *, k: int, token: object = None, chars: bool = False
    ) -> list[tuple[int, float]]:
        """BM25 hits of the word lane (or, with ``chars``, the character n-gram lane).

        First catches up with the database if the dense indexes moved on since.
        """
        if token is None or token != self._synced:
            self.sync(session, token=token)
        return (self.chars if chars else self.bm25).search(text, k=k)

    def search_articles(
        self, session: Session, text: str, *, k: int, token: object = None
    ) -> list[tuple[uuid.UUID, float]]:
        """BM25 hits of the whole-article character lane: (article id, score), best first."""
        if token is None or token != self._synced:
            self.sync(session, token=token)
        return [(self._key_articles[key], score) for key, score in self.articles.search(text, k=k)]


def query_language(text: str) -> str:
    return detect_language(text)


class LanguageRouter:
    """Dense retrievers per query language, plus BM25 for every language.

    all-MiniLM-L6-v2 ranks English well but cannot read Chinese; the multilingual USE reads both
    (and matches a Chinese question with an English article). A language's retrievers are its
    own embedder first, then any cross-lingual one (``cross``), whose ranking is fused in. Every
    retriever indexes every published chunk, so a question in either language can reach an
    article in either.
    """

    def __init__(
        self,
        retrievers: dict[str, Retriever],
        thresholds: dict[str, float],
        *,
        cross: Retriever | None = None,
        lexical: LexicalRetriever | None = None,
    ) -> None:
        self.retrievers = retrievers
        self.thresholds = thresholds
        self.cross = cross
        self.lexical = lexical or LexicalRetriever()

    @classmethod
    def from_settings(cls, settings: Settings) -> LanguageRouter:
        by_kind: dict[str, Retriever] = {}

        def retriever(kind: str) -> Retriever:
            if kind not in by_kind:
                by_kind[kind] = Retriever(
                    index_dir=settings.index_dir / kind,
                    embedder_kind=kind,
                    threads=settings.embedding_threads,
                    exact_max=settings.index_exact_max_vectors,
                    nprobe=settings.index_nprobe,
                    int8_queries=settings.embedding_int8_queries,
                    runtime=settings.embedding_runtime,
                )
            return by_kind[kind]

        retrievers = {"en": retriever(settings.embedder_en), "zh": retriever(settings.embedder_zh)}
        cross = retriever(settings.embedder_cross) if settings.embedder_cross else None
        return cls(
            retrievers,
            {"en": settings.answer_threshold_en, "zh": settings.answer_threshold_zh},
            cross=cross,
            lexical=LexicalRetriever(Tokenizer(chinese=settings.lexical_chinese)),
        )

    def distinct(self) -> list[Retriever]:
        seen: dict[int, Retriever] = {}
        for retriever in [*self.retrievers.values(), *([self.cross] if self.cross else [])]:
            seen.setdefault(id(retriever), retriever)
        return list(seen.values())

    def for_language(self, language: str) -> Retriever:
        return self.retrievers.get(language, self.retrievers["en"])

    def dense_for_language(self, language: str) -> list[Retriever]:
        """The language's own retriever first, then the cross-lingual one if it is different."""
        own = self.for_language(language)
        return [own] if self.cross is None or self.cross is own else [own, self.cross]

    def version(self) -> tuple[int | None, ...]:
        """Changes whenever any dense index on disk changes (in this process or another)."""
        return tuple(r.index.version() for r in self.distinct())

    def lexical_search(self, session: Session, text: str, *, k: int) -> list[tuple[int, float]]:
        return self.lexical.search(session, text, k=k, token=self.version())

    def char_search(self, session: Session, text: str, *, k: int) -> list[tuple[int, float]]:
        return self.lexical.search(session, text, k=k, token=self.version(), chars=True)

    def article_char_search(
        self, session: Session, text: str, *, k: int
    ) -> list[tuple[uuid.UUID, float]]:
        return self.lexical.search_articles(session, text, k=k, token=self.version())

    @property
    def ready(self) -> bool:
        return all(r.index.ready for r in self.distinct())

    def is_current(self, session: Session) -> bool:
        return all(r.is_current(session) for r in self.distinct())

    def rebuild(self, session: Session, *, progress: Progress | None = None) -> int:
        counts = [r.rebuild(session, progress=progress) for r in self.distinct()]
        self.lexical.sync(session, token=self.version())
        return max(counts)

    def ensure_current(self, session: Session) -> bool:
        changed = [r.ensure_current(session) for r in self.distinct()]
        self.lexical.sync(session, token=self.version())
        return any(changed)

    def article_published(self, session: Session, *, article_id: uuid.UUID) -> None:
        """Add a newly published (or republished) article's chunks to every index.

        Call it after the commit that published the article, with a fresh session. Only the
        chunks that changed are embedded; the indexes are swapped in atomically.
        """
        self.ensure_current(session)

    def article_removed(self, session: Session, *, article_id: uuid.UUID) -> None:
        """Take an archived or deleted article out of every index; call it after the commit."""
        self.ensure_current(session)

    def warm_up(self) -> None:
        for retriever in self.distinct():
            retriever.encode_query("warm up")
            retriever.index.size()
        self.lexical.bm25.tokenizer("warm up 预热")
