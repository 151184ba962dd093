"""Per-conversation rate limits. Embedded default: count stored messages in the database.
Production: a Redis fixed window shared by every app worker (``DESKMATE_REDIS_URL``)."""

from __future__ import annotations

import time
from typing import Protocol

import redis


class RateLimiter(Protocol):
    def hit(self, key: str, *, limit: int, window_seconds: int = 60) -> bool:
        """Count one event for ``key``; False when it goes over ``limit`` in the window."""
        ...


class RedisRateLimiter:
    def __init__(self, url: str, *, prefix: str = "deskmate:rate") -> None:
        self._redis = redis.Redis.from_url(url, socket_timeout=2.0, socket_connect_timeout=2.0)
        self._prefix = prefix

    def hit(self, key: str, *, limit: int, window_seconds: int = 60) -> bool:
        window = int(time.time() // window_seconds)
        name = f"{self._prefix}:{key}:{window}"
        pipe = self._redis.pipeline()
        pipe.incr(name)
        pipe.expire(name, window_seconds * 2)
        count, _ = pipe.execute()
        return int(count) <= limit
