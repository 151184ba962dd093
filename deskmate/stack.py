"""Starting and stopping the processes of a running Deskmate: action server, Rasa server, app.

``deskmate up`` and the end-to-end tests both use this, so the tests run what users run.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from deskmate.rasa_model import RASA_BIN, rasa_env
from deskmate.settings import REPO_ROOT, Settings


class StartupError(RuntimeError):
    pass


@dataclass
class ManagedProcess:
    name: str
    argv: list[str]
    env: dict[str, str]
    log_path: Path
    cwd: Path = REPO_ROOT
    popen: subprocess.Popen[bytes] | None = field(default=None, repr=False)

    def start(self) -> None:
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        log = self.log_path.open("ab")
        # Each child leads its own process group, so stopping it also stops what it spawned.
        self.popen = subprocess.Popen(
            self.argv,
            cwd=self.cwd,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
        log.close()

    @property
    def alive(self) -> bool:
        return self.popen is not None and self.popen.poll() is None

    def stop(self, timeout: float = 15.0) -> None:
        if self.popen is None or self.popen.poll() is not None:
            return
        try:
            os.killpg(self.popen.pid, signal.SIGTERM)
            self.popen.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(self.popen.pid, signal.SIGKILL)
            self.popen.wait(timeout=5)
        except ProcessLookupError:
            pass

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except FileNotFoundError:
            return ""


def wait_http(url: str, process: ManagedProcess, *, timeout: float, ok: str | None = None) -> None:
    """Poll ``url`` until it answers 200 (and contains ``ok`` if given) or the process dies."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not process.alive:
            raise StartupError(
                f"{process.name} exited during start-up; last log lines:\n{process.log_tail()}"
            )
        try:
            response = httpx.get(url, timeout=2.0)
            if response.status_code == 200 and (ok is None or ok in response.text):
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise StartupError(f"{process.name} did not become ready at {url} within {timeout:.0f}s")


def actions_process(settings: Settings, *, api_token: str) -> ManagedProcess:
    env = dict(os.environ)
    env.update(
        {
            "SANIC_HOST": "127.0.0.1",
            "DESKMATE_API_URL": f"http://{settings.host}:{settings.port}",
            "DESKMATE_API_TOKEN": api_token,
            "PYTHONWARNINGS": "ignore",
        }
    )
    return ManagedProcess(
        name="action server",
        argv=[
            sys.executable,
            "-m",
            "rasa_sdk",
            "--actions",
            "actions",
            "--port",
            str(settings.actions_port),
        ],
        env=env,
        log_path=settings.log_dir / "actions.log",
    )


def rasa_side_url(url: str) -> str:
    """Rasa's environment (SQLAlchemy 1.4) has psycopg2, the driver of a plain postgresql URL."""
    return "postgresql://" + url.split("://", 1)[1] if url.startswith("postgresql+") else url


def rasa_process(settings: Settings, *, model: Path) -> ManagedProcess:
    env = rasa_env(
        {
            "DESKMATE_ACTIONS_URL": f"{settings.resolved_actions_url}/webhook",
            "DESKMATE_RASA_TRACKER_URL": rasa_side_url(settings.resolved_rasa_tracker_url),
        }
    )
    return ManagedProcess(
        name="Rasa server",
        argv=[
            # Rasa's command line with the fixes in rasa_runtime (see its docstring).
            str(RASA_BIN.parent / "python"),
            "-m",
            "rasa_runtime",
            "run",
            "--enable-api",
            "--interface",
            "127.0.0.1",
            "--port",
            str(settings.rasa_port),
            "--model",
            str(model),
            "--endpoints",
            "endpoints.yml",
            "--credentials",
            "credentials.yml",
        ],
        env=env,
        log_path=settings.log_dir / "rasa.log",
    )


def app_process(settings: Settings) -> ManagedProcess:
    env = dict(os.environ)
    env.update(
        {
            "DESKMATE_DATA_DIR": str(settings.data_dir),
            "DESKMATE_DATABASE_URL": settings.resolved_database_url,
            "DESKMATE_HOST": settings.host,
            "DESKMATE_PORT": str(settings.port),
            "DESKMATE_RASA_PORT": str(settings.rasa_port),
            "DESKMATE_ACTIONS_PORT": str(settings.actions_port),
            "OMP_NUM_THREADS": "1",
        }
    )
    if settings.widget_identity_secret is not None:
        secret = settings.widget_identity_secret.get_secret_value()
        env["DESKMATE_WIDGET_IDENTITY_SECRET"] = secret
    return ManagedProcess(
        name="app",
        argv=[
            sys.executable,
            "-m",
            "uvicorn",
            "deskmate.asgi:app",
            "--host",
            settings.host,
            "--port",
            str(settings.port),
            "--no-access-log",
        ],
        env=env,
        log_path=settings.log_dir / "app.log",
    )
