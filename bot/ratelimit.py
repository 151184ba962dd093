"""Per-conversation rate limits. Embedded default: count stored messages in the database.
Production: a Redis sliding window shared by every app worker (``DESKMATE_REDIS_URL``)."""

from __future__ import annotations

import time
import uuid
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
        # A sorted set of this key's hits in the last window (score = time); a fixed window
        # would let a burst straddling its boundary through twice over.
        now = time.time()
        name = f"{self._prefix}:{key}"
        pipe = self._redis.pipeline()
        pipe.zremrangebyscore(name, 0, now - window_seconds)
        pipe.zadd(name, {f"{now:.6f}:{uuid.uuid4().hex[:8]}": now})
        pipe.zcard(name)
        pipe.expire(name, window_seconds + 1)
        _, _, count, _ = pipe.execute()
        return int(count) <= limit
