from __future__ import annotations

import uuid
from pathlib import Path

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from knowledge import service
from knowledge.embedding import Embedder, Vectors
from knowledge.index import DenseIndex, build_faiss
from knowledge.models import Article, ArticleStatus
from knowledge.ranking import rank_articles
from knowledge.retrieval import LanguageRouter
from tests.knowledge.factories import add_article
from tests.knowledge.routers import single_router


class CountingEmbedder:
    """The real embedder, counting the texts it is asked to embed."""

    def __init__(self, inner: Embedder) -> None:
        self.inner = inner
        self.name = inner.name
        self.dim = inner.dim
        self.texts = 0

    def encode(self, texts: list[str]) -> Vectors:
        self.texts += len(texts)
        return self.inner.encode(texts)


def _article(session: Session, external_id: str) -> Article:
    article = session.scalar(select(Article).where(Article.external_id == external_id))
    assert article is not None
    return article


def _seeded_router(
    session: Session, tmp_path: Path, embedder: Embedder, **options: int
) -> LanguageRouter:
    add_article(session)
    add_article(
        session,
        external_id="kb-refund",
        title="Get a refund for Lumora Cloud",
        body="Refunds for the Cloud subscription are paid within 14 days.",
        category="billing",
    )
    router = single_router(tmp_path, embedder, **options)
    router.rebuild(session)
    return router


def test_publishing_embeds_only_the_new_articles_chunks_and_search_finds_it_at_once(
    session: Session, tmp_path: Path, embedder: Embedder
) -> None:
    counting = CountingEmbedder(embedder)
    router = _seeded_router(session, tmp_path, counting)
    size, before = router.retrievers["en"].index.size(), counting.texts

    add_article(
        session,
        external_id="kb-aquarium",
        title="Calibrate the aquarium sensor",
        body="Hold the calibrate key until the ring glows violet.\n\n## Why\n\nDrift over time.",
        category="setup",
    )
    session.flush()
    article = _article(session, "kb-aquarium")
    router.article_published(session, article_id=article.id)

    new_chunks = len(article.chunks)
    assert counting.texts - before == new_chunks  # nothing else was re-embedded
    assert router.retrievers["en"].index.size() == size + new_chunks
    ranked = rank_articles(session, router=router, query="aquarium calibration", language="en", k=1)
    assert ranked[0].article_id == article.id
    assert router.is_current(session)


def test_archiving_removes_the_article_from_dense_and_lexical_search(
    session: Session, tmp_path: Path, embedder: Embedder
) -> None:
    router = _seeded_router(session, tmp_path, embedder)
    refund = _article(session, "kb-refund")
    refund.status = ArticleStatus.ARCHIVED
    session.flush()
    assert not router.is_current(session)

    router.article_removed(session, article_id=refund.id)

    chunk_ids = {c.id for c in refund.chunks}
    assert not chunk_ids & {i for i, _ in router.retrievers["en"].search_chunks("refund", k=10)}
    assert router.lexical_search(session, "refund subscription", k=10) == []
    ranked = rank_articles(session, router=router, query="refund", language="en", k=5)
    assert refund.id not in {r.article_id for r in ranked}
    assert router.is_current(session)


def test_an_edited_article_is_reembedded_even_when_sqlite_reuses_its_chunk_ids(
    session: Session, tmp_path: Path, embedder: Embedder
) -> None:
    router = _seeded_router(session, tmp_path, embedder)
    add_article(
        session,
        external_id="kb-refund",
        title="Get a refund for Lumora Cloud",
        body="Refunds are no longer possible; ask about a voucher for the Zebra plan instead.",
        category="billing",
    )
    session.flush()
    refund = _article(session, "kb-refund")
    router.article_published(session, article_id=refund.id)
    hits = router.lexical_search(session, "voucher zebra", k=3)
    assert hits and hits[0][0] in {c.id for c in refund.chunks}
    dense = router.retrievers["en"].search_chunks("voucher for the zebra plan", k=1)
    assert dense[0][0] in {c.id for c in refund.chunks}


def test_the_whole_article_lane_follows_publishing_editing_and_archiving(
    session: Session, tmp_path: Path, embedder: Embedder
) -> None:
    router = _seeded_router(session, tmp_path, embedder)
    refund = _article(session, "kb-refund")

    def found(query: str) -> list[uuid.UUID]:
        return [article_id for article_id, _ in router.article_char_search(session, query, k=5)]

    assert found("paid within 14 days")[0] == refund.id
    # One document per article, its chunks joined: words from two sections match together.
    add_article(
        session,
        external_id="kb-sections",
        title="Aquarium sensor",
        body="Intro.\n\n## Calibrate\n\nHold the violet key.\n\n## Clean\n\nRinse the quartz tip.",
        category="setup",
    )
    session.flush()
    sections = _article(session, "kb-sections")
    assert len(sections.chunks) > 1
    router.article_published(session, article_id=sections.id)
    assert found("violet quartz")[0] == sections.id

    add_article(  # an edit: the article's document is replaced, not added to
        session,
        external_id="kb-refund",
        title="Get a refund for Lumora Cloud",
        body="Ask about a voucher for the Zebra plan instead.",
        category="billing",
    )
    session.flush()
    router.article_published(session, article_id=refund.id)
    assert found("zebra voucher")[0] == refund.id
    assert refund.id not in found("paid within 14 days")

    refund.status = ArticleStatus.ARCHIVED
    session.flush()
    router.article_removed(session, article_id=refund.id)
    assert refund.id not in found("zebra voucher refund")


def test_an_update_swaps_files_atomically_and_another_process_reloads_it(
    session: Session, tmp_path: Path, embedder: Embedder
) -> None:
    router = _seeded_router(session, tmp_path, embedder)
    other = DenseIndex(tmp_path / "index")  # as another worker process would open it
    size = other.size()
    add_article(session, external_id="kb-new", title="Pair a smart plug", body="Press pair.")
    session.flush()
    router.article_published(session, article_id=_article(session, "kb-new").id)
    assert other.size() == size + 1
    assert sorted(p.name for p in (tmp_path / "index").iterdir()) == [
        "kb.chunks.npy",
        "kb.faiss",
        "kb.lock",
        "kb.meta.json",
    ]


def test_above_the_threshold_the_index_is_ivf_and_still_updates_incrementally(
    session: Session, tmp_path: Path, embedder: Embedder
) -> None:
    router = _seeded_router(session, tmp_path, embedder, exact_max=2, nprobe=4)
    index = router.retrievers["en"].index
    meta = index.read_meta()
    assert meta is not None and meta.kind == "ivf" and meta.nprobe == 4
    add_article(session, external_id="kb-new", title="Pair a smart plug", body="Press pair.")
    session.flush()
    router.article_published(session, article_id=_article(session, "kb-new").id)
    assert index.size() == (meta.count + 1)
    ranked = rank_articles(session, router=router, query="pair smart plug", language="en", k=1)
    assert ranked[0].article.external_id == "kb-new"
    new = _article(session, "kb-new")
    new.status = ArticleStatus.ARCHIVED
    session.flush()
    router.article_removed(session, article_id=new.id)
    assert index.size() == meta.count
    ranked = rank_articles(session, router=router, query="pair smart plug", language="en", k=3)
    assert new.id not in {r.article_id for r in ranked}


def test_ivf_recall_against_exact_on_clustered_vectors() -> None:
    rng = np.random.default_rng(1)
    centres = rng.standard_normal((50, 32)).astype(np.float32)
    vectors = centres[rng.integers(0, 50, 5000)] + 0.3 * rng.standard_normal((5000, 32))
    vectors = (vectors / np.linalg.norm(vectors, axis=1, keepdims=True)).astype(np.float32)
    ids = np.arange(5000, dtype=np.int64)
    exact, kind, _ = build_faiss(vectors, ids, dim=32, exact_max=5000, nprobe=8)
    ivf, ivf_kind, nlist = build_faiss(vectors, ids, dim=32, exact_max=100, nprobe=8)
    assert (kind, ivf_kind) == ("flat", "ivf") and nlist > 8
    queries = vectors[:50]
    truth = exact.search(queries, 10)[1]
    found = ivf.search(queries, 10)[1]
    recall = np.mean([len(set(a) & set(b)) / 10 for a, b in zip(truth, found, strict=True)])
    assert recall > 0.8


def test_published_through_the_service_hook_answers_the_next_query(
    session: Session, tmp_path: Path, embedder: Embedder
) -> None:
    router = _seeded_router(session, tmp_path, embedder)
    add_article(
        session,
        publish=False,
        external_id="kb-draft",
        title="Replace the thermostat batteries",
        body="Use two AAA lithium batteries.",
        category="setup",
    )
    draft = _article(session, "kb-draft")
    router.article_published(session, article_id=draft.id)  # a draft is not indexed

    def found() -> list[object]:
        result = service.search(
            session, router=router, query="thermostat AAA batteries", k=3, public_url=""
        )
        return [r.article_id for r in result.results]

    assert draft.id not in found()
    add_article(  # the same content again, now published
        session,
        external_id="kb-draft",
        title="Replace the thermostat batteries",
        body="Use two AAA lithium batteries.",
        category="setup",
    )
    router.article_published(session, article_id=draft.id)
    assert found()[0] == draft.id
