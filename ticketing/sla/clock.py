"""SLA clocks derived from a ticket's event log (nothing about them is stored on the ticket).

A clock runs while the ticket is in an "open" category status and pauses while it waits (on the
customer, or on hold). First response stops at the first public agent message; next response
runs from a customer message that came after an agent's reply until the next agent reply;
resolution stops when the ticket reaches a resolved or closed status.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from ticketing.models import MessageAuthor, StatusCategory, TicketEvent


class WorkingTime(Protocol):
    def minutes_between(self, start: datetime, end: datetime) -> float: ...

    def add_minutes(self, start: datetime, minutes: float) -> datetime | None: ...


@dataclass
class Clock:
    metric: str
    cycle: str  # which occurrence (next response restarts with each customer message)
    target_minutes: int
    elapsed_minutes: float
    running: bool  # False: stopped (met) or paused
    stopped: bool
    due_at: datetime | None

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
        }


def _is_agent_reply(event: TicketEvent) -> bool:
    return (
        event.kind == "message"
        and event.data.get("author_kind") == MessageAuthor.AGENT
        and bool(event.data.get("public", True))
    )


def _is_customer_message(event: TicketEvent) -> bool:
    return event.kind == "message" and event.data.get("author_kind") == MessageAuthor.CUSTOMER


def _categories(events: list[TicketEvent]) -> list[tuple[datetime, str]]:
    """(since, category) for each stretch of the ticket's life."""
    timeline: list[tuple[datetime, str]] = []
    for event in events:
        if event.kind == "created":
            timeline.append((event.created_at, StatusCategory.OPEN))
        elif event.kind == "status_changed":
            timeline.append((event.created_at, str(event.data.get("category_to"))))
        elif event.kind == "merged_into":
            timeline.append((event.created_at, StatusCategory.CLOSED))
    return timeline


def _running_minutes(
    timeline: list[tuple[datetime, str]], start: datetime, end: datetime, hours: WorkingTime
) -> float:
    total = 0.0
    for i, (since, category) in enumerate(timeline):
        until = timeline[i + 1][0] if i + 1 < len(timeline) else end
        if category != StatusCategory.OPEN:
            continue
        lo, hi = max(since, start), min(until, end)
        if hi > lo:
            total += hours.minutes_between(lo, hi)
    return total


def _clock(
    metric: str,
    cycle: str,
    target: int,
    start: datetime,
    stop: datetime | None,
    timeline: list[tuple[datetime, str]],
    now: datetime,
    hours: WorkingTime,
) -> Clock:
    end = stop or now
    elapsed = _running_minutes(timeline, start, end, hours)
    current = timeline[-1][1] if timeline else StatusCategory.OPEN
    running = stop is None and current == StatusCategory.OPEN
    due = None
    if running:
        due = hours.add_minutes(now, max(target - elapsed, 0.0))
    return Clock(metric, cycle, target, elapsed, running, stop is not None, due)


def clocks(
    events: list[TicketEvent],
    *,
    first_response: int,
    next_response: int,
    resolution: int,
    now: datetime,
    hours: WorkingTime,
) -> list[Clock]:
    events = sorted(events, key=lambda e: e.created_at)
    created = next((e for e in events if e.kind == "created"), None)
    if created is None:
        return []
    timeline = _categories(events)
    finished = next(
        (
            since
            for since, category in timeline
            if category in (StatusCategory.RESOLVED, StatusCategory.CLOSED)
        ),
        None,
    )
    # A reopened ticket runs its resolution clock again.
    if timeline and timeline[-1][1] in (StatusCategory.OPEN, StatusCategory.WAITING):
        finished = None
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
    if first_reply is not None:
        waiting_since = None
        for event in events:
            if event.created_at <= first_reply:
                continue
            if _is_customer_message(event) and waiting_since is None:
                waiting_since = event
            elif _is_agent_reply(event):
                waiting_since = None
        if waiting_since is not None:
            cycle = str(waiting_since.data.get("message_id", waiting_since.id))
            result.append(
                _clock(
                    "next_response",
                    cycle,
                    next_response,
                    waiting_since.created_at,
                    finished,
                    timeline,
                    now,
                    hours,
                )
            )
    return result
