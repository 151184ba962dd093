"""CPU accounting for ``deskmate bench api``: how much processor time the load generator (this
process), the app server (uvicorn and its workers) and the database server (the PostgreSQL
backends connected to the bench database) spent per request, and how busy the whole machine
was meanwhile, so a figure taken on a shared machine says what else was running.

Reads Linux ``/proc``; elsewhere (or for a database on another host) the figures are absent.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import Engine

PROC = Path("/proc")


def _ticks() -> int:
    try:
        return int(os.sysconf("SC_CLK_TCK"))
    except (ValueError, OSError, AttributeError):
        return 100


TICKS = _ticks()


def process_cpu_seconds(pid: int) -> float | None:
    """User + system CPU seconds of one process (all its threads), None if it is gone."""
    try:
        raw = (PROC / str(pid) / "stat").read_text()
    except OSError:
        return None
    fields = raw.rsplit(")", 1)[1].split()  # the name in brackets may contain spaces
    return (int(fields[11]) + int(fields[12])) / TICKS  # utime and stime (fields 14 and 15)


def children(pid: int) -> list[int]:
    found: list[int] = []
    try:
        tasks = list((PROC / str(pid) / "task").iterdir())
    except OSError:
        return found
    for task in tasks:
        try:
            found += [int(p) for p in (task / "children").read_text().split()]
        except OSError:
            continue
    return found


def tree_cpu_seconds(pid: int) -> float:
    """CPU seconds of a process and all its descendants (Sanic serves from worker processes)."""
    total, pending, seen = 0.0, [pid], set[int]()
    while pending:
        current = pending.pop()
        if current in seen:
            continue
        seen.add(current)
        total += process_cpu_seconds(current) or 0.0
        pending += children(current)
    return total


def machine_busy_seconds() -> float | None:
    """CPU seconds all cores spent not idle since boot (from /proc/stat)."""
    try:
        first = (PROC / "stat").read_text().splitlines()[0].split()
    except OSError:
        return None
    values = [int(v) for v in first[1:]]
    idle = values[3] + (values[4] if len(values) > 4 else 0)  # idle + iowait
    return (sum(values[:8]) - idle) / TICKS


def load_average() -> str:
    try:
        return " ".join((PROC / "loadavg").read_text().split()[:3])
    except OSError:
        return "n/a"


@dataclass
class Snapshot:
    wall: float
    client: float
    server: dict[int, float] = field(default_factory=dict)
    database: dict[int, float] = field(default_factory=dict)
    machine: float | None = None


class CpuMeter:
    """Snapshots before and after a load run; ``report`` gives CPU ms per request."""

    def __init__(self, server_pid: int, engine: Engine | None) -> None:
        self.server_pid = server_pid
        self.engine = engine if engine is not None and engine.dialect.name == "postgresql" else None
        self.client_pids: list[int] = []  # load generator processes, counted with this one

    def _database_pids(self) -> list[int]:
        if self.engine is None:
            return []
        with self.engine.connect() as connection:
            rows = connection.execute(
                text(
                    "SELECT pid FROM pg_stat_activity "
                    "WHERE datname = current_database() AND pid <> pg_backend_pid()"
                )
            )
            return [int(r[0]) for r in rows]

    def snapshot(self) -> Snapshot:
        times = os.times()
        server_pids = [self.server_pid, *children(self.server_pid)]
        return Snapshot(
            wall=time.monotonic(),
            client=times.user + times.system + sum(_cpu_of(self.client_pids).values()),
            server=_cpu_of(server_pids),
            database=_cpu_of(self._database_pids()),
            machine=machine_busy_seconds(),
        )

    @staticmethod
    def report(before: Snapshot, after: Snapshot, requests: int) -> dict[str, object]:
        per = max(requests, 1)
        wall = max(after.wall - before.wall, 1e-9)
        client = after.client - before.client
        server = _delta(before.server, after.server)
        database = _delta(before.database, after.database)
        result: dict[str, object] = {
            "client_cpu_ms": round(1000 * client / per, 2),
            "server_cpu_ms": round(1000 * server / per, 2) if after.server else None,
            "database_cpu_ms": round(1000 * database / per, 2) if after.database else None,
            "loadavg": load_average(),
        }
        if before.machine is not None and after.machine is not None:
            busy = (after.machine - before.machine) / wall
            ours = (client + server + database) / wall
            result["machine_busy_cores"] = round(busy, 2)
            result["other_busy_cores"] = round(max(busy - ours, 0.0), 2)
        return result


def _cpu_of(pids: list[int]) -> dict[int, float]:
    found = {}
    for pid in pids:
        seconds = process_cpu_seconds(pid)
        if seconds is not None:
            found[pid] = seconds
    return found


def _delta(before: dict[int, float], after: dict[int, float]) -> float:
    """CPU spent between the snapshots; a process that appeared meanwhile counts from zero."""
    return sum(seconds - before.get(pid, 0.0) for pid, seconds in after.items())
