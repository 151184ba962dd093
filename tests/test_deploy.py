from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from pydantic import ValidationError

from deskmate.settings import REPO_ROOT, Settings

SECRETS = {"POSTGRES_PASSWORD": "pw", "DESKMATE_SECRET_KEY": "k", "DESKMATE_ACTIONS_TOKEN": "t"}


def _compose(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    binary = shutil.which("docker-compose")
    if binary is None:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("docker-compose (Debian package) is missing on CI", pytrace=False)
        pytest.skip("docker-compose is not installed")
    clean = {k: v for k, v in os.environ.items() if k not in SECRETS}
    return subprocess.run(
        [binary, "config", "-q"],
        cwd=REPO_ROOT,
        env=clean | env,
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )


def test_compose_file_is_valid_with_its_secrets() -> None:
    result = _compose(SECRETS)
    assert result.returncode == 0, result.stderr


def test_compose_refuses_to_start_without_secrets() -> None:
    result = _compose({})
    assert result.returncode != 0
    assert "POSTGRES_PASSWORD" in result.stderr or "DESKMATE_SECRET_KEY" in result.stderr


def test_production_settings_reject_placeholder_secrets(tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="DESKMATE_SECRET_KEY"):
        Settings(environment="production", data_dir=tmp_path)
    ok = Settings(environment="production", data_dir=tmp_path, secret_key="a-real-secret")  # type: ignore[arg-type]
    assert ok.resolved_database_url == f"sqlite:///{tmp_path / 'deskmate.db'}"
