"""``deskmate up``: prepare everything, then run the action server, Rasa and the app together."""

from __future__ import annotations

import signal
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

from rich.console import Console

from deskmate import migrate
from deskmate import seed as demo
from deskmate.auth.models import Role
from deskmate.auth.service import authenticate, create_token
from deskmate.db import get_engine, make_session_factory, session_scope
from deskmate.errors import NotAuthenticated
from deskmate.rasa_model import RASA_BIN, model_path, train_if_needed
from deskmate.settings import Settings
from deskmate.stack import (
    ManagedProcess,
    StartupError,
    actions_process,
    app_process,
    rasa_process,
    wait_http,
)
from knowledge.retrieval import LanguageRouter

T = TypeVar("T")
RASA_START_TIMEOUT = 300.0


@contextmanager
def _step(console: Console, title: str) -> Iterator[None]:
    started = time.monotonic()
    with console.status(f"{title}…"):
        yield
    console.print(f"[green]✓[/green] {title} [dim]({time.monotonic() - started:.1f}s)[/dim]")


def _timed(console: Console, title: str, work: Callable[[], T]) -> T:
    with _step(console, title):
        return work()


def _port_free(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError:
            return False
    return True


def ensure_service_token(settings: Settings) -> str:
    """The action server's token, kept in the data directory and re-created if the DB lost it."""
    path = settings.data_dir / "actions.token"
    factory = make_session_factory(get_engine(settings.resolved_database_url))
    with session_scope(factory) as session:
        if path.exists():
            existing = path.read_text().strip()
            try:
                authenticate(session, token=existing)
                return existing
            except NotAuthenticated:
                pass
        token = create_token(session, role=Role.INTEGRATION, name="action-server")
    path.write_text(token)
    path.chmod(0o600)
    return token


def prepare(settings: Settings, console: Console, *, allow_train: bool) -> tuple[str, Path]:
    """Migrate, seed a new database, bring the index up to date, train Rasa if needed."""
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    settings.log_dir.mkdir(parents=True, exist_ok=True)
    url = settings.resolved_database_url
    _timed(console, "database migrated", lambda: migrate.upgrade(url))
    factory = make_session_factory(get_engine(url))
    with session_scope(factory) as session:
        new = demo.is_new(session)
    if new:
        with _step(console, "demo data loaded (Lumora Home)"), session_scope(factory) as session:
            demo.seed_org(session)
            demo.seed_experts(session)
            demo.seed_articles(session)
    token = ensure_service_token(settings)
    retriever = LanguageRouter.from_settings(settings)
    with session_scope(factory) as session:
        current = retriever.is_current(session)
    if current:
        console.print("[green]✓[/green] knowledge index is up to date")
    else:
        with _step(console, "knowledge index built"), session_scope(factory) as session:
            retriever.rebuild(session)
    if not RASA_BIN.exists():
        raise StartupError(
            f"{RASA_BIN} is missing: run `make setup` to create the Rasa environment"
        )
    log = settings.log_dir / "rasa-train.log"
    up_to_date = model_path().exists()
    if not up_to_date and not allow_train:
        raise StartupError("the Rasa model is out of date and --no-train was given")
    title = "Rasa model ready" if up_to_date else f"Rasa model trained (log: {log})"
    model, _trained = _timed(console, title, lambda: train_if_needed(log_file=log))
    return token, model


def start_worker(settings: Settings) -> tuple[threading.Thread, threading.Event]:
    """The embedded worker (SLA sweeps, webhooks, follow-ups) as a thread of the launcher."""
    from deskmate.db import get_engine, make_session_factory
    from deskmate.worker import start_thread

    return start_thread(
        make_session_factory(get_engine(settings.resolved_database_url)),
        followup_minutes=settings.kb_followup_minutes,
        stale_days=settings.kb_stale_days,
    )


def run_up(settings: Settings, *, console: Console, allow_train: bool = True) -> int:
    started = time.monotonic()
    for name, port in (
        ("app", settings.port),
        ("Rasa", settings.rasa_port),
        ("action server", settings.actions_port),
    ):
        if not _port_free("127.0.0.1" if name != "app" else settings.host, port):
            console.print(f"[red]error:[/red] port {port} for the {name} is in use")
            return 1
    try:
        token, model = prepare(settings, console, allow_train=allow_train)
    except (StartupError, RuntimeError) as exc:
        console.print(f"[red]error:[/red] {exc}")
        return 1
    processes: list[ManagedProcess] = [
        actions_process(settings, api_token=token),
        rasa_process(settings, model=model),
        app_process(settings),
    ]
    actions, rasa, app = processes

    worker_stop = threading.Event()  # replaced by the worker thread's own event once it runs

    def _request_stop(_signum: int, _frame: object) -> None:
        raise KeyboardInterrupt

    # Installed explicitly: a process started in the background by a script inherits SIGINT as
    # ignored, and then Python would never raise KeyboardInterrupt for Ctrl-C.
    signal.signal(signal.SIGTERM, _request_stop)
    signal.signal(signal.SIGINT, _request_stop)
    try:
        for process in processes:
            process.start()
        base = f"http://{settings.host}:{settings.port}"
        _timed(
            console,
            "action server started",
            lambda: wait_http(f"{settings.resolved_actions_url}/health", actions, timeout=60),
        )
        _timed(console, "app started", lambda: wait_http(f"{base}/healthz", app, timeout=120))
        _timed(
            console,
            "Rasa server loaded its model",
            lambda: wait_http(
                f"{settings.resolved_rasa_url}/status",
                rasa,
                timeout=RASA_START_TIMEOUT,
                ok="model_file",
            ),
        )
        _worker_thread, worker_stop = start_worker(settings)
        console.print(
            f"\n[bold green]Deskmate is running[/bold green] "
            f"(ready in {time.monotonic() - started:.0f}s)\n"
            f"  web chat:  [bold]{settings.resolved_public_url}/[/bold]\n"
            f"  API docs:  {settings.resolved_public_url}/docs\n"
            f"  logs:      {settings.log_dir}\n"
            "Press Ctrl-C to stop."
        )
        while all(p.alive for p in processes):
            time.sleep(1)
        dead = next(p for p in processes if not p.alive)
        console.print(f"[red]error:[/red] the {dead.name} stopped:\n{dead.log_tail()}")
        return 1
    except StartupError as exc:
        console.print(f"[red]error:[/red] {exc}")
        return 1
    except KeyboardInterrupt:
        console.print("\nstopping…")
        return 0
    finally:
        worker_stop.set()
        for process in reversed(processes):
            process.stop()
        console.print("stopped all Deskmate processes")
