"""The ``deskmate`` command line."""

from __future__ import annotations

import json
import logging
import uuid
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.progress import TaskID
from rich.table import Table

from deskmate.cli_bench import bench_app
from deskmate.cli_kit import console, err, fail, session_factory
from deskmate.settings import get_settings

if TYPE_CHECKING:
    from deskmate.auth.models import Role

app = typer.Typer(help="Deskmate: a conversational service desk.", no_args_is_help=True)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
kb_app = typer.Typer(help="Knowledge base.", no_args_is_help=True)
token_app = typer.Typer(help="API tokens.", no_args_is_help=True)
user_app = typer.Typer(help="Console users (password sign-in).", no_args_is_help=True)
customer_app = typer.Typer(help="A customer's personal data: export, erase.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(kb_app, name="kb")
app.add_typer(token_app, name="token")
app.add_typer(bench_app, name="bench")
app.add_typer(user_app, name="user")
app.add_typer(customer_app, name="customer")


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
        raise fail(str(exc)) from exc
    if print_path:
        typer.echo(str(model))
    else:
        console.print(f"{'trained' if trained else 'up to date'}: {model}")


@app.command()
def worker(
    interval: Annotated[float, typer.Option(min=0.5, help="Seconds between rounds.")] = 15.0,
    once: Annotated[bool, typer.Option("--once", help="Run one round and exit.")] = False,
) -> None:
    """Run the worker: SLA sweeps (warnings, escalations), webhook deliveries and knowledge
    follow-ups (abandoned searches, deflections, tickets after an answer)."""
    import threading

    from deskmate import worker as worker_module

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    factory = session_factory()
    settings = get_settings()
    windows = {
        "followup_minutes": settings.kb_followup_minutes,
        "stale_days": settings.kb_stale_days,
    }
    if once:
        done = worker_module.run_once(factory, **windows)
        console.print(
            f"SLA: {done.sla.checked} checked, {done.sla.warnings} warnings, "
            f"{done.sla.breaches} breaches, {done.sla.escalations} escalations; "
            f"webhooks: {done.webhooks.delivered} delivered, "
            f"{done.webhooks.failed_attempts} failed attempts; "
            f"searches: {done.followups.settled} settled"
        )
        return
    stop = threading.Event()
    try:
        worker_module.run_forever(factory, interval=interval, stop=stop, **windows)
    except KeyboardInterrupt:
        stop.set()


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

    with session_scope(session_factory()) as session:
        if not force and not demo.is_new(session):
            console.print("the database already has data; nothing loaded (use --force to add)")
            return
        teams, agents = demo.seed_org(session)
        experts = demo.seed_experts(session)
        report = demo.seed_articles(session)
    console.print(f"loaded {teams} teams, {agents} agents; articles: {report.model_dump()}")
    console.print(f"loaded {experts} experts")
    _reindex()


def _reindex() -> int:
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

    from deskmate.db import session_scope
    from knowledge.retrieval import LanguageRouter

    router = LanguageRouter.from_settings(get_settings())
    counts: list[int] = []
    with (
        session_scope(session_factory()) as session,
        Progress(
            "[progress.description]{task.description}",
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=console,
        ) as progress,
    ):
        for retriever in router.distinct():
            task = progress.add_task(f"embedding chunks ({retriever.model_name})", total=None)

            def advance(done: int, total: int, task: TaskID = task) -> None:
                progress.update(task, completed=done, total=total)

            counts.append(retriever.rebuild(session, progress=advance))
        router.lexical.sync(session, token=router.version())
    count = max(counts, default=0)
    kinds = ", ".join(
        f"{r.model_name}: {meta.kind}" for r in router.distinct() if (meta := r.index.read_meta())
    )
    console.print(f"knowledge index: {count} chunks ({kinds})")
    return count


@kb_app.command("import")
def kb_import(
    path: Annotated[Path, typer.Argument(exists=True, readable=True)],
    publish: Annotated[
        bool, typer.Option("--publish", help="Publish the articles at once.")
    ] = False,
    fmt: Annotated[
        str | None,
        typer.Option("--format", help="jsonl, csv or md (default: from each file's suffix)."),
    ] = None,
) -> None:
    """Import articles from a Markdown/JSONL/CSV file or a directory of them.

    Re-importing an external_id updates that article. Every file is checked first: if any row
    is bad, the problems are listed with file and line, and nothing is imported.
    """
    from rich.progress import Progress

    from deskmate.db import session_scope
    from deskmate.errors import DeskmateError
    from knowledge import importing

    if fmt is not None and fmt not in importing.PARSERS:
        raise fail(f"unknown format {fmt!r}; choose jsonl, csv or md")
    try:
        items = importing.parse_path(path, fmt=fmt)
        with (
            Progress(console=console, transient=True) as progress,
            session_scope(session_factory()) as session,
        ):
            task = progress.add_task(f"importing {path.name}", total=len(items))
            report = importing.write_articles(
                session,
                items,
                publish_now=publish,
                author="cli",
                progress=lambda n: progress.advance(task, n),
            )
    except importing.ImportErrors as exc:
        for problem in exc.problems:
            err.print(f"[red]error:[/red] {problem}", highlight=False)
        raise fail(f"{len(exc.problems)} problem(s) found; nothing was imported") from exc
    except DeskmateError as exc:
        raise fail(f"{exc.detail}; nothing was imported") from exc
    console.print(f"imported {path}: {report.model_dump()}")
    if publish or report.updated:  # an update of a published article changes what is served
        _reindex()


@kb_app.command("export")
def kb_export(
    path: Annotated[Path, typer.Argument(help="A file (jsonl, csv) or a directory (md).")],
    fmt: Annotated[str, typer.Option("--format", help="jsonl, csv or md.")] = "jsonl",
    status: Annotated[
        list[str] | None, typer.Option(help="Only these statuses (repeatable).")
    ] = None,
) -> None:
    """Export articles in a format `kb import` reads back unchanged."""
    from rich.progress import Progress

    from deskmate.db import session_scope
    from deskmate.errors import DeskmateError
    from knowledge import exporting

    if fmt not in ("jsonl", "csv", "md"):
        raise fail(f"unknown format {fmt!r}; choose jsonl, csv or md")
    try:
        with (
            Progress(console=console, transient=True) as progress,
            session_scope(session_factory()) as session,
        ):
            task = progress.add_task(f"exporting to {path.name}", total=None)
            count = exporting.export_articles(
                session,
                path=path,
                fmt=fmt,  # type: ignore[arg-type]
                statuses=status,
                progress=lambda n: progress.advance(task, n),
            )
    except DeskmateError as exc:
        raise fail(exc.detail) from exc
    console.print(f"exported {count} articles to {path}")


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
        raise fail("no knowledge index yet: run `deskmate kb reindex` (or `deskmate up`)")
    try:
        with session_scope(session_factory()) as session:
            result = service.search(
                session,
                router=router,
                query=query,
                k=k,
                public_url=settings.resolved_public_url,
                clarify_band=settings.answer_clarify_band,
                margin=settings.answer_margin,
                stale_days=settings.kb_stale_days,
            )
    except DeskmateError as exc:
        raise fail(exc.detail) from exc
    if as_json:
        typer.echo(result.model_dump_json(indent=2))
        return
    table = Table(title=f"{result.decision}: {result.query}")
    for column in ("#", "score", "title", "language", "id"):
        table.add_column(column)
    for rank, hit in enumerate(result.results, start=1):
        table.add_row(str(rank), f"{hit.score:.3f}", hit.title, hit.language, str(hit.article_id))
    console.print(table)


def _role(value: str) -> Role:
    from deskmate.auth.models import Role

    try:
        return Role(value)
    except ValueError as exc:
        raise fail(
            f"unknown role {value!r}; choose one of {', '.join(r.value for r in Role)}"
        ) from exc


@kb_app.command("settle")
def kb_settle() -> None:
    """Settle what followed each answer once the follow-up window has passed (run it from cron):
    no follow-up is "abandoned", an answer with no ticket is a deflection; refresh staleness."""
    from deskmate.db import session_scope
    from knowledge import feedback

    settings = get_settings()
    with session_scope(session_factory()) as session:
        report = feedback.settle(
            session, window_minutes=settings.kb_followup_minutes, stale_days=settings.kb_stale_days
        )
        stale = feedback.refresh_staleness(session, stale_days=settings.kb_stale_days)
    console.print(
        f"settled {report.settled} searches: {report.abandoned} abandoned, "
        f"{report.deflected} deflections; staleness changed for {stale} articles"
    )


@kb_app.command("gaps")
def kb_gaps(
    limit: Annotated[int, typer.Option(min=1, max=100)] = 20,
) -> None:
    """Group new unanswered, unclear or unhelpful queries into gaps; list open gaps by volume."""
    from deskmate.db import session_scope
    from knowledge import gaps
    from knowledge.models import GapStatus
    from knowledge.retrieval import LanguageRouter

    router = LanguageRouter.from_settings(get_settings())
    with session_scope(session_factory()) as session:
        report = gaps.refresh_gaps(session, embedder=gaps.gap_embedder(router))
        rows, total = gaps.list_gaps(session, status=GapStatus.OPEN, offset=0, limit=limit)
        table = Table(title=f"{total} open gaps ({report.queries} new queries grouped)")
        for column in ("volume", "label", "examples", "id"):
            table.add_column(column)
        for gap in rows:
            table.add_row(str(gap.volume), gap.label, " | ".join(gap.examples[1:3]), str(gap.id))
    console.print(table)


@token_app.command("create")
def token_create(
    role: Annotated[
        str, typer.Option(help="agent, expert, knowledge_manager, supervisor, admin, integration")
    ],
    name: Annotated[str, typer.Option(help="Who or what the token is for.")] = "cli",
) -> None:
    """Create an API token and print it (it is shown only once)."""
    from deskmate.auth.service import create_token
    from deskmate.db import session_scope

    chosen = _role(role)
    with session_scope(session_factory()) as session:
        token = create_token(session, role=chosen, name=name)
    typer.echo(token)


@user_app.command("create")
def user_create(
    email: Annotated[str, typer.Option(help="Sign-in e-mail address.")],
    name: Annotated[str, typer.Option(help="Full name.")],
    role: Annotated[
        str, typer.Option(help="agent, expert, knowledge_manager, supervisor or admin")
    ],
) -> None:
    """Create a console user; the password comes from DESKMATE_USER_PASSWORD or a prompt."""
    import os

    from deskmate.auth.users import create_user
    from deskmate.db import session_scope
    from deskmate.errors import DeskmateError

    chosen = _role(role)
    password = os.environ.get("DESKMATE_USER_PASSWORD") or typer.prompt(
        "Password", hide_input=True, confirmation_prompt=True
    )
    try:
        with session_scope(session_factory()) as session:
            user = create_user(session, email=email, name=name, role=chosen, password=password)
    except DeskmateError as exc:
        raise fail(exc.detail) from exc
    console.print(f"user {user.email} ({user.role}) created")


def _on_customer(customer_id: str, *, erase: bool) -> Any:
    """Export (or erase) one customer in one transaction, across every personal-data source."""
    from deskmate.db import session_scope
    from deskmate.errors import DeskmateError
    from deskmate.privacy import service
    from deskmate.privacy.registry import sources_for

    try:
        chosen = uuid.UUID(customer_id)
    except ValueError as exc:
        raise fail(f"{customer_id!r} is not a customer id (a UUID)") from exc
    work = service.erase_customer if erase else service.export_customer
    try:
        with session_scope(session_factory()) as session:
            return work(session, customer_id=chosen, sources=sources_for(get_settings()))
    except DeskmateError as exc:
        raise fail(exc.detail) from exc


@customer_app.command("export")
def customer_export(
    customer_id: str,
    out: Annotated[
        Path | None, typer.Option(help="Write the JSON document here (default: print it).")
    ] = None,
) -> None:
    """Everything held about a customer, as one JSON document."""
    text = json.dumps(_on_customer(customer_id, erase=False), indent=2, ensure_ascii=False)
    if out is None:
        typer.echo(text)
        return
    out.touch(mode=0o600)
    out.write_text(text + "\n", encoding="utf-8")
    console.print(f"exported customer {customer_id} to {out}")


@customer_app.command("erase")
def customer_erase(
    customer_id: str,
    yes: Annotated[bool, typer.Option("--yes", help="Confirm: erasure cannot be undone.")] = False,
) -> None:
    """Erase a customer: personal data removed or anonymised everywhere, Rasa events included."""
    if not yes:
        raise fail("erasure cannot be undone: add --yes to confirm")
    console.print(f"erased customer {customer_id}: {_on_customer(customer_id, erase=True)}")


def main() -> None:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    app()


if __name__ == "__main__":
    main()
