"""Fixtures of the action tests; the factories themselves are in action_factories.py."""

from typing import Any

import pytest
from rasa_sdk.executor import CollectingDispatcher

from tests.actions.action_factories import FakeApi, load_domain


@pytest.fixture(scope="session")
def domain() -> dict[str, Any]:
    return load_domain()


@pytest.fixture
def dispatcher() -> CollectingDispatcher:
    return CollectingDispatcher()


@pytest.fixture
def api() -> FakeApi:
    return FakeApi()
