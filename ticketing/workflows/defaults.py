"""The standard process of each ticket type, used until an admin stores a workflow of their own."""

from __future__ import annotations

import itertools
from typing import Any


def _chain(*statuses: str) -> list[dict[str, Any]]:
    return [{"from": a, "to": b} for a, b in itertools.pairwise(statuses)]


def _waits(status: str, *froms: str) -> list[dict[str, Any]]:
    """Allow parking a ticket in ``status`` from each of ``froms`` and coming back."""
    return [t for f in froms for t in ({"from": f, "to": status}, {"from": status, "to": f})]


DEFAULT_WORKFLOWS: dict[str, dict[str, Any]] = {
    # A product consultation can be answered at once.
    "consultation": {
        "initial": "new",
        "statuses": {
            "new": "open",
            "waiting_on_customer": "waiting",
            "answered": "resolved",
            "closed": "closed",
        },
        "transitions": [
            *_chain("new", "answered", "closed"),
            *_waits("waiting_on_customer", "new"),
            {"from": "answered", "to": "new"},
        ],
    },
    # A fault needs a technician's inspection and a repair appointment.
    "fault": {
        "initial": "new",
        "statuses": {
            "new": "open",
            "triaged": "open",
            "inspection": "open",
            "repair_scheduled": "open",
            "waiting_on_customer": "waiting",
            "on_hold": "waiting",
            "resolved": "resolved",
            "verified": "resolved",
            "closed": "closed",
        },
        "transitions": [
            *_chain("new", "triaged", "inspection", "repair_scheduled", "resolved"),
            *_chain("resolved", "verified", "closed"),
            {"from": "triaged", "to": "resolved"},
            {"from": "resolved", "to": "inspection"},
            *_waits("waiting_on_customer", "triaged", "inspection"),
            *_waits("on_hold", "inspection", "repair_scheduled"),
        ],
    },
    # A complaint: acknowledged, investigated, resolved with an outcome, confirmed by the customer.
    "complaint": {
        "initial": "new",
        "statuses": {
            "new": "open",
            "acknowledged": "open",
            "investigating": "open",
            "waiting_on_customer": "waiting",
            "resolved": "resolved",
            "confirmed": "closed",
        },
        "transitions": [
            *_chain("new", "acknowledged", "investigating"),
            {"from": "investigating", "to": "resolved", "requires": ["outcome", "reason"]},
            {"from": "resolved", "to": "confirmed"},
            {"from": "resolved", "to": "investigating"},
            *_waits("waiting_on_customer", "investigating"),
        ],
    },
    # A suggestion is reviewed, adopted or declined (with a reason), and implemented when adopted.
    "suggestion": {
        "initial": "received",
        "statuses": {
            "received": "open",
            "under_review": "open",
            "adopted": "resolved",
            "declined": "closed",
            "implemented": "closed",
        },
        "transitions": [
            *_chain("received", "under_review"),
            {"from": "under_review", "to": "adopted", "requires": ["reason"]},
            {"from": "under_review", "to": "declined", "requires": ["reason"]},
            {"from": "adopted", "to": "implemented"},
        ],
    },
    "request": {
        "initial": "new",
        "statuses": {
            "new": "open",
            "in_progress": "open",
            "waiting_on_customer": "waiting",
            "fulfilled": "resolved",
            "closed": "closed",
        },
        "transitions": [
            *_chain("new", "in_progress", "fulfilled", "closed"),
            *_waits("waiting_on_customer", "in_progress"),
            {"from": "fulfilled", "to": "in_progress"},
        ],
    },
}
