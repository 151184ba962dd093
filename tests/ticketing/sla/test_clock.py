from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from ticketing.models import TicketEvent
from ticketing.sla.calendar import AlwaysOpen
from ticketing.sla.clock import Clock, clocks

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


def ev(minute: int, kind: str, **data: Any) -> TicketEvent:
    return TicketEvent(kind=kind, data=data, created_at=T0 + timedelta(minutes=minute))


def moved(minute: int, category: str) -> TicketEvent:
    return ev(minute, "status_changed", category_to=category)


def run(log: list[TicketEvent], now_minute: int) -> dict[str, Clock]:
    found = clocks(
        log,
        first_response=30,
        next_response=20,
        resolution=120,
        now=T0 + timedelta(minutes=now_minute),
        hours=AlwaysOpen(),
    )
    return {c.metric: c for c in found}


def test_clocks_pause_while_waiting_on_the_customer() -> None:
    log = [ev(0, "created"), moved(10, "waiting"), moved(70, "open")]
    result = run(log, 100)
    assert result["resolution"].elapsed_minutes == 40
    assert result["resolution"].state == "running"
    assert result["resolution"].due_at == T0 + timedelta(minutes=180)
    assert result["first_response"].state == "breached"  # 40 > 30 minutes, no reply yet
    paused = run(log[:2], 100)["resolution"]
    assert paused.state == "paused" and paused.elapsed_minutes == 10 and paused.due_at is None


def test_first_reply_stops_first_response_and_customer_messages_start_next_response() -> None:
    log = [
        ev(0, "created"),
        ev(5, "message", author_kind="note", public=False),  # a note is not a reply
        ev(12, "message", author_kind="agent", public=True),
        ev(30, "message", author_kind="customer", message_id="m2"),
        ev(31, "message", author_kind="customer", message_id="m3"),
    ]
    result = run(log, 45)
    assert (
        result["first_response"].state == "met" and result["first_response"].elapsed_minutes == 12
    )
    nxt = result["next_response"]
    assert nxt.cycle == "m2" and nxt.elapsed_minutes == 15 and nxt.state == "running"
    answered = run([*log, ev(50, "message", author_kind="agent", public=True)], 60)
    assert "next_response" not in answered


def test_resolution_stops_when_resolved_and_runs_again_when_reopened() -> None:
    log = [ev(0, "created"), moved(50, "resolved")]
    assert run(log, 500)["resolution"].state == "met"
    reopened = run([*log, moved(400, "open")], 500)["resolution"]
    assert reopened.elapsed_minutes == 150 and reopened.state == "breached"
