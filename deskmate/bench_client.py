"""The load generator of ``deskmate bench api``: a lean asyncio HTTP/1.1 client in its own process.

N keep-alive connections (asyncio streams), one request at a time on each (no pipelining). Every
request is a real authenticated ``POST /api/v1/tickets`` (a new ticket, products varied) or
``GET /api/v1/tickets/{ref}`` (every ticket there is, in a scattered order). A response counts as
ok only if its status is the expected one and its body is the ticket asked for: a read's body
holds the reference requested, a create's body holds the description sent. Anything else (other
status, missing ``Content-Length``, closed connection, timeout) is an error; the connection is
then reopened.

Protocol with the parent (``deskmate.bench_api``): the spec is one JSON line on stdin; once
connected, this prints ``ready``; on the line ``go`` it runs for ``seconds`` and then prints one
JSON line with the counts and latencies, and waits for stdin to close before it exits (so the
parent can read its CPU time in ``/proc`` while it is still there).
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from dataclasses import asdict, dataclass, field

PRODUCTS = ["Lumora Hub", "Lumora Cam", "Lumora Thermostat", "Lumora Doorbell", "Lumora App"]
READ_STRIDE = 7919  # prime: n * 7919 mod top visits every ticket


@dataclass
class Spec:
    host: str
    port: int
    token: str
    operation: str  # "create", "read" or "ping" (GET /healthz: the HTTP stack's floor)
    clients: int
    seconds: float
    top: int = 1  # reads: tickets DM-000001 .. top


@dataclass
class Outcome:
    ok: int = 0
    errors: int = 0
    seconds: float = 0.0
    latencies_ms: list[float] = field(default_factory=list)
    error_samples: list[str] = field(default_factory=list)

    def fail(self, message: str) -> None:
        self.errors += 1
        if len(self.error_samples) < 3:
            self.error_samples.append(message)


def format_reference(number: int) -> str:
    """As ``ticketing.models.format_reference`` (not imported: this process stays lean)."""
    return f"DM-{number:06d}"


def create_request(spec: Spec, n: int) -> tuple[bytes, bytes]:
    """The bytes of one ticket create and a fragment its response body must contain."""
    description = f"bench ticket {n}: the device stopped responding"
    body = json.dumps(
        {
            "description": description,
            "product": PRODUCTS[n % len(PRODUCTS)],
            "language": "en",
            "channel": "web",
        }
    ).encode()
    head = (
        f"POST /api/v1/tickets HTTP/1.1\r\nHost: {spec.host}:{spec.port}\r\n"
        f"Authorization: Bearer {spec.token}\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    ).encode()
    return head + body, json.dumps(description).encode()


def ping_request(spec: Spec) -> tuple[bytes, bytes]:
    """``GET /healthz``: no database and no token, the same HTTP server, framework and
    middleware as a ticket read, so its cost is the floor under every request."""
    request = f"GET /healthz HTTP/1.1\r\nHost: {spec.host}:{spec.port}\r\n\r\n".encode()
    return request, b'"status":"ok"'


def read_requests(spec: Spec) -> list[tuple[bytes, bytes]]:
    """The bytes of a read of every ticket (built once) and the reference each body must hold."""
    if spec.operation == "ping":
        return [ping_request(spec)]
    built = []
    for number in range(1, spec.top + 1):
        reference = format_reference(number)
        request = (
            f"GET /api/v1/tickets/{reference} HTTP/1.1\r\nHost: {spec.host}:{spec.port}\r\n"
            f"Authorization: Bearer {spec.token}\r\n\r\n"
        ).encode()
        built.append((request, f'"reference":"{reference}"'.encode()))
    return built


class ProtocolError(Exception):
    """The server's answer is not a complete HTTP/1.1 response with a Content-Length."""


async def exchange(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, request: bytes
) -> tuple[int, bytes]:
    """Send one request and read its response: (status, body)."""
    writer.write(request)
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    parts = lines[0].split(b" ", 2)
    if len(parts) < 2 or not parts[0].startswith(b"HTTP/1.") or not parts[1].isdigit():
        raise ProtocolError(f"bad status line {lines[0][:80]!r}")
    length = None
    for line in lines[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip())
    if length is None:
        raise ProtocolError("response without Content-Length")
    body = await reader.readexactly(length) if length else b""
    return int(parts[1]), body


async def connection_loop(
    spec: Spec,
    index: int,
    connected: asyncio.Event,
    go: asyncio.Event,
    stop_at: list[float],
    outcome: Outcome,
    reads: list[tuple[bytes, bytes]],
) -> None:
    reader, writer = await asyncio.open_connection(spec.host, spec.port)
    connected.set()
    await go.wait()
    expected = 201 if spec.operation == "create" else 200
    n = index * 1_000_000
    latencies = outcome.latencies_ms
    try:
        while time.monotonic() < stop_at[0]:
            if spec.operation == "create":
                request, must_hold = create_request(spec, n)
            else:
                request, must_hold = reads[(n * READ_STRIDE) % len(reads)]
            n += 1
            began = time.perf_counter()
            try:
                status, body = await asyncio.wait_for(exchange(reader, writer, request), 60)
            except (OSError, EOFError, TimeoutError, ProtocolError, ValueError) as exc:
                latencies.append((time.perf_counter() - began) * 1000)
                outcome.fail(f"{type(exc).__name__}: {exc}")
                writer.close()
                reader, writer = await asyncio.open_connection(spec.host, spec.port)
                continue
            latencies.append((time.perf_counter() - began) * 1000)
            if status != expected:
                outcome.fail(f"HTTP {status} {body[:120].decode(errors='replace')}")
            elif must_hold not in body:
                outcome.fail(f"HTTP {status} but not the ticket asked for: {body[:120]!r}")
            else:
                outcome.ok += 1
    finally:
        writer.close()


async def run(spec: Spec, wait_for_go: bool = True) -> Outcome:
    outcome = Outcome()
    reads = read_requests(spec) if spec.operation != "create" else []
    go = asyncio.Event()
    stop_at = [0.0]
    ready = [asyncio.Event() for _ in range(spec.clients)]
    tasks = [
        asyncio.create_task(connection_loop(spec, i, ready[i], go, stop_at, outcome, reads))
        for i in range(spec.clients)
    ]
    await asyncio.gather(*(event.wait() for event in ready))
    if wait_for_go:
        print("ready", flush=True)
        line = await asyncio.to_thread(sys.stdin.readline)
        if line.strip() != "go":
            raise SystemExit("expected 'go'")
    began = time.monotonic()
    stop_at[0] = began + spec.seconds
    go.set()
    await asyncio.gather(*tasks)
    outcome.seconds = time.monotonic() - began
    return outcome


def main() -> None:
    spec = Spec(**json.loads(sys.stdin.readline()))
    try:
        import uvloop
    except ImportError:  # pragma: no cover - uvloop comes with uvicorn[standard]
        outcome = asyncio.run(run(spec))
    else:
        outcome = uvloop.run(run(spec))
    print(json.dumps(asdict(outcome)), flush=True)
    sys.stdin.read()  # the parent closes stdin once it has read this process's CPU time


if __name__ == "__main__":
    main()
