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


def _copy_sources(dockerfile: Path) -> list[str]:
    sources: list[str] = []
    for line in dockerfile.read_text().splitlines():
        words = line.split()
        if words[:1] == ["COPY"] and not any(w.startswith("--from") for w in words):
            sources += words[1:-1]
    return sources


@pytest.mark.parametrize("name", ["app.Dockerfile", "rasa.Dockerfile"])
def test_every_file_an_image_copies_exists(name: str) -> None:
    missing = [
        s for s in _copy_sources(REPO_ROOT / "deploy" / name) if not (REPO_ROOT / s).exists()
    ]
    assert missing == []


def test_the_app_image_carries_every_package_the_project_installs() -> None:
    pyproject = (REPO_ROOT / "pyproject.toml").read_text()
    include = pyproject.split("include = [", 1)[1].split("]", 1)[0]
    packages = {p.strip().strip('"').rstrip("*") for p in include.split(",") if p.strip()}
    copied = set(_copy_sources(REPO_ROOT / "deploy" / "app.Dockerfile"))
    assert packages and packages <= copied


def test_the_rasa_image_carries_the_pipelines_own_components() -> None:
    config = (REPO_ROOT / "config.yml").read_text()
    copied = set(_copy_sources(REPO_ROOT / "deploy" / "rasa.Dockerfile"))
    assert {"config.yml", "domain", "data"} <= copied
    if "nlu_components." in config:
        assert "nlu_components" in copied
