"""What every CLI module shares: the consoles, a session factory for jobs, and failing clearly."""

from __future__ import annotations

import typer
from rich.console import Console
from sqlalchemy.orm import Session, sessionmaker

from deskmate.settings import get_settings

console = Console()
err = Console(stderr=True)


def session_factory() -> sessionmaker[Session]:
    from deskmate import models  # noqa: F401  # every table, and the audit recorder
    from deskmate.audit.context import Actor, current_actor
    from deskmate.db import get_engine, make_session_factory

    current_actor.set(Actor(name="system:cli", role="system"))  # who the audit log names

    return make_session_factory(get_engine(get_settings().resolved_database_url))


def fail(message: str) -> typer.Exit:
    err.print(f"[red]error:[/red] {message}")
    return typer.Exit(code=1)
