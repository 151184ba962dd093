"""Runs ``deskmate bench kb`` and prints its tables (quality, latency, scale)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

from rich.console import Console
from rich.table import Table

from deskmate.bench_kb import (
    QUESTIONS,
    SIGNALS,
    TWINS,
    QualityReport,
    evaluate_quality,
    load_questions,
)
from deskmate.bench_kb_path import Models, PathReport, Previous, run_path
from deskmate.bench_kb_scale import ScaleRow, run_scale
from deskmate.seed import ARTICLES
from deskmate.settings import Settings
from knowledge.chunking import chunk_article
from knowledge.embedding import load_embedder
from knowledge.schemas import ArticleImport

NPROBES = (8, 16, 32, 64)
GROUPS = ("en", "zh", "cross-lingual", "all")


def quality_table(report: QualityReport, half: str) -> Table:
    """Every ranking compared side by side, per question group, on one half of the questions."""
    what = {
        "test": "test half (targets judged here)",
        "tune": "tuning half (weights tuned here)",
        "all": "all questions",
    }[half]
    table = Table(title=f"retrieval quality, {what}")
    table.add_column("questions")
    table.add_column("ranking")
    for column in ("R@1", "R@5", "MRR"):
        table.add_column(column, justify="right")
    groups = [g for g in GROUPS if any(key[1:] == (half, g) for key in report.scores)]
    for group in groups:
        for signal in SIGNALS:
            row = report.get(signal, group, half).row()
            table.add_row(
                f"{group} (n={row['n']})" if signal == SIGNALS[0] else "",
                signal,
                *(f"{row[m]:.3f}" for m in ("recall_at_1", "recall_at_5", "mrr")),
                end_section=signal == SIGNALS[-1],
            )
    return table


def margin_lines(report: QualityReport) -> list[str]:
    lines = []
    for half in report.halves():
        m = report.margin(half)
        lines.append(
            f"{half}: fused R@1 {m['fused']:.3f} vs best lexical-only {m['best_lexical']:.3f}"
            f" and best dense-only {m['best_dense']:.3f}: {m['points_above_best']:+.1f} points"
        )
    return lines


def scale_table(rows: Sequence[ScaleRow], embedder: str, alternative: str | None) -> Table:
    table = Table(
        title=f"scale run: synthetic chunks, 1 thread, query embedding ({embedder}) included"
        + (f"; 'alt p50': the same with {alternative}" if alternative else "")
    )
    columns: tuple[str, ...] = (
        *("chunks", "index/nprobe", "build s", "MB", "p50 ms", "p95 ms", "search", "R@10"),
        *(("alt p50",) if alternative else ()),
    )
    for column in columns:
        table.add_column(column, justify="right", no_wrap=column in ("chunks", "index/nprobe"))
    for row in rows:
        kind = f"ivf{row.nlist}/{row.nprobe}" if row.kind == "ivf" else "exact"
        table.add_row(
            f"{row.chunks:,}",
            kind,
            f"{row.build_s:.1f}",
            f"{row.memory_mb:.0f}",
            f"{row.p50_ms:.1f}",
            f"{row.p95_ms:.1f}",
            f"{row.search_p50_ms:.2f}",
            f"{row.recall_at_10:.3f}",
            *([f"{row.alt_p50_ms or 0:.1f}"] if alternative else []),
        )
    return table


def _seed_chunks(articles: Path) -> list[tuple[str, str]]:
    """(text, language) of every chunk of ``articles``."""
    chunks: list[tuple[str, str]] = []
    for line in articles.read_text(encoding="utf-8").splitlines():
        if line.strip():
            item = ArticleImport.model_validate_json(line)
            chunks.extend(
                (chunk.text, item.language) for chunk in chunk_article(item.title, item.body)
            )
    return chunks


def _chunk_texts(articles: Path) -> list[str]:
    return [text for text, _ in _seed_chunks(articles)]


def path_table(report: PathReport) -> Table:
    table = Table(
        title=f"full query path at {report.chunks:,} chunks ({report.questions} questions, "
        "1 thread; 'old' rows on a sample, same loop; CPU: this process's, all threads)"
    )
    for column in ("stage", "n", "p50 ms", "p95 ms", "CPU p50 ms"):
        table.add_column(column, justify="left" if column == "stage" else "right")
    for row in report.stages():
        table.add_row(
            str(row["stage"]),
            str(row["n"]),
            f"{row['p50_ms']:.2f}",
            f"{row['p95_ms']:.2f}",
            f"{row['cpu_p50_ms']:.2f}",
            end_section=row["stage"] == "total",
        )
    return table


def load_average() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def run_bench_kb(
    settings: Settings,
    *,
    console: Console,
    questions: Sequence[Path] | None,
    articles: Path | None,
    sizes: Sequence[int],
    as_json: bool,
    scale_embedder: str | None = None,
    parts: Sequence[str] = ("index", "path"),
    quality: bool = True,
    twins: bool = True,
    previous: str | None = None,
) -> None:
    question_files = list(questions or QUESTIONS)
    article_file = articles or ARTICLES
    # Before anything slow: an unknown revision is refused at once.
    earlier = Previous.load(previous) if previous and sizes and "path" in parts else None
    output: dict[str, object] = {
        "config": {
            "embedder_en": settings.embedder_en,
            "embedder_zh": settings.embedder_zh,
            "embedder_cross": settings.embedder_cross,
            "lexical_chinese": settings.lexical_chinese,
            "embedding_runtime": settings.embedding_runtime,
            "twins": twins,
        }
    }
    if not as_json:
        console.print(f"configuration: {output['config']}")
    if quality:
        output.update(_quality(settings, console, article_file, question_files, as_json, twins))
    if sizes and "index" in parts:
        kind = scale_embedder or settings.embedder_en
        embedder = load_embedder(
            kind, threads=settings.embedding_threads, runtime=settings.embedding_runtime
        )
        # MiniLM queries also through the int8-quantised copy, side by side (same loop).
        alternative = (
            load_embedder(kind, threads=settings.embedding_threads, int8_queries=True)
            if kind == "minilm"
            else None
        )
        alternative_name = "int8 query model" if alternative else None
        with console.status("embedding the real chunks that seed the synthetic ones"):
            seeds = embedder.encode(_chunk_texts(article_file))
        queries = [q.q for path in question_files for q in load_questions(path)]
        nprobes = sorted({settings.index_nprobe, *NPROBES})
        rows = []
        for size in sizes:
            with console.status(f"scale run: {size:,} chunks"):
                rows.extend(
                    run_scale(
                        embedder=embedder,
                        seeds=seeds,
                        queries=queries,
                        size=size,
                        nprobes=nprobes,
                        alternative=alternative,
                    )
                )
            if not as_json:
                console.print(f"load average after {size:,} chunks: {load_average()}")
        output["scale"] = [row.as_dict() for row in rows]
        if not as_json:
            console.print(scale_table(rows, embedder.name, alternative_name))
    if sizes and "path" in parts:
        output["path"] = _run_paths(
            settings, console, article_file, question_files, sizes, as_json, earlier
        )
    if as_json:
        console.print_json(json.dumps(output))


def _run_paths(
    settings: Settings,
    console: Console,
    article_file: Path,
    question_files: Sequence[Path],
    sizes: Sequence[int],
    as_json: bool,
    earlier: Previous | None = None,
) -> list[dict[str, object]]:
    """The full query path (``deskmate.bench_kb_path``) at each size, with the load average;
    with ``earlier`` (a git revision's code), its lexical lanes and fusion side by side."""
    threads = settings.embedding_threads
    minilm = load_embedder("minilm", threads=threads, runtime=settings.embedding_runtime)
    models = Models(
        minilm=minilm,
        minilm_torch=load_embedder("minilm", threads=threads, runtime="torch"),
        minilm_int8=load_embedder("minilm", threads=threads, int8_queries=True),
        use=load_embedder("use", threads=threads),
    )
    chunks = _seed_chunks(article_file)
    with console.status("embedding the real chunks that seed the synthetic ones (both models)"):
        texts = [text for text, _ in chunks]
        vectors = {"minilm": models.minilm.encode(texts), "use": models.use.encode(texts)}
    queries = [q.q for path in question_files for q in load_questions(path)]
    reports = []
    for size in sizes:
        with console.status(f"full query path: {size:,} chunks"):
            started = load_average()
            report = run_path(
                models=models,
                seeds=chunks,
                seed_vectors=vectors,
                queries=queries,
                size=size,
                previous=earlier,
            )
        row = {**report.as_dict(), "load_average": {"before": started, "after": load_average()}}
        reports.append(row)
        if not as_json:
            console.print(path_table(report))
            console.print(f"load average before / after: {started} / {load_average()}")
            if report.previous:
                console.print(
                    f"'previous' rows: {report.previous} on the same indexes, its lanes before "
                    "or after this revision's on alternate questions"
                )
            console.print(
                "questions whose results differ from the served path's: "
                + ", ".join(f"{k} {v}" for k, v in report.differing.items())
            )
            console.print(
                "build s: " + ", ".join(f"{k} {v:.1f}" for k, v in report.build_s.items())
            )
            console.print(
                "memory MB: " + ", ".join(f"{k} {v:.0f}" for k, v in report.memory_mb.items())
            )
    return reports


def _quality(
    settings: Settings,
    console: Console,
    article_file: Path,
    question_files: Sequence[Path],
    as_json: bool,
    twins: bool,
) -> dict[str, object]:
    """Quality per ranking and half, latency through rank_articles, publish to searchable."""
    with console.status("indexing the articles and asking the labelled questions"):
        report = evaluate_quality(
            settings,
            questions=question_files,
            articles=article_file,
            twins=TWINS if twins else None,
        )
    output: dict[str, object] = {
        "quality": report.rows(),
        "margin": {half: report.margin(half) for half in report.halves()},
        "unsplit_questions": report.unsplit,
        "latency": report.latency(),
        "publish_to_searchable_ms": report.publish_to_search_ms,
    }
    if not as_json:
        for half in report.halves():
            console.print(quality_table(report, half))
        console.print(
            "halves: test (targets are judged on it) and tune (weights were tuned on it) from "
            f"tests/knowledge/eval/split.json; {report.unsplit} question(s) in neither (all only)"
        )
        for line in margin_lines(report):
            console.print(line)
        latency = report.latency()
        console.print(
            f"query latency through rank_articles (embedding included): "
            f"p50 {latency['p50_ms']:.1f} ms, p95 {latency['p95_ms']:.1f} ms"
        )
        console.print(f"publish → searchable: {report.publish_to_search_ms:.0f} ms")
    return output
