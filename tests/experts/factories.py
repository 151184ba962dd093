from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from experts import service
from experts.models import Expert
from experts.schemas import ExpertCreate


def add_expert(session: Session, **overrides: Any) -> Expert:
    data: dict[str, Any] = {
        "name": "Priya Raman",
        "email": "priya@example.com",
        "department": "Climate",
        "bio": "Thermostat wiring and installation.",
        "skills": [{"skill": "wiring", "level": 3}],
        "products": ["Lumora Thermostat"],
        "languages": ["en"],
        "customer_traits": ["core"],
        "capacity": 4,
    }
    data.update(overrides)
    return service.create_expert(session, data=ExpertCreate.model_validate(data))
