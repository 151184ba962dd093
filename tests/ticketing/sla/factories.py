from __future__ import annotations

import threading
from datetime import datetime
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from tests.ticketing.factories import open_ticket
from ticketing.models import Ticket
from ticketing.sla import tasks
from ticketing.sla.models import SlaPolicy
from ticketing.sla.service import SweepResult, load_policies, sweep_batch


def add_policy(session: Session, **overrides: Any) -> SlaPolicy:
    data: dict[str, Any] = {
        "name": "default",
        "first_response_minutes": 60,
        "next_response_minutes": 30,
        "resolution_minutes": 480,
        "warn_before_minutes": 15,
        "supervisor_after_minutes": 60,
    }
    data.update(overrides)
    policy = SlaPolicy(**data)
    session.add(policy)
    session.flush()
    return policy


def sweep_once(session: Session, now: datetime) -> SweepResult:
    """One sweep over every open ticket, in the test's session."""
    result = SweepResult()
    sweep_batch(
        session,
        after_number=0,
        batch_size=100,
        now=now,
        policies=load_policies(session),
        result=result,
    )
    return result


def concurrent_sweeps(
    factory: sessionmaker[Session], *, now: datetime, batch_size: int, sweepers: int = 2
) -> list[SweepResult]:
    """Whole sweeps started at the same moment from several threads (as worker replicas)."""
    start = threading.Barrier(sweepers)
    results: list[SweepResult] = []

    def sweeper() -> None:
        start.wait()
        results.append(tasks.sweep(factory, now=now, batch_size=batch_size))

    threads = [threading.Thread(target=sweeper) for _ in range(sweepers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert len(results) == sweepers, "a sweeper did not finish"
    return results


def committed_open_tickets(factory: sessionmaker[Session], count: int) -> datetime:
    """A default policy and ``count`` committed open tickets (PostgreSQL only: the tests that
    use them run sweepers side by side); returns when the last one was opened."""
    with factory() as session:
        if session.get_bind().dialect.name != "postgresql":
            pytest.skip("several sweepers at once need PostgreSQL (SKIP LOCKED)")
        add_policy(session)
        for i in range(count):
            open_ticket(session, description=f"ticket {i}")
        session.commit()
        return max(session.scalars(select(Ticket.created_at)))
