"""Records every INSERT, UPDATE and DELETE of ORM objects in the audit log, generically.

A ``after_flush`` listener on every Session: at that point ids are assigned and the attribute
history still holds the old values. Tables listed in ``UNAUDITED_TABLES`` are skipped; every
other table is audited, so a new model is covered without a line of code. Columns marked
``info={"personal": True}`` (or ``{"secret": True}``) are recorded as ``PERSONAL`` only.

Bulk ``update()``/``delete()`` statements bypass the flush; code that changes audited tables in
bulk must call ``record`` itself.
"""

from __future__ import annotations

import enum
import json
import uuid
from datetime import date, datetime
from decimal import Decimal
from functools import lru_cache
from typing import Any

from sqlalchemy import event, insert, inspect
from sqlalchemy.orm import Mapper, Session, UOWTransaction

from deskmate.audit.context import actor_for, current_request_id
from deskmate.audit.models import AuditEntry

PERSONAL = "[personal data]"
Change = tuple[str, Any, dict[str, Any] | None, dict[str, Any] | None]  # action, obj, before, after

# Tables whose rows are not audited, with why. Add one line per table.
UNAUDITED_TABLES: dict[str, str] = {
    "audit_log": "the audit log itself",
    "ticket_numbers": "a number sequence; the ticket's insert is audited",
    "kb_chunks": "derived from published articles, rebuilt by the index",
    "kb_search_log": "itself a log of queries (personal: the customer's words)",
    "chat_messages": "itself the record of a conversation (personal: the customer's words)",
}


def _plain(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, enum.Enum):
        return _plain(value.value)
    if isinstance(value, uuid.UUID | Decimal):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    return json.loads(json.dumps(value, default=str))


@lru_cache(maxsize=4096)
def _hidden(mapper: Mapper[Any], key: str) -> bool:
    """Fixed per mapped column once the models are configured: worked out once, not per row."""
    prop = mapper.attrs[key]
    columns = getattr(prop, "columns", ())
    return any(c.info.get("personal") or c.info.get("secret") for c in columns)


def _value(mapper: Mapper[Any], key: str, value: Any) -> Any:
    if _hidden(mapper, key):
        return PERSONAL if value is not None else None
    return _plain(value)


def _snapshot(obj: Any) -> dict[str, Any]:
    state = inspect(obj)
    mapper = state.mapper
    return {
        attr.key: _value(mapper, attr.key, state.dict.get(attr.key)) for attr in mapper.column_attrs
    }


def _changes(obj: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    state = inspect(obj)
    mapper = state.mapper
    before: dict[str, Any] = {}
    after: dict[str, Any] = {}
    for attr in mapper.column_attrs:
        history = state.attrs[attr.key].history
        if not history.has_changes():
            continue
        old = _plain(history.deleted[0] if history.deleted else None)
        new = _plain(history.added[0] if history.added else None)
        if old == new:
            continue
        if _hidden(mapper, attr.key):
            before[attr.key], after[attr.key] = PERSONAL, PERSONAL
        else:
            before[attr.key], after[attr.key] = old, new
    return before, after


def _entity_id(obj: Any) -> str | None:
    # The identity key of a new object is only set after this flush; read the primary key.
    key = inspect(obj).mapper.primary_key_from_instance(obj)
    if all(part is None for part in key):
        return None
    return ",".join(str(part) for part in key)


def _audited(obj: Any) -> bool:
    table = getattr(inspect(obj).mapper, "local_table", None)
    return table is not None and getattr(table, "name", None) not in UNAUDITED_TABLES


def _row(
    session: Session,
    *,
    action: str,
    entity_type: str,
    entity_id: str | None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> dict[str, Any]:
    actor = actor_for(session)
    return {
        "actor": actor.name,
        "actor_role": actor.role,
        "action": action,
        "entity_type": entity_type,
        "entity_id": entity_id,
        "before": before,
        "after": after,
        "request_id": current_request_id.get(),
    }


def _table_name(obj: Any) -> str:
    return str(inspect(obj).mapper.local_table.name)


def _flushed_changes(session: Session) -> list[Change]:
    """(action, object, before, after) for every audited object this flush writes."""
    found: list[Change] = []
    found += [("insert", obj, None, _snapshot(obj)) for obj in session.new if _audited(obj)]
    for obj in session.dirty:
        if _audited(obj) and session.is_modified(obj, include_collections=False):
            before, after = _changes(obj)
            if after:
                found.append(("update", obj, before, after))
    found += [("delete", obj, _snapshot(obj), None) for obj in session.deleted if _audited(obj)]
    return found


def _record_flush(session: Session, _flush_context: UOWTransaction) -> None:
    rows = [
        _row(
            session,
            action=action,
            entity_type=_table_name(obj),
            entity_id=_entity_id(obj),
            before=before,
            after=after,
        )
        for action, obj, before, after in _flushed_changes(session)
    ]
    if rows:
        session.connection().execute(insert(AuditEntry), rows)


def record(
    session: Session,
    *,
    action: str,
    entity_type: str,
    entity_id: str | None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> None:
    """An entry for something the flush cannot see (an export, an erasure, a bulk change).
    The caller guarantees ``before``/``after`` hold no personal data."""
    row = _row(
        session,
        action=action,
        entity_type=entity_type,
        entity_id=entity_id,
        before=_plain(before),
        after=_plain(after),
    )
    session.connection().execute(insert(AuditEntry), [row])


event.listen(Session, "after_flush", _record_flush)
