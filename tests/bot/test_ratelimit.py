from __future__ import annotations

import time
import uuid
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.models import ChatMessage, Delivery
from bot.ratelimit import RedisRateLimiter
from knowledge.embedding import Embedder
from tests.apps import client_for, make_app

pytestmark = pytest.mark.redis


def test_redis_limiter_counts_per_key_within_the_window(redis_url: str) -> None:
    limiter = RedisRateLimiter(redis_url, prefix=f"test:{uuid.uuid4().hex}")
    assert [limiter.hit("a", limit=2) for _ in range(3)] == [True, True, False]
    assert limiter.hit("b", limit=2) is True  # another conversation has its own budget


def test_redis_limits_the_chat_gateway_and_the_message_is_kept(
    redis_url: str, data_dir: Path, session_factory: sessionmaker[Session], embedder: Embedder
) -> None:
    app = make_app(
        data_dir=data_dir,
        session_factory=session_factory,
        embedder=embedder,
        chat_rate_per_minute=1,
    )
    app.state.rate_limiter = RedisRateLimiter(redis_url, prefix=f"test:{uuid.uuid4().hex}")
    client = client_for(app)
    codes = [
        client.post("/api/v1/chat/messages", json={"conversation_id": "r-1", "text": t}).status_code
        for t in ("one", "two")
    ]
    assert codes == [200, 429]
    with session_factory() as session:
        rows = session.scalars(select(ChatMessage).where(ChatMessage.text == "two")).all()
    assert [r.delivery for r in rows] == [Delivery.REJECTED]


def test_redis_limiter_window_slides(redis_url: str) -> None:
    limiter = RedisRateLimiter(redis_url, prefix=f"test:{uuid.uuid4().hex}")
    assert [limiter.hit("a", limit=2, window_seconds=1) for _ in range(3)] == [True, True, False]
    time.sleep(1.1)  # every earlier hit is now older than the window
    assert limiter.hit("a", limit=2, window_seconds=1) is True
