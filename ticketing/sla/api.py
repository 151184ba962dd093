from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Response
from sqlalchemy import select

from deskmate.auth.principal import Principal
from deskmate.deps import SessionDep, require_permission
from deskmate.errors import Unprocessable
from ticketing import named
from ticketing.sla.models import BusinessCalendar, SlaPolicy
from ticketing.sla.schemas import CalendarIn, CalendarRead, SlaPolicyIn, SlaPolicyRead

router = APIRouter(prefix="/api/v1/sla", tags=["sla"])

CanRead = Annotated[Principal, Depends(require_permission("tickets.config.read"))]
CanAdmin = Annotated[Principal, Depends(require_permission("tickets.config.admin"))]


def _calendar_read(c: BusinessCalendar) -> CalendarRead:
    return CalendarRead.model_validate(
        {
            "name": c.name,
            "timezone": c.timezone,
            "weekly_hours": c.weekly_hours,
            "holidays": c.holidays,
        }
    )


def _policy_read(p: SlaPolicy) -> SlaPolicyRead:
    return SlaPolicyRead(
        name=p.name,
        position=p.position,
        ticket_type=p.ticket_type,
        priority=p.priority,
        tier=p.tier,
        first_response_minutes=p.first_response_minutes,
        next_response_minutes=p.next_response_minutes,
        resolution_minutes=p.resolution_minutes,
        warn_before_minutes=p.warn_before_minutes,
        supervisor_after_minutes=p.supervisor_after_minutes,
        calendar=p.calendar.name if p.calendar else None,
    )


@router.get("/calendars", response_model=list[CalendarRead])
def list_calendars(session: SessionDep, _token: CanRead) -> list[CalendarRead]:
    return [_calendar_read(c) for c in session.scalars(select(BusinessCalendar))]


@router.put("/calendars/{name}", response_model=CalendarRead)
def put_calendar(
    name: str, data: CalendarIn, session: SessionDep, _token: CanAdmin, response: Response
) -> CalendarRead:
    calendar = named.for_put(
        session, BusinessCalendar, name=name, body_name=data.name, response=response
    )
    calendar.timezone = data.timezone
    calendar.weekly_hours = {d: [list(w) for w in ws] for d, ws in data.weekly_hours.items()}
    calendar.holidays = [h.isoformat() for h in data.holidays]
    session.commit()
    return _calendar_read(calendar)


@router.get("/policies", response_model=list[SlaPolicyRead])
def list_policies(session: SessionDep, _token: CanRead) -> list[SlaPolicyRead]:
    policies = session.scalars(select(SlaPolicy).order_by(SlaPolicy.position, SlaPolicy.name))
    return [_policy_read(p) for p in policies]


@router.put("/policies/{name}", response_model=SlaPolicyRead)
def put_policy(
    name: str, data: SlaPolicyIn, session: SessionDep, _token: CanAdmin, response: Response
) -> SlaPolicyRead:
    calendar = None
    if data.calendar is not None:
        calendar = named.by_name(session, BusinessCalendar, data.calendar)
        if calendar is None:
            raise Unprocessable(f"No business calendar named {data.calendar!r}.")
    policy = named.for_put(session, SlaPolicy, name=name, body_name=data.name, response=response)
    for field, value in data.model_dump(exclude={"name", "calendar"}).items():
        setattr(policy, field, value)
    policy.calendar = calendar
    session.commit()
    return _policy_read(policy)


@router.delete("/policies/{name}", status_code=204)
def delete_policy(name: str, session: SessionDep, _token: CanAdmin) -> Response:
    session.delete(named.by_name_or_raise(session, SlaPolicy, name, "SLA policy"))
    session.commit()
    return Response(status_code=204)
