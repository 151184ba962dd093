from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Response
from sqlalchemy import select

from deskmate.auth.principal import Principal
from deskmate.deps import SessionDep, require_permission
from deskmate.errors import Unprocessable
from deskmate.pagination import Page, PageNumber, PerPage
from ticketing import named
from ticketing.customers.models import CustomerTier
from ticketing.listing import page_of, sort_order
from ticketing.models import Priority, TicketType
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


CalendarSort = Literal["name", "-name", "updated_at", "-updated_at"]
PolicySort = Literal["position", "-position", "name", "-name", "updated_at", "-updated_at"]


@router.get("/calendars", response_model=Page[CalendarRead])
def list_calendars(
    session: SessionDep,
    _token: CanRead,
    timezone: Annotated[str | None, Query(max_length=64)] = None,
    sort: CalendarSort = "name",
    page: PageNumber = 1,
    per_page: PerPage = 20,
) -> Page[CalendarRead]:
    query = select(BusinessCalendar)
    if timezone is not None:
        query = query.where(BusinessCalendar.timezone == timezone)
    columns = {"name": BusinessCalendar.name, "updated_at": BusinessCalendar.updated_at}
    return page_of(
        session,
        query,
        page=page,
        per_page=per_page,
        order_by=sort_order(sort, columns, BusinessCalendar.name),
        read=_calendar_read,
    )


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


@router.get("/policies", response_model=Page[SlaPolicyRead])
def list_policies(
    session: SessionDep,
    _token: CanRead,
    ticket_type: TicketType | None = None,
    priority: Priority | None = None,
    tier: CustomerTier | None = None,
    calendar: Annotated[str | None, Query(max_length=100)] = None,
    sort: PolicySort = "position",
    page: PageNumber = 1,
    per_page: PerPage = 20,
) -> Page[SlaPolicyRead]:
    """Filters match a policy's own selector (``ticket_type=fault`` lists the fault policies,
    not the catch-all ones)."""
    query = select(SlaPolicy)
    for column, value in (
        (SlaPolicy.ticket_type, ticket_type),
        (SlaPolicy.priority, priority),
        (SlaPolicy.tier, tier),
    ):
        if value is not None:
            query = query.where(column == value)
    if calendar is not None:
        query = query.join(SlaPolicy.calendar).where(BusinessCalendar.name == calendar)
    columns = {
        "position": SlaPolicy.position,
        "name": SlaPolicy.name,
        "updated_at": SlaPolicy.updated_at,
    }
    return page_of(
        session,
        query,
        page=page,
        per_page=per_page,
        order_by=sort_order(sort, columns, SlaPolicy.name),
        read=_policy_read,
    )


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
