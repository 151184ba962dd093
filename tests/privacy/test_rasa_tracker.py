"""Rasa's real SQL tracker store, configured by endpoints.yml as `deskmate up` configures it,
writes a conversation; erasure's tracker access finds it, exports it and deletes it."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from deskmate.privacy.rasa import RasaTrackerDatabase
from deskmate.rasa_model import RASA_BIN, rasa_env
from deskmate.stack import rasa_side_url
from tests.nlu.rasa_env import run_in_rasa_env

WRITER = Path(__file__).with_name("rasa_tracker_writer.py")
RASA_PYTHON = RASA_BIN.parent / "python"


def _write_with_rasa(url: str, sender_id: str, words: str) -> None:
    env = rasa_env(
        {
            "DESKMATE_RASA_TRACKER_URL": rasa_side_url(url),
            "DESKMATE_ACTIONS_URL": "http://127.0.0.1:9/webhook",
        }
    )
    run_in_rasa_env([str(WRITER), sender_id, words], env=env, timeout=120)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def tracker_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if not RASA_PYTHON.exists():
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"{RASA_PYTHON} is missing on CI", pytrace=False)
        pytest.skip("the Rasa environment (.venv-rasa) is not installed")
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'rasa-tracker.db'}"
        return
    base: str = request.getfixturevalue("postgres_url")
    name = base.rsplit("/", 1)[1] + "_rasa"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield base.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def test_events_written_by_rasa_are_exported_and_erased(tracker_url: str) -> None:
    _write_with_rasa(tracker_url, "conv-erase-me", "my code 99812 is broken")
    _write_with_rasa(tracker_url, "conv-keep-me", "hello")
    tracker = RasaTrackerDatabase(tracker_url)

    mine = tracker.events(frozenset({"conv-erase-me"}))
    assert [e["type_name"] for e in mine] == ["action", "user", "slot"]
    assert mine[1]["data"]["text"] == "my code 99812 is broken"
    assert mine[1]["intent_name"] == "report_fault"

    assert tracker.delete(frozenset({"conv-erase-me"})) == 3
    assert tracker.events(frozenset({"conv-erase-me"})) == []
    assert len(tracker.events(frozenset({"conv-keep-me"}))) == 3


def test_urls_for_each_side() -> None:
    app_url = "postgresql+psycopg://u:p@h:5432/db"
    assert rasa_side_url(app_url) == "postgresql://u:p@h:5432/db"
    assert RasaTrackerDatabase("postgresql://u:p@h:5432/db").url == app_url
    assert rasa_side_url("sqlite:////data/rasa-tracker.db") == "sqlite:////data/rasa-tracker.db"
