"""Privacy routes: a customer's data as one JSON document, and erasure."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends
from pydantic import BaseModel

from deskmate.auth.principal import Principal
from deskmate.deps import SessionDep, SettingsDep, require_permission
from deskmate.privacy import service
from deskmate.privacy.registry import sources_for
from deskmate.privacy.sources import PersonalDataSource

router = APIRouter(prefix="/api/v1/customers", tags=["privacy"])

CanExport = Annotated[Principal, Depends(require_permission("customers.export"))]
CanErase = Annotated[Principal, Depends(require_permission("customers.erase"))]


class ErasureRead(BaseModel):
    customer_id: uuid.UUID
    erased: dict[str, int]


def _sources(settings: SettingsDep) -> list[PersonalDataSource]:
    return sources_for(settings)


SourcesDep = Annotated[list[PersonalDataSource], Depends(_sources)]


@router.get("/{customer_id}/export")
def export_customer(
    customer_id: uuid.UUID, session: SessionDep, sources: SourcesDep, _token: CanExport
) -> dict[str, Any]:
    document = service.export_customer(session, customer_id=customer_id, sources=sources)
    session.commit()  # the audit entry for the export
    return document


@router.post("/{customer_id}/erase", response_model=ErasureRead)
def erase_customer(
    customer_id: uuid.UUID, session: SessionDep, sources: SourcesDep, _token: CanErase
) -> ErasureRead:
    erased = service.erase_customer(session, customer_id=customer_id, sources=sources)
    session.commit()
    return ErasureRead(customer_id=customer_id, erased=erased)
