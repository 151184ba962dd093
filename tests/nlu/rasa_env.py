"""Running a script in the Rasa environment (.venv-rasa) and reading back what it reported.

Rasa cannot be imported into the app's environment, so the tests of the pipeline's own
components run a script there; the script prints one line ``REPORT <json>``.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
RASA_PYTHON = ROOT / ".venv-rasa" / "bin" / "python"


def run_in_rasa_env(
    args: list[str], *, env: dict[str, str] | None = None, timeout: float = 300
) -> subprocess.CompletedProcess[str]:
    """Run the Rasa environment's Python with ``args`` from the repository root; it must exit 0."""
    result = subprocess.run(
        [str(RASA_PYTHON), *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    return result


def require_rasa_env() -> None:
    """Skip when the Rasa environment is missing (a failure on CI, where it must be there)."""
    if not RASA_PYTHON.exists():
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"{RASA_PYTHON} is missing on CI", pytrace=False)
        pytest.skip("the Rasa environment (.venv-rasa) is not installed")


def run_report(script: str) -> dict[str, Any]:
    """Run ``script`` with the Rasa environment's Python from the repository root; skip when
    that environment is missing (a failure on CI, where it must be there)."""
    require_rasa_env()
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TF_CPP_MIN_LOG_LEVEL": "2"}
    env["PYTHONPATH"] = str(ROOT)
    result = run_in_rasa_env(["-c", script], env=env)
    line = next(ln for ln in result.stdout.splitlines() if ln.startswith("REPORT "))
    return json.loads(line.removeprefix("REPORT "))  # type: ignore[no-any-return]
