"""The worker: SLA sweeps and webhook deliveries, on a fixed interval.

Several replicas are safe on PostgreSQL (both jobs claim rows with FOR UPDATE SKIP LOCKED). In
the embedded default (`deskmate up`, SQLite) one worker runs as a thread of the launcher.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from ticketing.sla.service import SweepResult
from ticketing.sla.tasks import sweep
from ticketing.webhooks.tasks import DeliveryResult, deliver_due

logger = logging.getLogger(__name__)


@dataclass
class Round:
    sla: SweepResult
    webhooks: DeliveryResult


def run_once(session_factory: sessionmaker[Session]) -> Round:
    return Round(sla=sweep(session_factory), webhooks=deliver_due(session_factory))


def run_forever(
    session_factory: sessionmaker[Session], *, interval: float, stop: threading.Event
) -> None:
    """Run a round every ``interval`` seconds until ``stop`` is set.

    A database outage must not end the worker: the round is logged and retried next time.
    """
    while not stop.is_set():
        try:
            run_once(session_factory)
        except SQLAlchemyError:
            logger.exception("worker round failed; retrying in %.0f s", interval)
        stop.wait(interval)


def start_thread(
    session_factory: sessionmaker[Session], *, interval: float = 15.0
) -> tuple[threading.Thread, threading.Event]:
    stop = threading.Event()
    thread = threading.Thread(
        target=run_forever,
        args=(session_factory,),
        kwargs={"interval": interval, "stop": stop},
        name="deskmate-worker",
        daemon=True,
    )
    thread.start()
    return thread, stop
