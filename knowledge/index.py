"""The dense index: FAISS inner-product search over normalised chunk vectors, persisted on disk.

Next to the FAISS file sit its metadata (model, kind, nprobe) and its bookkeeping: every chunk id
in the index with the signature of the chunk it was embedded from, so that an update can tell
which vectors are stale without re-embedding anything else.

Every write goes to temporary names that are renamed into place, so a reader never sees a
half-written index. Readers notice a newer file (by its modification time) and reload it, so a
change made by the CLI or another worker reaches a running app without a restart. Writers take
an exclusive file lock, so two processes updating at once do not lose each other's changes.
"""

from __future__ import annotations

import fcntl
import json
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path

import faiss
import numpy as np
import numpy.typing as npt

from knowledge.embedding import Vectors

INDEX_FILE = "kb.faiss"
META_FILE = "kb.meta.json"
CHUNKS_FILE = "kb.chunks.npy"
LOCK_FILE = "kb.lock"

Ids = npt.NDArray[np.int64]

# IVF: about 4·√n lists, trained on at most this many vectors per list (k-means stays bounded).
IVF_TRAIN_PER_LIST = 40
IVF_MAX_LISTS = 8192
IVF_TRAIN_ITERATIONS = 10


@dataclass(frozen=True)
class IndexMeta:
    model: str
    dim: int
    count: int
    kind: str = "flat"  # "flat" (exact) or "ivf" (approximate)
    nlist: int = 0
    nprobe: int = 0


def ivf_lists(count: int) -> int:
    """About 4·√n lists, with at least 39 vectors per list for k-means (FAISS's own minimum)."""
    return int(max(1, min(IVF_MAX_LISTS, 4 * int(np.sqrt(count)), count // 39)))


def build_faiss(
    vectors: Vectors, ids: Ids, *, dim: int, exact_max: int, nprobe: int, seed: int = 0
) -> tuple[faiss.Index, str, int]:
    """Exact up to ``exact_max`` vectors, IVF above it. Returns (index, kind, nlist).

    The IVF coarse quantizer is trained on a random sample, so build time grows with n only
    through the assignment of vectors to lists.
    """
    if len(ids) <= exact_max:
        index: faiss.Index = faiss.IndexIDMap2(faiss.IndexFlatIP(dim))
        if len(ids):
            index.add_with_ids(vectors, ids)
        return index, "flat", 0
    nlist = ivf_lists(len(ids))
    ivf = faiss.index_factory(dim, f"IVF{nlist},Flat", faiss.METRIC_INNER_PRODUCT)
    faiss.extract_index_ivf(ivf).cp.niter = IVF_TRAIN_ITERATIONS
    sample_size = min(len(ids), nlist * IVF_TRAIN_PER_LIST)
    sample = np.random.default_rng(seed).choice(len(ids), size=sample_size, replace=False)
    ivf.train(np.ascontiguousarray(vectors[np.sort(sample)]))
    ivf.add_with_ids(vectors, ids)
    set_nprobe(ivf, nprobe)
    return ivf, "ivf", nlist


def set_nprobe(index: faiss.Index, nprobe: int) -> None:
    if nprobe:
        faiss.ParameterSpace().set_index_parameter(index, "nprobe", nprobe)


class DenseIndex:
    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self._lock = threading.Lock()
        self._index: faiss.Index | None = None
        self._meta: IndexMeta | None = None
        self._loaded_mtime: int | None = None

    @property
    def index_path(self) -> Path:
        return self.directory / INDEX_FILE

    @property
    def meta_path(self) -> Path:
        return self.directory / META_FILE

    @property
    def chunks_path(self) -> Path:
        return self.directory / CHUNKS_FILE

    @contextmanager
    def writing(self) -> Iterator[None]:
        """Hold the cross-process writer lock (readers never wait for it)."""
        self.directory.mkdir(parents=True, exist_ok=True)
        with open(self.directory / LOCK_FILE, "a+b") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def read_meta(self) -> IndexMeta | None:
        try:
            return IndexMeta(**json.loads(self.meta_path.read_text()))
        except (FileNotFoundError, json.JSONDecodeError, TypeError):
            return None

    def read_chunks(self) -> dict[int, int]:
        """{chunk id: signature} of the vectors in the index on disk (empty when there is none)."""
        try:
            table = np.load(self.chunks_path)
        except (FileNotFoundError, ValueError, OSError):
            return {}
        return dict(zip(table[0].tolist(), table[1].tolist(), strict=True))

    def version(self) -> int | None:
        """Changes whenever a new index is swapped in (by this process or another)."""
        try:
            return self.index_path.stat().st_mtime_ns
        except FileNotFoundError:
            return None

    def load_for_update(self) -> faiss.Index | None:
        """A private copy of the index on disk, to change and ``swap`` in (under ``writing``)."""
        if not self.index_path.exists():
            return None
        return faiss.read_index(str(self.index_path))

    def swap(self, index: faiss.Index, meta: IndexMeta, chunks: dict[int, int]) -> None:
        """Write ``index``, its metadata and bookkeeping to temporary files, then rename them in.

        The metadata and bookkeeping go in first: a reader that sees the new index also sees them.
        """
        self.directory.mkdir(parents=True, exist_ok=True)
        tmp_index = self.index_path.with_suffix(".faiss.tmp")
        tmp_meta = self.meta_path.with_suffix(".json.tmp")
        tmp_chunks = self.directory / "kb.chunks.tmp.npy"
        faiss.write_index(index, str(tmp_index))
        tmp_meta.write_text(json.dumps(asdict(meta)))
        ids = np.fromiter(chunks.keys(), dtype=np.int64, count=len(chunks))
        signatures = np.fromiter(chunks.values(), dtype=np.int64, count=len(chunks))
        np.save(tmp_chunks, np.stack([ids, signatures]))
        os.replace(tmp_meta, self.meta_path)
        os.replace(tmp_chunks, self.chunks_path)
        os.replace(tmp_index, self.index_path)
        set_nprobe(index, meta.nprobe)
        with self._lock:
            self._index, self._meta = index, meta
            self._loaded_mtime = self.version()

    def _current(self) -> tuple[faiss.Index | None, IndexMeta | None]:
        mtime = self.version()
        if mtime is None:
            return None, None
        with self._lock:
            if self._index is None or mtime != self._loaded_mtime:
                self._index = faiss.read_index(str(self.index_path))
                self._meta = self.read_meta()
                set_nprobe(self._index, self._meta.nprobe if self._meta else 0)
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
