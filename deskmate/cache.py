"""Per-process caches for definitions that are read on every request and changed rarely
(workflows, SLA policies and calendars, routing rules and teams, API tokens).

How a change reaches the readers:

* In the process that writes it: every ORM flush that adds, changes or deletes an instance of
  a watched model invalidates the caches watching it at once, and again when that session
  commits or rolls back. The second invalidation closes the window in which another thread
  re-read the old, still committed rows between the flush and the commit.
* In other processes (``uvicorn --workers N``, the worker, the CLI): entries live at most
  ``ttl`` seconds, so a change made elsewhere is seen within ``ttl``.
* A load that began before an invalidation is not stored (a generation counter), so a slow
  reader cannot put back what a writer just invalidated.

Cached values are plain data or detached copies that nobody mutates; never a session's
instances. Writes made with Core statements, around the ORM, are only bounded by ``ttl``.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Hashable
from typing import Any, Generic, TypeVar

from sqlalchemy import event, inspect
from sqlalchemy.orm import Session

T = TypeVar("T")
M = TypeVar("M")

_STALE_KEY = "deskmate.stale_caches"
_ALL: list[ProcessCache[Any]] = []
_WATCHERS: dict[type, list[ProcessCache[Any]]] = {}


class ProcessCache(Generic[T]):
    """A small thread-safe map with a time-to-live, invalidated by writes to ``watches``."""

    def __init__(
        self,
        name: str,
        *,
        ttl: float,
        watches: tuple[type, ...] = (),
        max_entries: int = 1024,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.name = name
        self.ttl = ttl
        self.max_entries = max_entries
        self._clock = clock
        self._lock = threading.Lock()
        self._entries: dict[Hashable, tuple[float, T]] = {}
        self._generation = 0
        _ALL.append(self)
        for model in watches:
            _WATCHERS.setdefault(model, []).append(self)

    def get(
        self, key: Hashable, load: Callable[[], T], *, keep: Callable[[T], bool] | None = None
    ) -> T:
        """The cached value for ``key``, or ``load()``: stored unless invalidated meanwhile or
        ``keep`` says no (e.g. a failed lookup)."""
        now = self._clock()
        with self._lock:
            found = self._entries.get(key)
            if found is not None and found[0] > now:
                return found[1]
            generation = self._generation
        value = load()
        if keep is not None and not keep(value):
            return value
        with self._lock:
            if generation == self._generation:
                if len(self._entries) >= self.max_entries:
                    self._entries.clear()  # rare: the keys are few; a token flood starts over
                self._entries[key] = (now + self.ttl, value)
        return value

    def peek(self, key: Hashable) -> T | None:
        """The cached value for ``key`` if there is a live one, without loading anything."""
        now = self._clock()
        with self._lock:
            found = self._entries.get(key)
        return found[1] if found is not None and found[0] > now else None

    def forget(self, key: Hashable) -> None:
        with self._lock:
            self._generation += 1
            self._entries.pop(key, None)

    def invalidate(self) -> None:
        with self._lock:
            self._generation += 1
            self._entries.clear()


def detached_copy(instance: M) -> M:
    """A new, transient instance with the same column values: safe to keep across sessions
    and threads (it belongs to no session, so it is never flushed or expired). Relationships
    are not copied; set the ones the reader needs."""
    mapper = inspect(type(instance))
    values = {attr.key: getattr(instance, attr.key) for attr in mapper.column_attrs}
    copy: M = mapper.class_manager.new_instance()
    for key, value in values.items():
        setattr(copy, key, value)
    return copy


def clear_all() -> None:
    """Empty every cache (tests roll back transactions behind the caches' backs)."""
    for cache in _ALL:
        cache.invalidate()


def _watched(session: Session) -> set[ProcessCache[Any]]:
    found: set[ProcessCache[Any]] = set()
    if not _WATCHERS:
        return found
    for instance in (*session.new, *session.dirty, *session.deleted):
        for cache in _WATCHERS.get(type(instance), ()):
            found.add(cache)
    return found


@event.listens_for(Session, "after_flush")
def _after_flush(session: Session, _context: Any) -> None:
    # ``new``/``dirty``/``deleted`` still show what this flush wrote.
    caches = _watched(session)
    if not caches:
        return
    session.info.setdefault(_STALE_KEY, set()).update(caches)
    for cache in caches:
        cache.invalidate()


def _end_of_transaction(session: Session, *_args: Any) -> None:
    for cache in session.info.pop(_STALE_KEY, ()):
        cache.invalidate()


event.listen(Session, "after_commit", _end_of_transaction)
event.listen(Session, "after_soft_rollback", _end_of_transaction)
