"""Reading the audit log (admins only). There are no write routes: the log is append-only."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query

from deskmate.audit import repository
from deskmate.audit.schemas import AuditEntryRead
from deskmate.auth.models import ApiToken
from deskmate.deps import SessionDep, require_permission
from deskmate.errors import BadRequest
from deskmate.pagination import Page, PageNumber, PageParams, PerPage

router = APIRouter(prefix="/api/v1/audit", tags=["audit"])

CanRead = Annotated[ApiToken, Depends(require_permission("audit.read"))]


@router.get("", response_model=Page[AuditEntryRead])
def list_audit(
    session: SessionDep,
    _token: CanRead,
    entity_type: Annotated[str | None, Query(max_length=100)] = None,
    entity_id: Annotated[str | None, Query(max_length=100)] = None,
    actor: Annotated[str | None, Query(max_length=200)] = None,
    since: datetime | None = None,
    until: datetime | None = None,
    sort: Literal["-created_at", "created_at"] = "-created_at",
    page: PageNumber = 1,
    per_page: PerPage = 20,
) -> Page[AuditEntryRead]:
    for name, moment in (("since", since), ("until", until)):
        if moment is not None and moment.tzinfo is None:
            raise BadRequest(f"{name} needs a time zone, e.g. 2026-01-31T12:00:00Z.")
    params = PageParams(page=page, per_page=per_page)
    rows, total = repository.list_entries(
        session,
        where=repository.AuditFilter(
            entity_type=entity_type, entity_id=entity_id, actor=actor, since=since, until=until
        ),
        offset=params.offset,
        limit=params.per_page,
        newest_first=sort == "-created_at",
    )
    return Page[AuditEntryRead](
        items=[AuditEntryRead.model_validate(r) for r in rows],
        total=total,
        page=page,
        per_page=per_page,
    )
