"""The Rasa model: train it only when its inputs (config, domain, training data) changed."""

from __future__ import annotations

import hashlib
import os
import subprocess
from collections.abc import Iterable
from pathlib import Path

from deskmate.settings import REPO_ROOT

RASA_BIN = REPO_ROOT / ".venv-rasa" / "bin" / "rasa"
MODELS_DIR = REPO_ROOT / "models"


def rasa_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        {
            "RASA_TELEMETRY_ENABLED": "false",
            "SQLALCHEMY_SILENCE_UBER_WARNING": "1",
            "TF_CPP_MIN_LOG_LEVEL": "2",
            "PYTHONWARNINGS": "ignore",
            "OMP_NUM_THREADS": env.get("OMP_NUM_THREADS", "1"),
        }
    )
    env.update(extra or {})
    return env


def training_inputs(root: Path = REPO_ROOT) -> list[Path]:
    files: list[Path] = [root / "config.yml"]
    domain = root / "domain.yml"
    files += [domain] if domain.exists() else sorted((root / "domain").rglob("*.yml"))
    files += sorted((root / "data").rglob("*.yml"))
    # The pipeline's custom components: a change to them needs a new model too.
    files += sorted((root / "nlu_components").rglob("*.py"))
    return [f for f in files if f.is_file()]


def fingerprint(files: Iterable[Path], root: Path = REPO_ROOT) -> str:
    digest = hashlib.sha256()
    for path in files:
        digest.update(str(path.relative_to(root)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def model_path(root: Path = REPO_ROOT) -> Path:
    return MODELS_DIR / f"deskmate-{fingerprint(training_inputs(root), root)}.tar.gz"


def train_if_needed(*, log_file: Path, root: Path = REPO_ROOT) -> tuple[Path, bool]:
    """Return (model, trained). Trains into ``models/`` when no model matches the inputs."""
    target = model_path(root)
    if target.exists():
        return target, False
    MODELS_DIR.mkdir(exist_ok=True)
    log_file.parent.mkdir(parents=True, exist_ok=True)
    with log_file.open("ab") as log:
        result = subprocess.run(
            [
                str(RASA_BIN),
                "train",
                "--config",
                "config.yml",
                "--domain",
                "domain.yml" if (root / "domain.yml").exists() else "domain",
                "--data",
                "data",
                "--out",
                str(MODELS_DIR),
                "--fixed-model-name",
                target.name.removesuffix(".tar.gz"),
            ],
            cwd=root,
            env=rasa_env(),
            stdout=log,
            stderr=subprocess.STDOUT,
            check=False,
        )
    if result.returncode != 0 or not target.exists():
        raise RuntimeError(f"rasa train failed (exit {result.returncode}); see {log_file}")
    return target, True
