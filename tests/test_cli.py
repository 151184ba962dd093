"""The ``deskmate`` command as a user runs it: a real process, its own data directory."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.knowledge.factories import article_data, write_jsonl


def deskmate(data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, DESKMATE_DATA_DIR=str(data_dir), COLUMNS="200")
    env.pop("DESKMATE_DATABASE_URL", None)
    return subprocess.run(
        [sys.executable, "-m", "deskmate.cli", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_import_search_reimport_and_bad_files(tmp_path: Path) -> None:
    data = tmp_path / "data"
    assert deskmate(data, "db", "upgrade").returncode == 0

    bad = write_jsonl(tmp_path / "bad.jsonl", [article_data(), "{oops"])
    result = deskmate(data, "kb", "import", str(bad), "--publish")
    assert result.returncode == 1
    assert "line 2: invalid JSON" in result.stderr and "nothing was imported" in result.stderr

    good = write_jsonl(
        tmp_path / "good.jsonl",
        [
            article_data(),
            article_data(
                external_id="kb-zh",
                title="摄像头连接 Wi-Fi",
                language="zh",
                body="摄像头只支持 2.4 GHz 网络。\n\n## 步骤\n\n打开 App，选择网络。",
            ),
        ],
    )
    first = deskmate(data, "kb", "import", str(good), "--publish")
    assert first.returncode == 0, first.stderr
    assert "'created': 2" in first.stdout and "knowledge index" in first.stdout

    again = deskmate(data, "kb", "import", str(good), "--publish")
    assert "'created': 0" in again.stdout and "'unchanged': 2" in again.stdout

    found = deskmate(data, "kb", "search", "camera wifi", "--json")
    assert found.returncode == 0, found.stderr
    results = json.loads(found.stdout)["results"]
    assert len(results) == 2 and results[0]["title"] == "Connect the camera to Wi-Fi"
    chinese = json.loads(deskmate(data, "kb", "search", "摄像头怎么连网", "--json").stdout)
    assert chinese["results"][0]["title"] == "摄像头连接 Wi-Fi"

    empty = deskmate(data, "kb", "search", "   ")
    assert empty.returncode == 1 and "empty" in empty.stderr


def test_token_create_prints_a_token_and_refuses_unknown_roles(tmp_path: Path) -> None:
    data = tmp_path / "data"
    deskmate(data, "db", "upgrade")
    ok = deskmate(data, "token", "create", "--role", "agent")
    assert ok.returncode == 0 and ok.stdout.strip().startswith("dm_")
    bad = deskmate(data, "token", "create", "--role", "wizard")
    assert bad.returncode == 1 and "unknown role" in bad.stderr
