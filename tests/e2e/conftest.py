"""Fixtures of the end-to-end tests (one live stack for the whole session)."""

from __future__ import annotations

import pytest

from deskmate.auth.models import Role
from deskmate.auth.service import create_token
from deskmate.db import get_engine, make_session_factory, session_scope
from tests.e2e.helpers import Chat
from tests.stack import LiveStack


@pytest.fixture
def chat(live_stack: LiveStack) -> Chat:
    return Chat(live_stack)


@pytest.fixture(scope="module")
def api_token(live_stack: LiveStack) -> str:
    factory = make_session_factory(get_engine(live_stack.settings.resolved_database_url))
    with session_scope(factory) as session:
        return create_token(session, role=Role.AGENT, name="e2e")
