"""Dense retrieval: the embedder and the FAISS index, kept together for the life of a process."""

from __future__ import annotations

import hashlib
import logging
import threading
import uuid
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from sqlalchemy.orm import Session

from deskmate.language import detect_language
from deskmate.settings import Settings
from knowledge import repository
from knowledge.embedding import Embedder, load_embedder
from knowledge.index import DenseIndex, IndexMeta

logger = logging.getLogger(__name__)


class Retriever:
    """Owns the (lazily loaded) embedder and the on-disk index of published chunks."""

    def __init__(self, *, index_dir: Path, embedder_kind: str = "minilm", threads: int = 1) -> None:
        self.index = DenseIndex(index_dir)
        self._embedder_kind = embedder_kind
        self._threads = threads
        self._embedder: Embedder | None = None
        self._lock = threading.Lock()

    @property
    def embedder(self) -> Embedder:
        with self._lock:
            if self._embedder is None:
                self._embedder = load_embedder(self._embedder_kind, threads=self._threads)
            return self._embedder

    def use_embedder(self, embedder: Embedder) -> None:
        self._embedder = embedder

    def _fingerprint(self, rows: Sequence[tuple[int, str, int, object]], model: str) -> str:
        digest = hashlib.sha256(model.encode())
        for chunk_id, _text, version, article_id in rows:
            digest.update(f"{chunk_id}:{version}:{article_id};".encode())
        return digest.hexdigest()

    def is_current(self, session: Session) -> bool:
        meta = self.index.read_meta()
        if meta is None or not self.index.index_path.exists():
            return False
        rows = repository.published_chunks(session)
        return meta.fingerprint == self._fingerprint(rows, meta.model)

    def rebuild(self, session: Session) -> int:
        """Embed every published chunk and swap in a new index. Returns the number of chunks."""
        rows = repository.published_chunks(session)
        embedder = self.embedder
        ids = np.array([row[0] for row in rows], dtype=np.int64)
        if rows:
            vectors = embedder.encode([row[1] for row in rows])
        else:
            vectors = np.zeros((0, embedder.dim), dtype=np.float32)
        meta = IndexMeta(
            model=embedder.name,
            dim=embedder.dim,
            count=len(rows),
            fingerprint=self._fingerprint(rows, embedder.name),
        )
        self.index.write(ids, vectors, meta)
        logger.info("knowledge index rebuilt: %d chunks", len(rows))
        return len(rows)

    def ensure_current(self, session: Session) -> bool:
        """Rebuild the index if it is missing or behind the database. True if it was rebuilt."""
        if self.is_current(session):
            return False
        self.rebuild(session)
        return True

    def search_chunks(self, text: str, *, k: int) -> list[tuple[int, float]]:
        query = self.embedder.encode([text])
        return self.index.search(query, k)


def query_language(text: str) -> str:
    return detect_language(text)


class LanguageRouter:
    """One dense retriever per query language, each with the embedder that suits it.

    all-MiniLM-L6-v2 ranks English well but cannot read Chinese; the multilingual USE reads
    Chinese (and finds English articles for Chinese questions). Every retriever indexes every
    published chunk, so a question in either language can reach an article in either.
    """

    def __init__(self, retrievers: dict[str, Retriever], thresholds: dict[str, float]) -> None:
        self.retrievers = retrievers
        self.thresholds = thresholds

    @classmethod
    def from_settings(cls, settings: Settings) -> LanguageRouter:
        by_kind: dict[str, Retriever] = {}
        retrievers: dict[str, Retriever] = {}
        for language, kind in (("en", settings.embedder_en), ("zh", settings.embedder_zh)):
            if kind not in by_kind:
                by_kind[kind] = Retriever(
                    index_dir=settings.index_dir / kind,
                    embedder_kind=kind,
                    threads=settings.embedding_threads,
                )
            retrievers[language] = by_kind[kind]
        return cls(
            retrievers,
            {"en": settings.answer_threshold_en, "zh": settings.answer_threshold_zh},
        )

    def distinct(self) -> list[Retriever]:
        seen: dict[int, Retriever] = {}
        for retriever in self.retrievers.values():
            seen.setdefault(id(retriever), retriever)
        return list(seen.values())

    def for_language(self, language: str) -> Retriever:
        return self.retrievers.get(language, self.retrievers["en"])

    @property
    def ready(self) -> bool:
        return all(r.index.ready for r in self.distinct())

    def is_current(self, session: Session) -> bool:
        return all(r.is_current(session) for r in self.distinct())

    def rebuild(self, session: Session) -> int:
        return max(r.rebuild(session) for r in self.distinct())

    def ensure_current(self, session: Session) -> bool:
        rebuilt = [r.ensure_current(session) for r in self.distinct()]
        return any(rebuilt)

    def article_published(self, session: Session, *, article_id: uuid.UUID) -> None:
        """Bring the index up to date after an article was published (or republished).

        Call it after the commit that published the article, with a fresh session.
        """
        self.ensure_current(session)

    def article_removed(self, session: Session, *, article_id: uuid.UUID) -> None:
        """Take an archived or deleted article out of the index; call it after the commit."""
        self.ensure_current(session)

    def warm_up(self) -> None:
        for retriever in self.distinct():
            retriever.embedder.encode(["warm up"])
            retriever.index.size()
