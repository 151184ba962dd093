"""The SLA sweep job: batches of tickets, each batch its own transaction."""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy.orm import Session, sessionmaker

from deskmate.db import utcnow
from ticketing.sla.service import SweepResult, load_policies, sweep_batch

logger = logging.getLogger(__name__)


def sweep(
    session_factory: sessionmaker[Session], *, now: datetime | None = None, batch_size: int = 200
) -> SweepResult:
    result = SweepResult()
    after = 0
    while True:
        with session_factory() as session:
            policies = load_policies(session)
            if not policies:
                return result
            last = sweep_batch(
                session,
                after_number=after,
                batch_size=batch_size,
                now=now or utcnow(),
                policies=policies,
                result=result,
            )
            session.commit()
        if last is None:
            break
        after = last
    if result.warnings or result.breaches or result.escalations:
        logger.info(
            "SLA sweep: %d checked, %d warnings, %d breaches, %d escalations",
            result.checked,
            result.warnings,
            result.breaches,
            result.escalations,
        )
    return result
