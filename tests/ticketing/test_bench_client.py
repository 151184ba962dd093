"""The bench load generator counts only right answers: the expected status and the ticket asked
for. A wrong ticket, another status or a response it cannot frame is an error (and the
connection is reopened). Checked against a small fake server, so the verdicts are known."""

from __future__ import annotations

import asyncio
import json

from deskmate.bench_client import Spec, create_request, run


async def _serve(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, seen: list[bytes]
) -> None:
    try:
        while True:
            head = await reader.readuntil(b"\r\n\r\n")
            lines = head.split(b"\r\n")
            length = 0
            for line in lines[1:]:
                name, _, value = line.partition(b":")
                if name.lower() == b"content-length":
                    length = int(value)
            body = await reader.readexactly(length) if length else b""
            seen.append(head + body)
            method, path, _ = lines[0].split(b" ")
            if path == b"/healthz":
                answer, status = (
                    (b'{"status":"ok"}', b"200 OK")
                    if not seen[:-1]
                    else (b'{"status":"down"}', b"503 Service Unavailable")
                )
                writer.write(
                    b"HTTP/1.1 %s\r\nContent-Length: %d\r\n\r\n%s" % (status, len(answer), answer)
                )
                await writer.drain()
                continue
            reference = path.rsplit(b"/", 1)[1].decode()
            if method == b"POST":
                sent = json.loads(body)
                answer = json.dumps({"reference": "DM-000009", **sent}).encode()
                status = b"201 Created"
            elif reference == "DM-000001":  # right
                answer, status = b'{"reference":"DM-000001","events":[]}', b"200 OK"
            elif reference == "DM-000002":  # someone else's ticket
                answer, status = b'{"reference":"DM-000003"}', b"200 OK"
            elif reference == "DM-000003":
                answer, status = b'{"error":"not_found"}', b"404 Not Found"
            else:  # no Content-Length: the client cannot frame it
                writer.write(b"HTTP/1.1 200 OK\r\n\r\n{}")
                await writer.drain()
                writer.close()
                return
            writer.write(
                b"HTTP/1.1 %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s"
                % (status, len(answer), answer)
            )
            await writer.drain()
    except (asyncio.IncompleteReadError, ConnectionError):
        writer.close()


async def _load(operation: str, top: int) -> tuple[dict[str, int], list[str], list[bytes]]:
    seen: list[bytes] = []
    server = await asyncio.start_server(lambda r, w: _serve(r, w, seen), "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    async with server:
        spec = Spec("127.0.0.1", port, "tok", operation, clients=2, seconds=0.3, top=top)
        outcome = await run(spec, wait_for_go=False)
    counts = {"ok": outcome.ok, "errors": outcome.errors, "timed": len(outcome.latencies_ms)}
    return counts, outcome.error_samples, seen


def test_reads_count_only_the_ticket_asked_for() -> None:
    counts, samples, seen = asyncio.run(_load("read", top=4))
    assert counts["ok"] > 0 and counts["errors"] > 0
    assert counts["ok"] + counts["errors"] == counts["timed"]
    # Every ticket is asked for, each with the token; four kinds of answer, three of them errors.
    assert {r.split(b" ")[1] for r in seen} == {
        f"/api/v1/tickets/DM-00000{n}".encode() for n in range(1, 5)
    }
    assert all(b"Authorization: Bearer tok\r\n" in r for r in seen)
    assert counts["ok"] < counts["errors"]  # 1 in 4 requests is right
    kinds = {s.split(":")[0].split(" ")[0] for s in samples}
    assert kinds <= {"HTTP", "ProtocolError", "IncompleteReadError"} and samples


def test_creates_send_json_and_need_201_with_the_description() -> None:
    counts, samples, seen = asyncio.run(_load("create", top=1))
    assert counts["ok"] > 0 and counts["errors"] == 0, samples
    bodies = [json.loads(r.split(b"\r\n\r\n", 1)[1]) for r in seen]
    assert len({b["description"] for b in bodies}) == len(bodies)  # a new ticket every time
    assert len({b["product"] for b in bodies}) > 1
    request, must_hold = create_request(Spec("h", 1, "t", "create", 1, 1.0), 7)
    assert request.startswith(b"POST /api/v1/tickets HTTP/1.1\r\n")
    assert must_hold == b'"bench ticket 7: the device stopped responding"'


def test_pings_ask_for_healthz_without_a_token_and_need_its_ok() -> None:
    # The fake server answers the first ping "ok" and every later one 503: one ok, the rest errors.
    counts, samples, seen = asyncio.run(_load("ping", top=1))
    assert counts["ok"] == 1 and counts["errors"] > 0, (counts, samples)
    assert {r.split(b"\r\n")[0] for r in seen} == {b"GET /healthz HTTP/1.1"}
    assert not any(b"Authorization" in r for r in seen)
    assert all(s.startswith("HTTP 503") for s in samples)
