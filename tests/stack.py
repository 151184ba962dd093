"""``live_stack``: the real Rasa server, action server and app on free loopback ports."""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from rich.console import Console

from deskmate.rasa_model import RASA_BIN
from deskmate.settings import Settings
from deskmate.stack import StartupError, actions_process, app_process, rasa_process, wait_http
from deskmate.up import prepare


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


# What the e2e tests sign web chat identities with (the stack's app is started with it).
E2E_WIDGET_SECRET = "e2e-widget-identity-secret"


@dataclass
class LiveStack:
    settings: Settings
    app_url: str
    data_dir: Path


@pytest.fixture(scope="session")
def live_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveStack]:
    if not RASA_BIN.exists():
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"{RASA_BIN} is missing on CI", pytrace=False)
        pytest.skip("the Rasa environment (.venv-rasa) is not installed")
    data_dir = tmp_path_factory.mktemp("live")
    settings = Settings(
        data_dir=data_dir,
        environment="test",
        port=free_port(),
        rasa_port=free_port(),
        actions_port=free_port(),
        chat_rate_per_minute=1000,
        widget_identity_secret=E2E_WIDGET_SECRET,
    )
    console = Console(stderr=True, quiet=True)
    token, model = prepare(settings, console, allow_train=True)
    processes = [
        actions_process(settings, api_token=token),
        rasa_process(settings, model=model),
        app_process(settings),
    ]
    actions, rasa, app = processes
    app_url = f"http://127.0.0.1:{settings.port}"
    try:
        for process in processes:
            process.start()
        wait_http(f"{settings.resolved_actions_url}/health", actions, timeout=60)
        wait_http(f"{app_url}/healthz", app, timeout=120)
        wait_http(f"{settings.resolved_rasa_url}/status", rasa, timeout=300, ok="model_file")
        yield LiveStack(settings=settings, app_url=app_url, data_dir=data_dir)
    except StartupError as exc:
        pytest.fail(str(exc), pytrace=False)
    finally:
        for process in reversed(processes):
            process.stop()
