from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from ticketing.models import DUPLICATE_STATUS, StatusCategory, TicketType

STATUS_NAME = r"^[a-z][a-z0-9_]{0,39}$"


class TransitionDef(BaseModel):
    model_config = ConfigDict(populate_by_name=True, extra="forbid")

    from_: str = Field(alias="from", pattern=STATUS_NAME)
    to: str = Field(pattern=STATUS_NAME)
    requires: list[Literal["outcome", "reason"]] = Field(default_factory=list)


class WorkflowDefinition(BaseModel):
    """Statuses (each with its category), the status a ticket starts in, allowed transitions."""

    model_config = ConfigDict(extra="forbid")

    initial: str
    statuses: dict[str, StatusCategory] = Field(min_length=2, max_length=40)
    transitions: list[TransitionDef] = Field(min_length=1, max_length=200)

    @model_validator(mode="after")
    def _consistent(self) -> WorkflowDefinition:
        if DUPLICATE_STATUS in self.statuses:
            raise ValueError(f"{DUPLICATE_STATUS!r} is reserved for merged tickets")
        if self.initial not in self.statuses:
            raise ValueError(f"initial status {self.initial!r} is not among the statuses")
        if self.statuses[self.initial] != StatusCategory.OPEN:
            raise ValueError("the initial status must be in the 'open' category")
        for t in self.transitions:
            for name in (t.from_, t.to):
                if name not in self.statuses:
                    raise ValueError(f"transition {t.from_}->{t.to}: unknown status {name!r}")
        return self

    def find(self, current: str, target: str) -> TransitionDef | None:
        return next((t for t in self.transitions if (t.from_, t.to) == (current, target)), None)

    def next_statuses(self, current: str) -> list[str]:
        return [t.to for t in self.transitions if t.from_ == current]


class WorkflowRead(BaseModel):
    ticket_type: TicketType
    revision: int
    is_default: bool
    definition: WorkflowDefinition
    updated_by: str | None = None
    updated_at: datetime | None = None


class TransitionRequest(BaseModel):
    model_config = ConfigDict(str_strip_whitespace=True, extra="forbid")

    to: str = Field(min_length=1, max_length=40)
    outcome: str | None = Field(default=None, min_length=1, max_length=100)
    reason: str | None = Field(default=None, min_length=1, max_length=2000)
    version: int | None = Field(default=None, ge=1, description="the version you last read")
