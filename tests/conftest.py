"""Shared fixtures: databases (SQLite always, PostgreSQL when reachable, required on CI)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import Session, sessionmaker

from deskmate import migrate
from deskmate.db import make_engine
from knowledge.embedding import Embedder, load_embedder

pytest_plugins = ["tests.stack"]

POSTGRES_ADMIN_URL = os.environ.get(
    "DESKMATE_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
REDIS_URL = os.environ.get("DESKMATE_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
ON_CI = os.environ.get("CI", "").lower() == "true"


def _postgres_reachable() -> bool:
    try:
        engine = create_engine(POSTGRES_ADMIN_URL, connect_args={"connect_timeout": 3})
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        engine.dispose()
        return True
    except Exception:
        return False


def _redis_reachable() -> bool:
    try:
        import redis

        return bool(redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping())
    except Exception:
        return False


def service_unavailable(name: str) -> None:
    """Skip locally when a server is missing; on CI a missing server is a failure."""
    if ON_CI:
        pytest.fail(f"{name} is not reachable, and CI must run its tests", pytrace=False)
    pytest.skip(f"{name} is not reachable")


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A fresh database for this test run, dropped at the end."""
    if not _postgres_reachable():
        service_unavailable("PostgreSQL")
    name = f"deskmate_test_{uuid.uuid4().hex[:8]}"
    admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = POSTGRES_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    try:
        yield url
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="session")
def redis_url() -> str:
    if not _redis_reachable():
        service_unavailable("Redis")
    return REDIS_URL


@pytest.fixture(scope="session")
def sqlite_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'deskmate.db'}"


@pytest.fixture(
    scope="session", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def migrated_engine(request: pytest.FixtureRequest) -> Iterator[Engine]:
    """The schema as the Alembic migrations build it, on each database."""
    url = request.getfixturevalue("sqlite_url" if request.param == "sqlite" else "postgres_url")
    migrate.upgrade(url)
    engine = make_engine(url)
    yield engine
    engine.dispose()


@pytest.fixture(autouse=True)
def _fresh_process_caches() -> Iterator[None]:
    """Tests roll their transactions back behind the per-process caches (deskmate/cache.py):
    start and end every test with them empty."""
    from deskmate.cache import clear_all

    clear_all()
    yield
    clear_all()


@pytest.fixture
def connection(migrated_engine: Engine) -> Iterator[Connection]:
    with migrated_engine.connect() as connection:
        transaction = connection.begin()
        yield connection
        transaction.rollback()


@pytest.fixture
def session_factory(connection: Connection) -> sessionmaker[Session]:
    """Sessions bound to the test's transaction: their commits become savepoints, rolled back."""
    return sessionmaker(
        bind=connection, expire_on_commit=False, join_transaction_mode="create_savepoint"
    )


@pytest.fixture
def session(session_factory: sessionmaker[Session]) -> Iterator[Session]:
    with session_factory() as session:
        yield session


@pytest.fixture(scope="session")
def embedder() -> Embedder:
    """The real packaged MiniLM model, loaded once per run."""
    return load_embedder("minilm", threads=1)


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    path = tmp_path / "data"
    path.mkdir()
    return path


@pytest.fixture
def signed_app(
    data_dir: Path, session_factory: sessionmaker[Session], embedder: Embedder
) -> TestClient:
    """The app with web chat identity signing switched on (DESKMATE_WIDGET_IDENTITY_SECRET)."""
    from tests.apps import WIDGET_SECRET, client_for, make_app

    app = make_app(
        data_dir=data_dir,
        session_factory=session_factory,
        embedder=embedder,
        widget_identity_secret=WIDGET_SECRET,
    )
    return client_for(app)
