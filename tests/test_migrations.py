from __future__ import annotations

import pytest
from sqlalchemy import create_engine, inspect

from deskmate import migrate
from deskmate.models import Base


def _roundtrip(url: str) -> None:
    migrate.upgrade(url)
    engine = create_engine(url)
    try:
        tables = set(inspect(engine).get_table_names())
        assert set(Base.metadata.tables) <= tables
        migrate.downgrade(url, "base")
        assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
        migrate.upgrade(url)
        assert set(Base.metadata.tables) <= set(inspect(engine).get_table_names())
        assert migrate.current(url) is not None
    finally:
        engine.dispose()


def test_upgrade_downgrade_upgrade_on_sqlite(tmp_path) -> None:  # type: ignore[no-untyped-def]
    _roundtrip(f"sqlite:///{tmp_path / 'm.db'}")


@pytest.mark.postgres
def test_upgrade_downgrade_upgrade_on_postgresql(postgres_url: str) -> None:
    # A database of its own, so the shared test schema is left alone.
    from sqlalchemy import text

    name = postgres_url.rsplit("/", 1)[1] + "_mig"
    admin = create_engine(postgres_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = postgres_url.rsplit("/", 1)[0] + f"/{name}"
    try:
        _roundtrip(url)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def test_models_and_migrations_agree(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """A model change without a migration fails here (Alembic finds nothing to autogenerate)."""
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    url = f"sqlite:///{tmp_path / 'cmp.db'}"
    migrate.upgrade(url)
    engine = create_engine(url)
    with engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    engine.dispose()
    assert diff == []
