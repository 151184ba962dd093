"""``deskmate bench api``: ticket creates and reads per second through the real HTTP stack, and
list-query p95 at 10k / 100k / 1M tickets, on SQLite and on a throwaway PostgreSQL database.

The app runs under uvicorn (httptools, uvloop) in its own process(es) on a free loopback port
(knowledge models are not loaded: the ticket API does not need them); the load generator
(``deskmate/bench_client.py``, asyncio) runs in another process with N keep-alive connections.
Creates are real ``POST /api/v1/tickets`` (routing, SLA, audit, webhooks outbox as in
production); reads are ``GET /api/v1/tickets/{ref}`` spread over every
ticket created. Each run reports the CPU ms per request of the client, the server and the
database (``deskmate/bench_cpu.py``), the load average, and pool timeouts seen in the server log.
Rows for the list figures are bulk-loaded directly (PostgreSQL COPY, SQLite executemany).
"""

from __future__ import annotations

import json
import os
import random
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import Engine

from deskmate import migrate
from deskmate.auth.models import Role
from deskmate.auth.service import create_token
from deskmate.bench import _percentile
from deskmate.bench_cpu import CpuMeter
from deskmate.db import make_engine, make_session_factory, session_scope
from deskmate.settings import Settings

DEFAULT_POSTGRES_ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


@dataclass
class LoadResult:
    operation: str
    clients: int
    ok: int
    errors: int
    seconds: float
    latencies_ms: list[float] = field(default_factory=list)
    error_samples: list[str] = field(default_factory=list)
    cpu: dict[str, object] = field(default_factory=dict)
    pool_timeouts: int = 0

    @property
    def per_second(self) -> float:
        return self.ok / self.seconds if self.seconds else 0.0

    def row(self, database: str) -> dict[str, object]:
        lat = self.latencies_ms or [0.0]
        return {
            "database": database,
            "operation": self.operation,
            "clients": self.clients,
            "ok": self.ok,
            "errors": self.errors,
            "per_second": round(self.per_second, 1),
            "p50_ms": round(_percentile(lat, 0.5), 1),
            "p95_ms": round(_percentile(lat, 0.95), 1),
            "pool_timeouts": self.pool_timeouts,
            **self.cpu,
            "error_samples": self.error_samples[:3],
        }


@contextmanager
def throwaway_database(kind: str, workdir: Path) -> Iterator[str]:
    if kind == "sqlite":
        yield f"sqlite:///{workdir / 'bench.db'}"
        return
    admin_url = os.environ.get("DESKMATE_BENCH_POSTGRES_URL", DEFAULT_POSTGRES_ADMIN_URL)
    name = f"deskmate_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield admin_url.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def make_bench_app() -> object:
    """uvicorn factory for the bench server: the real app without the knowledge models."""
    from bot.assistant import RasaRestAssistant
    from deskmate.app import create_app, settle_for_serving
    from knowledge.retrieval import LanguageRouter

    app = create_app(
        Settings(),
        assistant=RasaRestAssistant("http://127.0.0.1:9", timeout=1.0),
        retriever=LanguageRouter({}, {}),
    )
    settle_for_serving()  # as deskmate/asgi.py does after building the app
    return app


@dataclass
class Server:
    base: str
    engine: Engine
    pid: int
    log: Path

    def pool_timeouts(self) -> int:
        """Times the server logged that a request waited too long for a database connection."""
        try:
            logged = self.log.read_text(errors="replace")
        except OSError:
            return 0
        return logged.count("QueuePool limit")


@contextmanager
def serve(url: str, workdir: Path, *, workers: int) -> Iterator[Server]:
    """The real app under uvicorn in its own process(es) on loopback, so that the clients here
    do not share an interpreter lock with the server."""
    port = _free_port()
    env = dict(os.environ, DESKMATE_DATABASE_URL=url, DESKMATE_DATA_DIR=str(workdir))
    command = [
        sys.executable,
        "-m",
        "uvicorn",
        "deskmate.bench_api:make_bench_app",
        "--factory",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        str(workers),
        "--http",
        "httptools",
        "--loop",
        "uvloop",
        "--log-level",
        "warning",
        "--no-access-log",
    ]
    log = (workdir / "server.log").open("w")
    process = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    engine = make_engine(url)
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the bench server did not start: see {workdir / 'server.log'}")
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.2)
        yield Server(base=base, engine=engine, pid=process.pid, log=workdir / "server.log")
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()
        engine.dispose()


def prepare(url: str) -> str:
    """Schema, demo org (so routing does real work) and an integration token."""
    from deskmate import seed

    migrate.upgrade(url)
    engine = create_engine(url)
    factory = make_session_factory(engine)
    with session_scope(factory) as session:
        seed.seed_org(session)
        token = create_token(session, role=Role.INTEGRATION, name="bench")
    engine.dispose()
    return token


def _load(
    server: Server, token: str, *, clients: int, seconds: float, operation: str, top: int = 1
) -> LoadResult:
    """One timed run of the load generator (``deskmate/bench_client.py``) in its own process;
    its CPU counts as the client's, read from ``/proc`` before it exits."""
    host, port = server.base.removeprefix("http://").rsplit(":", 1)
    spec = {
        "host": host,
        "port": int(port),
        "token": token,
        "operation": operation,
        "clients": clients,
        "seconds": seconds,
        "top": top,
    }
    meter = CpuMeter(server.pid, server.engine)
    timeouts_before = server.pool_timeouts()
    process = subprocess.Popen(
        [sys.executable, "-m", "deskmate.bench_client"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdin is not None and process.stdout is not None
    try:
        process.stdin.write(json.dumps(spec) + "\n")
        process.stdin.flush()
        if process.stdout.readline().strip() != "ready":
            raise RuntimeError("the bench client did not connect")
        meter.client_pids = [process.pid]
        before = meter.snapshot()
        process.stdin.write("go\n")
        process.stdin.flush()
        line = process.stdout.readline()
        after = meter.snapshot()
        if not line:
            raise RuntimeError("the bench client stopped without a result")
        outcome = json.loads(line)
    finally:
        process.stdin.close()
        process.wait(timeout=30)
    result = LoadResult(
        operation=operation,
        clients=clients,
        ok=outcome["ok"],
        errors=outcome["errors"],
        seconds=outcome["seconds"],
        latencies_ms=outcome["latencies_ms"],
        error_samples=outcome["error_samples"],
    )
    result.cpu = meter.report(before, after, result.ok + result.errors)
    result.pool_timeouts = server.pool_timeouts() - timeouts_before
    return result


def throughput(server: Server, token: str, *, clients: int, seconds: float) -> list[LoadResult]:
    floor = _load(server, token, clients=clients, seconds=seconds, operation="ping")
    created = _load(server, token, clients=clients, seconds=seconds, operation="create")
    with server.engine.connect() as connection:
        top = int(connection.execute(text("SELECT coalesce(max(number), 1) FROM tickets")).one()[0])
    reads = _load(server, token, clients=clients, seconds=seconds, operation="read", top=top)
    return [floor, created, reads]


# ------------------------------------------------------------------ bulk rows for list queries

COLUMNS = (
    "id",
    "number",
    "type",
    "status",
    "status_category",
    "priority",
    "description",
    "channel",
    "language",
    "context",
    "version",
    "assignee_id",
    "team_id",
    "created_at",
    "updated_at",
)
CATEGORY_MIX = [("closed", "closed")] * 16 + [("new", "open")] * 3 + [("on_hold", "waiting")]


def _rows(
    start_number: int, count: int, agents: list[tuple[uuid.UUID, uuid.UUID]]
) -> Iterator[tuple[object, ...]]:
    rng = random.Random(start_number)
    base = datetime(2024, 1, 1, tzinfo=UTC)
    for number in range(start_number, start_number + count):
        status, category = CATEGORY_MIX[rng.randrange(len(CATEGORY_MIX))]
        agent, team = agents[rng.randrange(len(agents))]
        created = base + timedelta(seconds=number * 7)
        yield (
            uuid.uuid4(),
            number,
            "fault",
            status,
            category,
            "normal",
            f"bulk ticket {number}",
            "web",
            "en",
            "{}",
            1,
            agent,
            team,
            created,
            created,
        )


def bulk_load(engine: Engine, *, until: int, agents: list[tuple[uuid.UUID, uuid.UUID]]) -> float:
    """Add tickets until there are ``until`` of them; returns the seconds it took."""
    began = time.monotonic()
    with engine.begin() as connection:
        have, top = connection.execute(
            text("SELECT count(*), coalesce(max(number), 0) FROM tickets")
        ).one()
    missing = until - int(have)
    if missing <= 0:
        return 0.0
    start = max(int(top), 1_000_000) + 1  # above the numbers the API hands out
    if engine.dialect.name == "postgresql":
        raw = engine.raw_connection()
        try:
            cursor = raw.cursor()
            statement = f"COPY tickets ({', '.join(COLUMNS)}) FROM STDIN"
            with cursor.copy(statement) as copy:
                for row in _rows(start, missing, agents):
                    copy.write_row(row)
            raw.commit()
        finally:
            raw.close()
        # What autovacuum does to a table at rest: statistics and the visibility map.
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text("VACUUM ANALYZE tickets"))
    else:
        names, marks = ", ".join(COLUMNS), ", ".join(":" + c for c in COLUMNS)
        insert = text(f"INSERT INTO tickets ({names}) VALUES ({marks})")
        batch: list[dict[str, object]] = []
        with engine.begin() as connection:
            for row in _rows(start, missing, agents):
                values = dict(zip(COLUMNS, row, strict=True))
                values["id"] = values["id"].hex  # type: ignore[attr-defined]
                for key in ("assignee_id", "team_id"):
                    values[key] = values[key].hex  # type: ignore[attr-defined]
                for key in ("created_at", "updated_at"):
                    values[key] = values[key].isoformat(sep=" ")  # type: ignore[attr-defined]
                batch.append(values)
                if len(batch) == 20_000:
                    connection.execute(insert, batch)
                    batch = []
            if batch:
                connection.execute(insert, batch)
            connection.execute(text("ANALYZE"))
    return time.monotonic() - began


def list_latency(base: str, token: str, *, assignee: str, samples: int) -> dict[str, float]:
    queries: dict[str, dict[str, str | int]] = {
        "by_status": {"status_category": "open", "per_page": 20},
        "by_assignee": {"assignee": assignee, "status_category": "open", "per_page": 20},
    }
    result: dict[str, float] = {}
    with httpx.Client(
        base_url=base, headers={"Authorization": f"Bearer {token}"}, timeout=60
    ) as http:
        for name, params in queries.items():
            latencies = []
            for i in range(samples + 3):
                began = time.perf_counter()
                response = http.get("/api/v1/tickets", params=params | {"page": 1 + i % 5})
                response.raise_for_status()
                if i >= 3:  # the first few warm caches
                    latencies.append((time.perf_counter() - began) * 1000)
            result[f"{name}_p95_ms"] = round(_percentile(latencies, 0.95), 1)
            result[f"{name}_p50_ms"] = round(_percentile(latencies, 0.5), 1)
    return result


def _agents(engine: Engine) -> tuple[list[tuple[uuid.UUID, uuid.UUID]], str]:
    from ticketing.models import Agent

    with engine.connect() as connection:
        rows = connection.execute(
            select(Agent.id, Agent.team_id, Agent.email).order_by(Agent.email)
        ).all()
    return [(r[0], r[1]) for r in rows if r[1] is not None], str(rows[0][2])


def run(
    *,
    databases: list[str],
    clients: int,
    seconds: float,
    sizes: list[int],
    sqlite_max_rows: int,
    samples: int,
    workers: int = 1,
    progress: Callable[[str], None] = lambda _m: None,
) -> dict[str, list[dict[str, object]]]:
    report: dict[str, list[dict[str, object]]] = {"throughput": [], "lists": []}
    for kind in databases:
        with (
            tempfile.TemporaryDirectory(prefix="deskmate-bench-") as tmp,
            throwaway_database(kind, Path(tmp)) as url,
        ):
            token = prepare(url)
            with serve(url, Path(tmp), workers=workers) as server:
                base, engine = server.base, server.engine
                progress(
                    f"{kind}: {clients} clients, {workers} server worker(s), {seconds:.0f} s each"
                )
                for item in throughput(server, token, clients=clients, seconds=seconds):
                    report["throughput"].append(item.row(kind))
                progress(f"{kind}: twice the concurrency ({2 * clients} clients)")
                for item in throughput(server, token, clients=2 * clients, seconds=seconds):
                    report["throughput"].append(item.row(kind))
                agents, assignee = _agents(engine)
                for size in sizes:
                    if kind == "sqlite" and size > sqlite_max_rows:
                        report["lists"].append({"database": kind, "tickets": size, "skipped": True})
                        continue
                    progress(f"{kind}: loading tickets up to {size:,}")
                    load_s = bulk_load(engine, until=size, agents=agents)
                    figures = list_latency(base, token, assignee=assignee, samples=samples)
                    report["lists"].append(
                        {"database": kind, "tickets": size, "load_s": round(load_s, 1), **figures}
                    )
    return report


def dumps(report: dict[str, list[dict[str, object]]]) -> str:
    return json.dumps(report, indent=2, default=str)
