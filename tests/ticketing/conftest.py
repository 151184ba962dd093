from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from deskmate.auth.models import Role
from knowledge.embedding import Embedder
from tests.apps import client_for, make_app, token_for


@pytest.fixture
def api(data_dir: Path, session_factory: sessionmaker[Session], embedder: Embedder) -> TestClient:
    return client_for(
        make_app(data_dir=data_dir, session_factory=session_factory, embedder=embedder)
    )


@pytest.fixture
def headers_for(session_factory: sessionmaker[Session]) -> Callable[[Role], dict[str, str]]:
    def make(role: Role) -> dict[str, str]:
        return {"Authorization": f"Bearer {token_for(session_factory, role)}"}

    return make
