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


def every_clock(log: list[TicketEvent], now_minute: int, resolution: int = 120) -> list[Clock]:
    return clocks(
        log,
        first_response=30,
        next_response=20,
        resolution=resolution,
        now=T0 + timedelta(minutes=now_minute),
        hours=AlwaysOpen(),
    )


def run(log: list[TicketEvent], now_minute: int) -> dict[str, Clock]:
    return {c.metric: c for c in every_clock(log, now_minute)}


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
    answered = run([*log, ev(45, "message", author_kind="agent", public=True)], 60)
    assert answered["next_response"].state == "met"
    assert answered["next_response"].elapsed_minutes == 15


def test_resolution_stops_when_resolved_and_runs_again_when_reopened() -> None:
    log = [ev(0, "created"), moved(50, "resolved")]
    assert run(log, 500)["resolution"].state == "met"
    reopened = run([*log, moved(400, "open")], 500)["resolution"]
    assert reopened.elapsed_minutes == 150 and reopened.state == "breached"


def customer(minute: int, message_id: str) -> TicketEvent:
    return ev(minute, "message", author_kind="customer", message_id=message_id)


def agent(minute: int) -> TicketEvent:
    return ev(minute, "message", author_kind="agent", public=True)


def cycles(log: list[TicketEvent], now_minute: int) -> list[Clock]:
    return [c for c in every_clock(log, now_minute, 600) if c.metric == "next_response"]


LIFE = [
    ev(0, "created"),
    customer(1, "m0"),  # before the first reply: first response covers it
    agent(10),
    customer(20, "m1"),
    ev(25, "message", author_kind="note", public=False),  # a note does not answer
    ev(26, "message", author_kind="bot", public=True),  # nor does the bot
    agent(35),
    customer(50, "m2"),
    customer(52, "m3"),  # same cycle: still waiting for an answer to m2
    moved(55, "waiting"),
    moved(85, "open"),
    agent(105),
    customer(110, "m4"),
]


def test_every_customer_message_after_a_reply_starts_its_own_next_response_cycle() -> None:
    found = cycles(LIFE, 120)
    assert [(c.cycle, c.state) for c in found] == [
        ("m1", "met"),
        ("m2", "breached"),
        ("m4", "running"),
    ]
    met, late, current = found
    assert met.elapsed_minutes == 15 and met.stopped_at == T0 + timedelta(minutes=35)
    # m2: 5 minutes, paused 30 while waiting on the customer, then 20 more: 25 > 20
    assert late.elapsed_minutes == 25 and late.stopped
    assert late.due_at == T0 + timedelta(minutes=100)  # when it ran out, pause skipped
    assert current.elapsed_minutes == 10 and current.running
    assert current.due_at == T0 + timedelta(minutes=130)
    answered = cycles([*LIFE, agent(125)], 130)
    assert [c.state for c in answered] == ["met", "breached", "met"]


def test_a_cycle_pauses_on_hold_and_stops_when_the_ticket_is_resolved() -> None:
    log = [ev(0, "created"), agent(5), customer(10, "m1"), moved(15, "on_hold")]
    paused = cycles(log, 300)[0]
    assert paused.state == "paused" and paused.elapsed_minutes == 5 and paused.due_at is None
    resolved = cycles([*log, moved(300, "open"), moved(310, "resolved")], 400)[0]
    assert resolved.state == "met" and resolved.elapsed_minutes == 15
    reopened = cycles([*log, moved(300, "open"), moved(310, "resolved"), moved(390, "open")], 400)
    assert reopened[0].state == "breached" and reopened[0].elapsed_minutes == 25  # still unanswered


def test_resolution_counts_up_to_the_last_resolution_after_a_reopen() -> None:
    log = [ev(0, "created"), moved(50, "resolved"), moved(100, "open"), moved(130, "resolved")]
    result = run(log, 500)["resolution"]
    assert result.state == "met" and result.elapsed_minutes == 80
    closed = run([*log, moved(200, "closed")], 500)["resolution"]
    assert closed.elapsed_minutes == 80 and closed.stopped_at == T0 + timedelta(minutes=130)
