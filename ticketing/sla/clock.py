"""SLA clocks derived from a ticket's event log (nothing about them is stored on the ticket).

A clock only counts working minutes while the ticket is in an "open" category status; it pauses
while the ticket waits (on the customer, or on hold) and while it is resolved or closed.

- First response: from creation to the first public agent message.
- Next response: one clock per cycle over the ticket's whole life. A customer message that comes
  after an agent's public reply starts a cycle (further customer messages join it); the next
  public agent reply stops it. Internal notes and bot messages neither start nor stop a cycle.
- Resolution: from creation until the ticket reaches a resolved or closed status; a reopened
  ticket's clock runs again from where it stood.

A clock that is not answered by the time the ticket is resolved or closed stops there; if the
ticket is reopened, an unanswered clock runs again (the customer is still waiting).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from ticketing.models import MessageAuthor, StatusCategory, TicketEvent

FINISHED = (StatusCategory.RESOLVED, StatusCategory.CLOSED)


class WorkingTime(Protocol):
    def minutes_between(self, start: datetime, end: datetime) -> float: ...

    def add_minutes(self, start: datetime, minutes: float) -> datetime | None: ...


@dataclass
class Clock:
    metric: str
    cycle: str  # which occurrence (next response: the message that started the cycle)
    target_minutes: int
    elapsed_minutes: float
    running: bool  # False: stopped (met) or paused
    stopped: bool
    due_at: datetime | None  # when it runs out (running), or when it ran out (breached)
    started_at: datetime | None = None
    stopped_at: datetime | None = None

    @property
    def remaining_minutes(self) -> float:
        return self.target_minutes - self.elapsed_minutes

    @property
    def breached(self) -> bool:
        return self.elapsed_minutes >= self.target_minutes

    @property
    def state(self) -> str:
        if self.stopped:
            return "breached" if self.breached else "met"
        if self.breached:
            return "breached"
        return "running" if self.running else "paused"

    def as_dict(self) -> dict[str, object]:
        return {
            "cycle": self.cycle,
            "state": self.state,
            "target_minutes": self.target_minutes,
            "elapsed_minutes": round(self.elapsed_minutes, 1),
            "due_at": self.due_at.isoformat() if self.due_at else None,
            "started_at": self.started_at.isoformat() if self.started_at else None,
            "stopped_at": self.stopped_at.isoformat() if self.stopped_at else None,
        }


def _is_agent_reply(event: TicketEvent) -> bool:
    return (
        event.kind == "message"
        and event.data.get("author_kind") == MessageAuthor.AGENT
        and bool(event.data.get("public", True))
    )


def _is_customer_message(event: TicketEvent) -> bool:
    return event.kind == "message" and event.data.get("author_kind") == MessageAuthor.CUSTOMER


Timeline = list[tuple[datetime, str]]


def _categories(events: list[TicketEvent]) -> Timeline:
    """(since, category) for each stretch of the ticket's life."""
    timeline: Timeline = []
    for event in events:
        if event.kind == "created":
            timeline.append((event.created_at, StatusCategory.OPEN))
        elif event.kind == "status_changed":
            timeline.append((event.created_at, str(event.data.get("category_to"))))
        elif event.kind == "merged_into":
            timeline.append((event.created_at, StatusCategory.CLOSED))
    return timeline


def _finished_at(timeline: Timeline) -> datetime | None:
    """When the ticket's final resolved/closed stretch began (None: it is not finished now).

    Resolved then closed counts from the resolution; resolved, reopened, resolved again counts
    from the last resolution."""
    finished = None
    for since, category in timeline:
        finished = (finished or since) if category in FINISHED else None
    return finished


def _open_stretches(
    timeline: Timeline, start: datetime, end: datetime
) -> list[tuple[datetime, datetime]]:
    spans = []
    for i, (since, category) in enumerate(timeline):
        until = timeline[i + 1][0] if i + 1 < len(timeline) else end
        if category != StatusCategory.OPEN:
            continue
        lo, hi = max(since, start), min(until, end)
        if hi > lo:
            spans.append((lo, hi))
    return spans


def _clock(
    metric: str,
    cycle: str,
    target: int,
    start: datetime,
    stop: datetime | None,
    timeline: Timeline,
    now: datetime,
    hours: WorkingTime,
) -> Clock:
    end = stop or now
    elapsed = 0.0
    ran_out: datetime | None = None
    for lo, hi in _open_stretches(timeline, start, end):
        minutes = hours.minutes_between(lo, hi)
        if ran_out is None and elapsed + minutes >= target:
            ran_out = hours.add_minutes(lo, target - elapsed)
        elapsed += minutes
    current = timeline[-1][1] if timeline else StatusCategory.OPEN
    running = stop is None and current == StatusCategory.OPEN
    due = ran_out
    if due is None and running:
        due = hours.add_minutes(now, target - elapsed)
    return Clock(metric, cycle, target, elapsed, running, stop is not None, due, start, stop)


def _next_response_cycles(
    events: list[TicketEvent], first_reply: datetime
) -> list[tuple[TicketEvent, datetime | None]]:
    """(message that started the cycle, the agent reply that ended it) after the first reply."""
    cycles: list[tuple[TicketEvent, datetime | None]] = []
    waiting: TicketEvent | None = None
    for event in events:
        if event.created_at <= first_reply:
            continue
        if _is_customer_message(event) and waiting is None:
            waiting = event
        elif _is_agent_reply(event) and waiting is not None:
            cycles.append((waiting, event.created_at))
            waiting = None
    if waiting is not None:
        cycles.append((waiting, None))
    return cycles


def clocks(
    events: list[TicketEvent],
    *,
    first_response: int,
    next_response: int,
    resolution: int,
    now: datetime,
    hours: WorkingTime,
) -> list[Clock]:
    """Every clock of the ticket's life: first response, resolution, then each next-response
    cycle in order (the last one is the current one)."""
    events = sorted(events, key=lambda e: e.created_at)
    created = next((e for e in events if e.kind == "created"), None)
    if created is None:
        return []
    timeline = _categories(events)
    finished = _finished_at(timeline)
    replies = [e for e in events if _is_agent_reply(e)]
    first_reply = replies[0].created_at if replies else None
    result = [
        _clock(
            "first_response",
            "0",
            first_response,
            created.created_at,
            first_reply or finished,
            timeline,
            now,
            hours,
        ),
        _clock("resolution", "0", resolution, created.created_at, finished, timeline, now, hours),
    ]
    if first_reply is None:
        return result
    for started, answered in _next_response_cycles(events, first_reply):
        cycle = str(started.data.get("message_id") or started.id)
        stop = answered or (max(finished, started.created_at) if finished else None)
        result.append(
            _clock(
                "next_response",
                cycle,
                next_response,
                started.created_at,
                stop,
                timeline,
                now,
                hours,
            )
        )
    return result
