"""An in-process fixed-window counter, for limits when no Redis is configured (one process)."""

from __future__ import annotations

import threading
import time


class MemoryRateLimiter:
    """Same contract as ``bot.ratelimit.RateLimiter``; counts live in this process only."""

    def __init__(self) -> None:
        self._counts: dict[tuple[str, int], int] = {}
        self._lock = threading.Lock()

    def hit(self, key: str, *, limit: int, window_seconds: int = 60) -> bool:
        window = int(time.time() // window_seconds)
        with self._lock:
            for old in [k for k in self._counts if k[1] < window]:
                del self._counts[old]
            count = self._counts.get((key, window), 0) + 1
            self._counts[(key, window)] = count
        return count <= limit
