from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from ticketing.sla.models import SlaPolicy


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
