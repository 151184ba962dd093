"""Paging and sorting for the smaller ticketing lists (SLA calendars and policies, webhook
subscriptions and their deliveries). The ticket list has its own, tuned for millions of rows."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from sqlalchemy import Select, func, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from deskmate.pagination import Page, PageParams

T = TypeVar("T")
R = TypeVar("R")


def sort_order(
    sort: str, columns: dict[str, InstrumentedAttribute[Any]], tiebreak: InstrumentedAttribute[Any]
) -> list[Any]:
    """``name`` ascending, ``-name`` descending, then ``tiebreak`` so pages never overlap."""
    column = columns[sort.removeprefix("-")]
    return [column.desc() if sort.startswith("-") else column.asc(), tiebreak.asc()]


def page_of(
    session: Session,
    query: Select[T],
    *,
    page: int,
    per_page: int,
    order_by: list[Any],
    read: Callable[[T], R],
) -> Page[R]:
    """One page of ``query`` in the given order, each row through ``read``, and the total."""
    params = PageParams(page=page, per_page=per_page)
    total = session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    rows = session.scalars(query.order_by(*order_by).offset(params.offset).limit(params.per_page))
    return Page[R](items=[read(r) for r in rows], total=total or 0, page=page, per_page=per_page)
