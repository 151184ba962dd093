from __future__ import annotations

from pathlib import Path

from knowledge.embedding import Embedder
from knowledge.retrieval import LanguageRouter, Retriever


def single_router(
    tmp_path: Path, embedder: Embedder, *, threshold: float = 0.5, **options: int
) -> LanguageRouter:
    """A router with one dense retriever (``embedder``) for both languages, plus BM25."""
    retriever = Retriever(index_dir=tmp_path / "index", **options)
    retriever.use_embedder(embedder)
    return LanguageRouter({"en": retriever, "zh": retriever}, {"en": threshold, "zh": threshold})
