"""``deskmate bench kb``: its metrics, its synthetic chunks, and the command end to end."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from deskmate.bench_kb import QUESTIONS, SIGNALS, QualityReport, Scores, load_questions
from deskmate.bench_kb_path import LEXICAL_LANES, STAGES, Models, Previous, run_path
from deskmate.bench_kb_scale import run_scale, synthetic_chunks, synthetic_plan, synthetic_texts
from deskmate.bench_kb_split import (
    SPLIT_FILE,
    TEST,
    TUNE,
    Labelled,
    make_split,
    question_id,
    read_split,
    stratum,
)
from deskmate.errors import BadRequest
from deskmate.seed import ARTICLES
from deskmate.settings import REPO_ROOT
from knowledge.embedding import Embedder
from knowledge.schemas import ArticleImport
from tests.knowledge.factories import article_data, write_jsonl
from tests.test_cli import deskmate


def test_scores_are_recall_at_1_and_5_and_mean_reciprocal_rank() -> None:
    scores = Scores()
    scores.add(["a", "b"], frozenset({"a"}))  # rank 1
    scores.add(["x", "y", "b"], frozenset({"b", "z"}))  # rank 3
    scores.add(["x"] * 5 + ["c"], frozenset({"c"}))  # rank 6: outside the top 5
    scores.add(["x"], frozenset({"c"}))  # not found
    row = scores.row()
    assert row["n"] == 4
    assert row["recall_at_1"] == pytest.approx(1 / 4)
    assert row["recall_at_5"] == pytest.approx(2 / 4)
    assert row["mrr"] == pytest.approx((1 + 1 / 3 + 1 / 6) / 4)


def test_the_margin_is_over_the_best_lexical_only_and_the_best_dense_only_ranking() -> None:
    report = QualityReport()
    for signal, found in (("bm25", 1), ("lexical", 2), ("dense-own", 1), ("dense", 3)):
        for i in range(4):
            report.score(signal, "all", "test").add(["a" if i < found else "x"], frozenset("a"))
    for i in range(4):
        report.score("fused", "all", "test").add(["a" if i < 4 else "x"], frozenset("a"))
    margin = report.margin("test")
    assert margin["best_lexical"] == 0.5 and margin["best_dense"] == 0.75
    assert margin["points_above_best"] == pytest.approx(25.0)
    assert report.halves() == ["test"]  # reading a margin creates no empty halves


def test_a_bad_question_line_is_reported_with_its_number(tmp_path: Path) -> None:
    path = tmp_path / "q.jsonl"
    path.write_text('{"q": "hi", "language": "en", "expected": []}\n{"q": "no language"}\n')
    with pytest.raises(BadRequest, match="line 2"):
        load_questions(path)


def test_synthetic_chunks_cluster_around_the_real_ones() -> None:
    rng = np.random.default_rng(3)
    seeds = rng.standard_normal((20, 64)).astype(np.float32)
    seeds /= np.linalg.norm(seeds, axis=1, keepdims=True)
    chunks = synthetic_chunks(seeds, 3000)
    assert chunks.shape == (3000, 64) and chunks.dtype == np.float32
    assert np.allclose(np.linalg.norm(chunks, axis=1), 1, atol=1e-4)
    nearest_seed = (chunks @ seeds.T).max(axis=1)
    # close to a real chunk (cosine ~0.75 x 0.8), but not copies of it
    assert 0.4 < float(np.median(nearest_seed)) < 0.8


def test_synthetic_texts_draw_on_their_seed_chunk_and_keep_its_language() -> None:
    seeds = [
        ("reset the hub with the pin button", "en"),
        ("refunds for the cloud plan arrive in days", "en"),
        ("摄像头离线或实时画面卡顿", "zh"),
    ]
    plan = synthetic_plan(len(seeds), 600)
    texts, languages = synthetic_texts(seeds, plan)
    assert len(texts) == len(languages) == 600
    for text, language, seed in zip(texts, languages, plan.chunk_seed.tolist(), strict=True):
        assert language == seeds[seed][1]
        own = set(seeds[seed][0].split()) if language == "en" else set(seeds[seed][0])
        drawn = set(text.split()) if language == "en" else set(text)
        assert len(drawn & own) >= len(drawn) // 3  # mostly its seed's words
        assert (language == "zh") == any("\u4e00" <= ch <= "\u9fff" for ch in text)


def test_full_path_times_every_production_stage(embedder: Embedder) -> None:
    seeds = [
        ("reset the hub with the pin button", "en"),
        ("connect the camera to wifi", "en"),
        ("摄像头离线或实时画面卡顿", "zh"),
    ]
    vectors = embedder.encode([text for text, _ in seeds])
    report = run_path(
        models=Models(minilm=embedder, minilm_torch=embedder, minilm_int8=embedder, use=embedder),
        seeds=seeds,
        seed_vectors={"minilm": vectors, "use": vectors},
        queries=["how do I reset the hub", "摄像头离线"],
        size=3000,
        previous=Previous.load("HEAD") if (REPO_ROOT / ".git").exists() else None,
    )
    stages = {row["stage"]: row for row in report.stages()}
    # Overlapped lanes, and the committed lanes and fusion on the same indexes: same results.
    assert report.differing.pop("overlapped") == 0 and stages["total, lanes overlapped"]["n"] == 2
    if report.previous:
        assert report.differing == {**dict.fromkeys(LEXICAL_LANES, 0), "fusion": 0}
        assert stages["previous fusion"]["n"] == stages["previous total"]["n"] == 2
    assert set(STAGES) <= set(stages)
    assert stages["embed minilm"]["n"] == 1 and stages["embed use"]["n"] == 2  # zh: USE only
    assert stages["total"]["n"] == 2
    assert float(str(stages["total"]["p50_ms"])) >= float(str(stages["bm25 chars"]["p50_ms"]))
    assert float(str(stages["total"]["cpu_p50_ms"])) > 0  # CPU time next to the wall time
    # The old dict lanes ran on the same queries, side by side.
    assert stages["old bm25 chars"]["n"] == 2 and "old total" in stages
    assert report.memory_mb["faiss minilm"] > 0 and report.build_s["bm25 chars"] > 0


def test_scale_run_compares_ivf_with_exact(embedder: Embedder) -> None:
    seeds = embedder.encode(["reset the hub", "connect the camera to wifi", "refund my plan"])
    rows = run_scale(
        embedder=embedder,
        seeds=seeds,
        queries=["how do I reset", "camera wifi problem"],
        size=4000,
        nprobes=[1, 64],
        alternative=embedder,  # timed side by side in the same loop
    )
    assert [(r.kind, r.nprobe) for r in rows] == [("flat", 0), ("ivf", 1), ("ivf", 64)]
    assert rows[0].recall_at_10 == 1.0
    assert rows[1].recall_at_10 <= rows[2].recall_at_10
    assert rows[2].recall_at_10 == 1.0  # 64 probes of 64 lists: the whole index
    assert all(r.p50_ms > 0 and r.memory_mb > 0 for r in rows)
    assert all(r.alt_p50_ms is not None and r.alt_p50_ms > 0 for r in rows)


def test_bench_kb_prints_quality_side_by_side_and_refuses_bad_options(tmp_path: Path) -> None:
    articles = write_jsonl(
        tmp_path / "articles.jsonl",
        [
            article_data(),
            article_data(
                external_id="kb-refund",
                title="Get a refund for Lumora Cloud",
                body="Refunds for the Cloud subscription are paid within 14 days.",
                category="billing",
            ),
        ],
    )
    questions = tmp_path / "questions.jsonl"
    lines = [
        {"q": "camera will not join my wifi", "language": "en", "expected": ["kb-test-1"]},
        {"q": "money back for the cloud plan", "language": "en", "expected": ["kb-refund"]},
        {"q": "can I work at lumora", "language": "en", "expected": []},
    ]
    questions.write_text("\n".join(json.dumps(line) for line in lines) + "\n")
    data = tmp_path / "data"
    args = ["bench", "kb", "--articles", str(articles), "--questions", str(questions)]

    result = deskmate(data, *args, "--scale", "", "--json")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    rows = {(r["signal"], r["half"], r["group"]): r for r in report["quality"]}
    assert {s for s, _, _ in rows} == set(SIGNALS)
    assert rows[("fused", "all", "all")]["n"] == 2
    assert rows[("fused", "all", "all")]["recall_at_1"] == 1.0
    # These questions are not in the committed split: they count in "all" only, and are counted.
    assert {h for _, h, _ in rows} == {"all"} and report["unsplit_questions"] == 2
    assert set(report["margin"]) == {"all"}
    assert report["latency"]["p50_ms"] > 0 and report["publish_to_searchable_ms"] > 0

    bad = deskmate(data, *args, "--scale", "10k")
    assert bad.returncode == 1 and "comma-separated" in bad.stderr
    # An unknown revision for the 'previous' rows is refused before anything is built.
    revision = deskmate(
        data, *args, "--scale", "1000", "--scale-parts", "path", "--scale-previous", "nosuchrev"
    )
    assert revision.returncode == 1 and "nosuchrev" in revision.stderr, revision.stderr
    assert "Traceback" not in revision.stderr
    unknown = write_jsonl(
        tmp_path / "q2.jsonl", [{"q": "x", "language": "en", "expected": ["nope"]}]
    )
    missing = deskmate(
        data, "bench", "kb", "--articles", str(articles), "--questions", str(unknown)
    )
    assert missing.returncode == 1 and "nope" in missing.stderr


def _default_questions() -> list[Labelled]:
    return [
        Labelled(q.q, q.language, q.expected) for path in QUESTIONS for q in load_questions(path)
    ]


def _article_languages() -> dict[str, str]:
    return {item.external_id: item.language for item in _seed_articles()}


def _seed_articles() -> list[ArticleImport]:
    lines = ARTICLES.read_text(encoding="utf-8").splitlines()
    return [ArticleImport.model_validate_json(line) for line in lines if line.strip()]


def test_the_committed_split_is_the_rule_applied_to_the_default_questions() -> None:
    committed = read_split(SPLIT_FILE)
    assert committed == make_split(_default_questions(), _article_languages())


def test_the_split_halves_every_language_and_kind() -> None:
    languages = _article_languages()
    halves = read_split(SPLIT_FILE)
    counts: dict[tuple[str, str], int] = {}
    for question in _default_questions():
        key = (stratum(question, languages), halves[question_id(question.q)])
        counts[key] = counts.get(key, 0) + 1
    strata = {s for s, _ in counts}
    assert {"en/cross-lingual", "zh/cross-lingual", "en/same-language", "zh/unanswerable"} <= strata
    for name in strata:
        assert 0 <= counts.get((name, TUNE), 0) - counts.get((name, TEST), 0) <= 1, name


def test_a_question_keeps_its_half_when_others_are_added_elsewhere() -> None:
    languages = {"a": "en", "b": "zh"}
    english = [Labelled(f"english question {i}", "en", frozenset({"a"})) for i in range(10)]
    chinese = [Labelled(f"中文问题 {i}", "zh", frozenset({"b"})) for i in range(6)]
    before = make_split(english, languages)
    after = make_split(english + chinese, languages)
    assert {q: after[q] for q in before} == before
    assert question_id(" english question 1 ") == question_id("english question 1")


def test_a_broken_split_file_is_reported(tmp_path: Path) -> None:
    path = tmp_path / "split.json"
    path.write_text('{"tune": ["a"]}')
    with pytest.raises(BadRequest, match="not a split file"):
        read_split(path)
    with pytest.raises(BadRequest, match="no split file"):
        read_split(tmp_path / "missing.json")
