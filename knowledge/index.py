"""The dense index: FAISS inner-product search over normalised chunk vectors, persisted on disk.

The index file and its metadata are written to temporary names and renamed into place, so a
reader never sees a half-written index. Readers notice a newer file (by its modification time)
and reload it, so an import run from the CLI reaches a running app without a restart.
"""

from __future__ import annotations

import json
import os
import threading
from dataclasses import dataclass
from pathlib import Path

import faiss
import numpy as np

from knowledge.embedding import Vectors

INDEX_FILE = "kb.faiss"
META_FILE = "kb.meta.json"


@dataclass(frozen=True)
class IndexMeta:
    model: str
    dim: int
    count: int
    fingerprint: str


class DenseIndex:
    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self._lock = threading.Lock()
        self._index: faiss.Index | None = None
        self._meta: IndexMeta | None = None
        self._loaded_mtime: float | None = None

    @property
    def index_path(self) -> Path:
        return self.directory / INDEX_FILE

    @property
    def meta_path(self) -> Path:
        return self.directory / META_FILE

    def read_meta(self) -> IndexMeta | None:
        try:
            return IndexMeta(**json.loads(self.meta_path.read_text()))
        except (FileNotFoundError, json.JSONDecodeError, TypeError):
            return None

    def write(self, ids: np.ndarray, vectors: Vectors, meta: IndexMeta) -> None:
        """Build a fresh index from ``ids``/``vectors`` and swap it into place atomically."""
        self.directory.mkdir(parents=True, exist_ok=True)
        index = faiss.IndexIDMap2(faiss.IndexFlatIP(meta.dim))
        if len(ids):
            index.add_with_ids(vectors, ids.astype(np.int64))
        tmp_index = self.index_path.with_suffix(".faiss.tmp")
        tmp_meta = self.meta_path.with_suffix(".json.tmp")
        faiss.write_index(index, str(tmp_index))
        tmp_meta.write_text(json.dumps(meta.__dict__))
        # The metadata goes in first: a reader that sees the new index also sees its metadata.
        os.replace(tmp_meta, self.meta_path)
        os.replace(tmp_index, self.index_path)
        with self._lock:
            self._index, self._meta = index, meta
            self._loaded_mtime = self.index_path.stat().st_mtime

    def _current(self) -> tuple[faiss.Index | None, IndexMeta | None]:
        try:
            mtime = self.index_path.stat().st_mtime
        except FileNotFoundError:
            return None, None
        with self._lock:
            if self._index is None or mtime != self._loaded_mtime:
                self._index = faiss.read_index(str(self.index_path))
                self._meta = self.read_meta()
                self._loaded_mtime = mtime
            return self._index, self._meta

    @property
    def ready(self) -> bool:
        index, _ = self._current()
        return index is not None

    def size(self) -> int:
        index, _ = self._current()
        return 0 if index is None else int(index.ntotal)

    def search(self, query: Vectors, k: int) -> list[tuple[int, float]]:
        index, _ = self._current()
        if index is None or index.ntotal == 0:
            return []
        scores, ids = index.search(query, min(k, int(index.ntotal)))
        return [(int(i), float(s)) for i, s in zip(ids[0], scores[0], strict=True) if i != -1]
