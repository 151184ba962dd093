from __future__ import annotations

import json
import sqlite3
import uuid
from pathlib import Path

from deskmate.db import make_engine, make_session_factory
from tests.privacy.factories import (
    SUBJECT,
    add_rasa_events,
    give_data_everywhere,
    make_rasa_tracker,
)
from tests.test_cli import deskmate


def test_export_and_erase_from_the_command_line(tmp_path: Path) -> None:
    data = tmp_path / "data"
    assert deskmate(data, "db", "upgrade").returncode == 0
    engine = make_engine(f"sqlite:///{data / 'deskmate.db'}")
    with make_session_factory(engine)() as session:
        customer_id = str(give_data_everywhere(session, SUBJECT).id)
        session.commit()
    engine.dispose()
    tracker = data / "rasa-tracker.db"  # where `deskmate up` points Rasa by default
    make_rasa_tracker(tracker)
    add_rasa_events(tracker, SUBJECT)

    out = tmp_path / "export.json"
    exported = deskmate(data, "customer", "export", customer_id, "--out", str(out))
    assert exported.returncode == 0, exported.stderr
    document = json.loads(out.read_text(encoding="utf-8"))
    assert document["customer"][0]["name"] == SUBJECT.name and len(document["rasa_events"]) == 3
    assert out.stat().st_mode & 0o777 == 0o600

    unconfirmed = deskmate(data, "customer", "erase", customer_id)
    assert unconfirmed.returncode == 1 and "--yes" in unconfirmed.stderr
    erased = deskmate(data, "customer", "erase", customer_id, "--yes")
    assert erased.returncode == 0, erased.stderr
    assert "'rasa_events': 3" in erased.stdout
    with sqlite3.connect(tracker) as db:
        assert db.execute("SELECT count(*) FROM events").fetchone() == (0,)
    with sqlite3.connect(data / "deskmate.db") as db:
        audit = "SELECT actor, actor_role FROM audit_log WHERE action = 'customer.erase'"
        assert db.execute(audit).fetchall() == [("system:cli", "system")]
    after = json.loads(deskmate(data, "customer", "export", customer_id).stdout)
    assert SUBJECT.name not in json.dumps(after) and after["chat"] == []

    missing = deskmate(data, "customer", "erase", str(uuid.uuid4()), "--yes")
    assert missing.returncode == 1 and "No customer" in missing.stderr
    malformed = deskmate(data, "customer", "export", "bob")
    assert malformed.returncode == 1 and "not a customer id" in malformed.stderr
