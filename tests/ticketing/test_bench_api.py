"""`deskmate bench api` runs end to end (tiny sizes: this checks that it works, not how fast)."""

from __future__ import annotations

import json
from pathlib import Path

from tests.test_cli import deskmate


def test_bench_api_reports_throughput_and_list_figures(tmp_path: Path) -> None:
    result = deskmate(
        tmp_path / "data",
        "bench",
        "api",
        "--database",
        "sqlite",
        "--clients",
        "2",
        "--seconds",
        "1",
        "--sizes",
        "300,600",
        "--sqlite-max-rows",
        "400",
        "--samples",
        "5",
        "--json",
    )
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    operations = [(r["operation"], r["clients"]) for r in report["throughput"]]
    assert operations == [
        ("ping", 2),
        ("create", 2),
        ("read", 2),
        ("ping", 4),
        ("create", 4),
        ("read", 4),
    ]
    assert all(r["ok"] > 0 and r["errors"] == 0 for r in report["throughput"]), report
    # Where the CPU went: the load generator and the server are both measured (from /proc).
    for row in report["throughput"]:
        # The client's share can be below one clock tick in a 1-second run: measured, maybe 0.
        assert row["pool_timeouts"] == 0 and row["client_cpu_ms"] >= 0, row
        assert row["server_cpu_ms"] > 0 and row["database_cpu_ms"] is None, row  # SQLite
        assert len(row["loadavg"].split()) == 3 and row["machine_busy_cores"] >= 0, row
    ping, create, read = report["throughput"][:3]
    # The floor (GET /healthz: same server and middleware, no database, no token) costs the
    # server less CPU than any ticket request.
    assert ping["server_cpu_ms"] < read["server_cpu_ms"] < create["server_cpu_ms"], report
    small, big = report["lists"]
    assert small["tickets"] == 300 and small["by_status_p95_ms"] > 0
    assert small["by_assignee_p95_ms"] > 0
    assert big == {"database": "sqlite", "tickets": 600, "skipped": True}
