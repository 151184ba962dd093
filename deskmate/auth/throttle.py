"""An in-process sliding-window counter, for limits when no Redis is configured (one process).

A fixed window lets a burst straddling its boundary through twice over (``limit`` at the end of
one minute, ``limit`` more at the start of the next); a sliding window counts the last
``window_seconds`` wherever they fall.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable

# Keys whose every hit has aged out are dropped once this many keys are held.
SWEEP_AT = 10_000


class MemoryRateLimiter:
    """Same contract as ``bot.ratelimit.RateLimiter``; counts live in this process only."""

    def __init__(self, *, now: Callable[[], float] = time.monotonic) -> None:
        self._hits: dict[str, deque[float]] = {}
        self._lock = threading.Lock()
        self._now = now

    def hit(self, key: str, *, limit: int, window_seconds: int = 60) -> bool:
        now = self._now()
        since = now - window_seconds
        with self._lock:
            if len(self._hits) >= SWEEP_AT:
                for stale in [k for k, hits in self._hits.items() if not hits or hits[-1] <= since]:
                    del self._hits[stale]
            hits = self._hits.setdefault(key, deque())
            while hits and hits[0] <= since:
                hits.popleft()
            hits.append(now)
            return len(hits) <= limit
