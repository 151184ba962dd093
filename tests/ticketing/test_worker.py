from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from deskmate import worker
from tests.test_cli import deskmate
from tests.ticketing.factories import open_ticket
from tests.ticketing.sla.factories import add_policy
from ticketing.models import TicketEvent
from ticketing.webhooks.models import WebhookDelivery, WebhookSubscription


def test_a_round_sweeps_sla_and_sends_webhooks(session_factory: sessionmaker[Session]) -> None:
    with session_factory() as session:
        add_policy(session)
        session.add(
            WebhookSubscription(
                name="down", url="http://127.0.0.1:9/", secret="x" * 16, event_kinds=["sla.*"]
            )
        )
        ticket = open_ticket(session)
        for event in ticket.events:  # as if it had been opened two hours ago
            event.created_at -= timedelta(hours=2)
        session.commit()
    done = worker.run_once(session_factory)
    assert done.sla.breaches == 1 and done.sla.escalations == 1
    assert done.webhooks.failed_attempts == 2  # the two SLA events; nothing listens on port 9
    with session_factory() as session:
        kinds = set(session.scalars(select(TicketEvent.kind)))
        assert {"sla.breached", "sla.escalated"} <= kinds
        assert {d.kind for d in session.scalars(select(WebhookDelivery))} == {
            "sla.breached",
            "sla.escalated",
        }


def test_worker_command_runs_a_round(tmp_path: Path) -> None:
    data = tmp_path / "data"
    assert deskmate(data, "db", "upgrade").returncode == 0
    result = deskmate(data, "worker", "--once")
    assert result.returncode == 0, result.stderr
    assert "SLA: 0 checked" in result.stdout and "webhooks: 0 delivered" in result.stdout
