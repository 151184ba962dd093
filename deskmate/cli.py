"""The ``deskmate`` command line."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table
from sqlalchemy.orm import Session, sessionmaker

from deskmate.settings import get_settings

app = typer.Typer(help="Deskmate: a conversational service desk.", no_args_is_help=True)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
kb_app = typer.Typer(help="Knowledge base.", no_args_is_help=True)
token_app = typer.Typer(help="API tokens.", no_args_is_help=True)
bench_app = typer.Typer(help="Benchmarks that print figures.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(kb_app, name="kb")
app.add_typer(token_app, name="token")
app.add_typer(bench_app, name="bench")

console = Console()
err = Console(stderr=True)


def _session_factory() -> sessionmaker[Session]:
    from deskmate.db import get_engine, make_session_factory

    return make_session_factory(get_engine(get_settings().resolved_database_url))


def _fail(message: str) -> typer.Exit:
    err.print(f"[red]error:[/red] {message}")
    return typer.Exit(code=1)


@app.command()
def up(
    no_train: Annotated[
        bool, typer.Option(help="Fail instead of training a new Rasa model.")
    ] = False,
) -> None:
    """Set up (migrate, seed, index, train) and run Rasa, the action server and the app."""
    from deskmate.up import run_up

    raise typer.Exit(code=run_up(get_settings(), console=console, allow_train=not no_train))


@app.command()
def train(
    print_path: Annotated[
        bool, typer.Option("--print-path", help="Print only the model path.")
    ] = False,
) -> None:
    """Train the Rasa model if its inputs changed since the last training."""
    from deskmate.rasa_model import train_if_needed

    log = get_settings().log_dir / "rasa-train.log"
    try:
        model, trained = train_if_needed(log_file=log)
    except RuntimeError as exc:
        raise _fail(str(exc)) from exc
    if print_path:
        typer.echo(str(model))
    else:
        console.print(f"{'trained' if trained else 'up to date'}: {model}")


@db_app.command("upgrade")
def db_upgrade(revision: str = "head") -> None:
    """Apply the Alembic migrations."""
    from deskmate import migrate

    settings = get_settings()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    migrate.upgrade(settings.resolved_database_url, revision)
    console.print(f"database at revision {migrate.current(settings.resolved_database_url)}")


@db_app.command("downgrade")
def db_downgrade(revision: str) -> None:
    """Revert the Alembic migrations down to REVISION (``base`` for none)."""
    from deskmate import migrate

    migrate.downgrade(get_settings().resolved_database_url, revision)
    console.print(f"database at revision {migrate.current(get_settings().resolved_database_url)}")


@app.command()
def seed(
    force: Annotated[
        bool, typer.Option(help="Load the demo data even if the database has data.")
    ] = False,
) -> None:
    """Load the demo company (teams, agents, published articles) into a new database."""
    from deskmate import seed as demo
    from deskmate.db import session_scope

    with session_scope(_session_factory()) as session:
        if not force and not demo.is_new(session):
            console.print("the database already has data; nothing loaded (use --force to add)")
            return
        teams, agents = demo.seed_org(session)
        report = demo.seed_articles(session)
    console.print(f"loaded {teams} teams, {agents} agents; articles: {report.model_dump()}")
    _reindex()


def _reindex() -> int:
    from deskmate.db import session_scope
    from knowledge.retrieval import LanguageRouter

    retriever = LanguageRouter.from_settings(get_settings())
    with (
        session_scope(_session_factory()) as session,
        console.status("building the knowledge index"),
    ):
        count = retriever.rebuild(session)
    console.print(f"knowledge index: {count} chunks")
    return count


@kb_app.command("import")
def kb_import(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True)],
    publish: Annotated[
        bool, typer.Option("--publish", help="Publish the articles at once.")
    ] = False,
) -> None:
    """Import articles from a JSONL file; re-importing an external_id updates that article."""
    from deskmate.db import session_scope
    from deskmate.errors import DeskmateError
    from knowledge import service

    try:
        with session_scope(_session_factory()) as session:
            report = service.import_jsonl(session, path=file, publish_now=publish, author="cli")
    except DeskmateError as exc:
        raise _fail(f"{exc.detail}; nothing was imported") from exc
    console.print(f"imported {file}: {report.model_dump()}")
    if publish:
        _reindex()


@kb_app.command("reindex")
def kb_reindex() -> None:
    """Rebuild the knowledge index from the database."""
    _reindex()


@kb_app.command("search")
def kb_search(
    query: str,
    k: Annotated[int, typer.Option(min=1, max=50)] = 5,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Search the published knowledge base as the assistant does."""
    from deskmate.db import session_scope
    from deskmate.errors import DeskmateError
    from knowledge import service
    from knowledge.retrieval import LanguageRouter

    settings = get_settings()
    router = LanguageRouter.from_settings(settings)
    if not router.ready:
        raise _fail("no knowledge index yet: run `deskmate kb reindex` (or `deskmate up`)")
    try:
        with session_scope(_session_factory()) as session:
            result = service.search(
                session,
                router=router,
                query=query,
                k=k,
                public_url=settings.resolved_public_url,
            )
    except DeskmateError as exc:
        raise _fail(exc.detail) from exc
    if as_json:
        typer.echo(result.model_dump_json(indent=2))
        return
    table = Table(title=f"{result.decision}: {result.query}")
    for column in ("#", "score", "title", "language", "id"):
        table.add_column(column)
    for rank, hit in enumerate(result.results, start=1):
        table.add_row(str(rank), f"{hit.score:.3f}", hit.title, hit.language, str(hit.article_id))
    console.print(table)


@token_app.command("create")
def token_create(
    role: Annotated[
        str, typer.Option(help="agent, expert, knowledge_manager, supervisor, admin, integration")
    ],
    name: Annotated[str, typer.Option(help="Who or what the token is for.")] = "cli",
) -> None:
    """Create an API token and print it (it is shown only once)."""
    from deskmate.auth.models import Role
    from deskmate.auth.service import create_token
    from deskmate.db import session_scope

    try:
        chosen = Role(role)
    except ValueError as exc:
        raise _fail(
            f"unknown role {role!r}; choose one of {', '.join(r.value for r in Role)}"
        ) from exc
    with session_scope(_session_factory()) as session:
        token = create_token(session, role=chosen, name=name)
    typer.echo(token)


@bench_app.command("chat")
def bench_chat(
    url: Annotated[str | None, typer.Option(help="App URL (default: the configured one).")] = None,
    turns: Annotated[int, typer.Option(min=5, max=10_000)] = 50,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """p50/p95 latency of knowledge-answer and ticket-status turns through the chat gateway."""
    from deskmate.bench import run_chat_bench

    target = (url or get_settings().resolved_public_url).rstrip("/")
    try:
        rows = run_chat_bench(target, turns=turns)
    except RuntimeError as exc:
        raise _fail(str(exc)) from exc
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
        raise _fail(str(exc)) from exc
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


def main() -> None:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    app()


if __name__ == "__main__":
    main()
