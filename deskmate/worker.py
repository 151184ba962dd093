"""The worker: SLA sweeps, webhook deliveries and knowledge follow-ups, on a fixed interval.

Several replicas are safe on PostgreSQL (both jobs claim rows with FOR UPDATE SKIP LOCKED). In
the embedded default (`deskmate up`, SQLite) one worker runs as a thread of the launcher.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from deskmate.settings import Settings
from knowledge.feedback import SettleReport
from knowledge.tasks import settle_followups
from ticketing.sla.service import SweepResult
from ticketing.sla.tasks import sweep
from ticketing.webhooks.tasks import DeliveryResult, deliver_due

logger = logging.getLogger(__name__)


FOLLOWUP_MINUTES: int = Settings.model_fields["kb_followup_minutes"].default
STALE_DAYS: int = Settings.model_fields["kb_stale_days"].default


@dataclass
class Round:
    sla: SweepResult
    webhooks: DeliveryResult
    followups: SettleReport


def run_once(
    session_factory: sessionmaker[Session],
    *,
    followup_minutes: int = FOLLOWUP_MINUTES,
    stale_days: int = STALE_DAYS,
) -> Round:
    return Round(
        sla=sweep(session_factory),
        webhooks=deliver_due(session_factory),
        followups=settle_followups(
            session_factory, window_minutes=followup_minutes, stale_days=stale_days
        ),
    )


def run_forever(
    session_factory: sessionmaker[Session],
    *,
    interval: float,
    stop: threading.Event,
    followup_minutes: int = FOLLOWUP_MINUTES,
    stale_days: int = STALE_DAYS,
) -> None:
    """Run a round every ``interval`` seconds until ``stop`` is set.

    A database outage must not end the worker: the round is logged and retried next time.
    """
    while not stop.is_set():
        try:
            run_once(session_factory, followup_minutes=followup_minutes, stale_days=stale_days)
        except SQLAlchemyError:
            logger.exception("worker round failed; retrying in %.0f s", interval)
        stop.wait(interval)


def start_thread(
    session_factory: sessionmaker[Session],
    *,
    interval: float = 15.0,
    followup_minutes: int = FOLLOWUP_MINUTES,
    stale_days: int = STALE_DAYS,
) -> tuple[threading.Thread, threading.Event]:
    stop = threading.Event()
    thread = threading.Thread(
        target=run_forever,
        args=(session_factory,),
        kwargs={
            "interval": interval,
            "stop": stop,
            "followup_minutes": followup_minutes,
            "stale_days": stale_days,
        },
        name="deskmate-worker",
        daemon=True,
    )
    thread.start()
    return thread, stop
