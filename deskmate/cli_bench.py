"""`deskmate bench …`: the benchmark commands; each prints its figures."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, cast
from urllib.parse import urlsplit

import typer
from rich.table import Table

from deskmate.cli_kit import console, err, fail
from deskmate.settings import get_settings

bench_app = typer.Typer(help="Benchmarks that print figures.", no_args_is_help=True)


@bench_app.command("chat")
def bench_chat(
    url: Annotated[str | None, typer.Option(help="App URL (default: the configured one).")] = None,
    turns: Annotated[int, typer.Option(min=5, max=10_000)] = 50,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """p50/p95 latency of knowledge-answer and ticket-status turns through the chat gateway."""
    from deskmate.bench import run_chat_bench, stack_processes

    settings = get_settings()
    target = (url or settings.resolved_public_url).rstrip("/")
    port = urlsplit(target).port or settings.port
    # The local processes behind that port, if this machine runs them (Deskmate's port layout).
    processes = stack_processes(
        port=port, rasa_port=settings.rasa_port, actions_port=settings.actions_port
    )
    try:
        rows = run_chat_bench(target, turns=turns, processes=processes)
    except RuntimeError as exc:
        raise fail(str(exc)) from exc
    if as_json:
        typer.echo(json.dumps(rows, indent=2))
        return
    table = Table(title=f"chat turns through {target}/api/v1/chat/messages")
    for column in ("turn", "n", "p50 ms", "p95 ms", "mean ms", "max ms"):
        table.add_column(column, justify="right")
    for row in rows:
        table.add_row(
            str(row["turn"]),
            str(row["n"]),
            f"{row['p50_ms']:.1f}",
            f"{row['p95_ms']:.1f}",
            f"{row['mean_ms']:.1f}",
            f"{row['max_ms']:.1f}",
        )
    console.print(table)
    measured = [row for row in rows if row.get("cpu_ms_per_turn")]
    if measured:
        cpu = Table(title="CPU ms per turn (knowledge: every knowledge turn, answered or not)")
        names = sorted(cast(dict[str, float], measured[0]["cpu_ms_per_turn"]))
        for column in ("turn", *names, "total"):
            cpu.add_column(column, justify="right")
        for row in measured:
            spent = cast(dict[str, float], row["cpu_ms_per_turn"])
            cpu.add_row(
                str(row["turn"]),
                *(f"{spent[n]:.1f}" for n in names),
                f"{sum(spent.values()):.1f}",
            )
        console.print(cpu)


@bench_app.command("api")
def bench_api(
    database: Annotated[
        list[str] | None, typer.Option(help="sqlite and/or postgresql (default: both).")
    ] = None,
    clients: Annotated[int, typer.Option(min=1, max=256, help="Concurrent clients.")] = 8,
    seconds: Annotated[float, typer.Option(min=1, help="Seconds per operation.")] = 10.0,
    sizes: Annotated[str, typer.Option(help="Ticket counts for the list figures.")] = (
        "10000,100000,1000000"
    ),
    sqlite_max_rows: Annotated[int, typer.Option(help="Skip larger SQLite sizes.")] = 100_000,
    samples: Annotated[int, typer.Option(min=5, help="Requests per list figure.")] = 100,
    workers: Annotated[int, typer.Option(min=1, max=16, help="uvicorn worker processes.")] = 1,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Ticket creates/reads per second and list p95 at 10k/100k/1M tickets, on throwaway DBs."""
    from deskmate import bench_api as bench

    kinds = database or ["sqlite", "postgresql"]
    if set(kinds) - {"sqlite", "postgresql"}:
        raise fail("--database is sqlite or postgresql")
    try:
        counts = [int(x) for x in sizes.split(",") if x.strip()]
    except ValueError as exc:
        raise fail("--sizes is a comma-separated list of numbers") from exc
    report = bench.run(
        databases=kinds,
        clients=clients,
        seconds=seconds,
        sizes=counts,
        sqlite_max_rows=sqlite_max_rows,
        samples=samples,
        workers=workers,
        progress=lambda message: err.print(f"[dim]{message}[/dim]"),
    )
    if as_json:
        typer.echo(bench.dumps(report))
        return
    table = Table(title=f"ticket API throughput (uvicorn on loopback, {workers} worker(s))")
    columns = {
        "database": "database",
        "operation": "operation",
        "clients": "clients",
        "ok": "ok",
        "errors": "errors",
        "pool_timeouts": "pool t/o",
        "per_second": "per s",
        "p50_ms": "p50 ms",
        "p95_ms": "p95 ms",
        "client_cpu_ms": "client CPU ms/req",
        "server_cpu_ms": "server CPU ms/req",
        "database_cpu_ms": "db CPU ms/req",
        "other_busy_cores": "other work (cores)",
        "loadavg": "loadavg",
    }
    for title in columns.values():
        table.add_column(title, justify="right")
    for row in report["throughput"]:
        table.add_row(*("-" if row.get(k) is None else str(row.get(k)) for k in columns))
    console.print(table)
    console.print(
        "[dim]ping: GET /healthz on the same server (no database, no token): the HTTP stack's "
        "floor on this machine, which no ticket request can beat.[/dim]"
    )
    for row in report["throughput"]:
        for sample in row["error_samples"]:  # type: ignore[attr-defined]
            console.print(f"  [red]{row['database']} {row['operation']}[/red] {sample}")
    lists = Table(title="list queries (20 per page, newest first)")
    for column in (
        "database",
        "tickets",
        "load s",
        "by status p50/p95 ms",
        "by assignee p50/p95 ms",
    ):
        lists.add_column(column, justify="right")
    for row in report["lists"]:
        if row.get("skipped"):
            lists.add_row(str(row["database"]), f"{row['tickets']:,}", "skipped", "-", "-")
            continue
        lists.add_row(
            str(row["database"]),
            f"{row['tickets']:,}",
            str(row["load_s"]),
            f"{row['by_status_p50_ms']} / {row['by_status_p95_ms']}",
            f"{row['by_assignee_p50_ms']} / {row['by_assignee_p95_ms']}",
        )
    console.print(lists)


@bench_app.command("nlu")
def bench_nlu(
    model: Annotated[
        Path | None, typer.Option(help="Rasa model (default: the one matching the inputs).")
    ] = None,
    url: Annotated[
        str | None, typer.Option(help="Also time chat turns through the app at this URL.")
    ] = None,
    turns: Annotated[int, typer.Option(min=5, max=10_000)] = 50,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Intent accuracy and macro-F1 per language on the held-out split, out-of-scope recall,
    and (with --url) chat-turn latency through the gateway."""
    from deskmate.bench import run_chat_bench
    from deskmate.bench_nlu import run_nlu_bench
    from deskmate.rasa_model import train_if_needed

    try:
        if model is None:
            model, _ = train_if_needed(log_file=get_settings().log_dir / "rasa-train.log")
        with console.status(f"parsing the held-out examples with {model.name}"):
            figures = run_nlu_bench(model)
        if url:
            figures["latency"] = run_chat_bench(url.rstrip("/"), turns=turns)
    except RuntimeError as exc:
        raise fail(str(exc)) from exc
    if as_json:
        typer.echo(json.dumps(figures, indent=2, ensure_ascii=False))
        return
    table = Table(title=f"intents on the held-out split ({model.name})")
    for column in ("lang", "n", "accuracy", "macro-F1"):
        table.add_column(column, justify="right")
    for row in figures["languages"]:  # type: ignore[attr-defined]
        table.add_row(
            row["language"], str(row["n"]), f"{row['accuracy']:.1%}", f"{row['macro_f1']:.3f}"
        )
    console.print(table)
    console.print(
        f"out-of-scope recall: {figures['out_of_scope_recall']:.1%} (n={figures['out_of_scope_n']})"
    )
    for confusion, count in figures["confusions"]:  # type: ignore[attr-defined]
        console.print(f"  {count} × {confusion}")
    for row in figures.get("latency", []):  # type: ignore[attr-defined]
        console.print(
            f"chat turn '{row['turn']}': p50 {row['p50_ms']:.1f} ms, p95 {row['p95_ms']:.1f} ms "
            f"(n={row['n']})"
        )


@bench_app.command("answers")
def bench_answers(as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """Answer thresholds against the labelled questions: right, wrong and off-topic answers."""
    from deskmate.bench_answers import evaluate, threshold_table

    settings = get_settings()
    with console.status("indexing the demo articles and asking the labelled questions"):
        rows = threshold_table(evaluate(settings))
    if as_json:
        typer.echo(json.dumps(rows, indent=2))
        return
    current = {"en": settings.answer_threshold_en, "zh": settings.answer_threshold_zh}
    table = Table(title="answer thresholds (current ones marked *)")
    for column in (
        "lang",
        "threshold",
        "answered right",
        "answered wrong",
        "off-topic answered",
        "R@1",
        "R@5",
    ):
        table.add_column(column, justify="right")
    for row in rows:
        mark = (
            "*" if abs(float(str(row["threshold"])) - current[str(row["language"])]) < 1e-9 else ""
        )
        table.add_row(
            str(row["language"]),
            f"{row['threshold']:.2f}{mark}",
            f"{row['answered_right']}/{row['answerable']}",
            str(row["answered_wrong"]),
            f"{row['off_topic_answered']}/{row['off_topic']}",
            f"{row['recall_at_1']}/{row['answerable']}",
            f"{row['recall_at_5']}/{row['answerable']}",
        )
    console.print(table)


@bench_app.command("kb")
def bench_kb(
    questions: Annotated[
        list[Path] | None,
        typer.Option(
            "--questions", exists=True, dir_okay=False, help="Question file(s) (JSONL); repeatable."
        ),
    ] = None,
    articles: Annotated[
        Path | None, typer.Option(exists=True, dir_okay=False, help="Articles (JSONL).")
    ] = None,
    scale: Annotated[
        str, typer.Option(help="Synthetic chunk counts for the scale run ('' to skip).")
    ] = "10000,100000,1000000",
    scale_embedder: Annotated[
        str | None,
        typer.Option(help="Embedder for the scale run: minilm or use (default: embedder_en)."),
    ] = None,
    scale_parts: Annotated[
        str,
        typer.Option(
            help="What the scale run measures: index (exact vs IVF, float vs int8 query model), "
            "path (the full production query path per stage), or both."
        ),
    ] = "index,path",
    quality: Annotated[
        bool, typer.Option(help="Measure retrieval quality on the labelled questions.")
    ] = True,
    twins: Annotated[
        bool,
        typer.Option(
            help="Accept an expected article's twin in the other language "
            "(tests/knowledge/eval/twins.json); --no-twins scores the labels as written."
        ),
    ] = True,
    previous: Annotated[
        str | None,
        typer.Option(
            "--scale-previous",
            help="A git revision: the path run also times that revision's BM25 lanes and "
            "fusion on the same built indexes, in the same loop ('previous' rows).",
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Recall@1/@5 and MRR of BM25, dense and fused rankings; latency; the scale run."""
    from deskmate.bench_kb_report import run_bench_kb
    from deskmate.errors import DeskmateError

    try:
        sizes = [int(part) for part in scale.split(",") if part.strip()]
    except ValueError as exc:
        raise fail(f"--scale takes comma-separated chunk counts, not {scale!r}") from exc
    if scale_embedder not in (None, "minilm", "use"):
        raise fail("--scale-embedder is minilm or use")
    if any(size < 100 for size in sizes):
        raise fail("--scale sizes must be at least 100 chunks")
    parts = [part.strip() for part in scale_parts.split(",") if part.strip()]
    if not parts or set(parts) - {"index", "path"}:
        raise fail("--scale-parts takes index, path or both (comma-separated)")
    try:
        run_bench_kb(
            get_settings(),
            console=console,
            questions=questions,
            articles=articles,
            sizes=sizes,
            as_json=as_json,
            scale_embedder=scale_embedder,
            parts=parts,
            quality=quality,
            twins=twins,
            previous=previous,
        )
    except DeskmateError as exc:
        raise fail(exc.detail) from exc
