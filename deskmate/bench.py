"""Benchmarks that print figures. ``deskmate bench chat`` measures turns through the gateway."""

from __future__ import annotations

import re
import statistics
import time
import uuid

import httpx

from deskmate.bench_cpu import PROC, tree_cpu_seconds

KNOWLEDGE_QUESTIONS = [
    "how do I connect my camera to wifi",
    "how can I reset the doorbell",
    "what is the difference between cloud basic and plus",
    "how do I update the hub firmware",
    "the thermostat needs a c-wire?",
    "how do I share access with my family",
    "how do I get a refund",
    "what do the LED colours on the hub mean",
]
REFERENCE = re.compile(r"DM-\d{6}")
BENCH_EMAIL = "bench@example.com"


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return ordered[index]


def _summary(name: str, samples: list[float]) -> dict[str, object]:
    return {
        "turn": name,
        "n": len(samples),
        "p50_ms": _percentile(samples, 0.50),
        "p95_ms": _percentile(samples, 0.95),
        "mean_ms": statistics.fmean(samples),
        "max_ms": max(samples),
    }


def stack_processes(*, port: int, rasa_port: int, actions_port: int) -> dict[str, int]:
    """The local Deskmate processes serving these ports (app, Rasa, action server), by command
    line as ``deskmate up`` starts them; empty where /proc is not there."""
    wanted = {
        "app": ("uvicorn", f"--port\0{port}\0"),
        "rasa": ("rasa", f"--port\0{rasa_port}\0"),
        "actions": ("rasa_sdk", f"--port\0{actions_port}\0"),
    }
    found: dict[str, int] = {}
    try:
        entries = list(PROC.iterdir())
    except OSError:
        return found
    for entry in entries:
        if not entry.name.isdigit():
            continue
        try:
            line = (entry / "cmdline").read_text()
        except OSError:
            continue
        for name, (program, port_args) in wanted.items():
            if name not in found and program in line and port_args in line + "\0":
                found[name] = int(entry.name)
    return found


def _cpu(processes: dict[str, int]) -> dict[str, float]:
    return {name: tree_cpu_seconds(pid) for name, pid in processes.items()}


def _cpu_per_turn(
    before: dict[str, float], after: dict[str, float], turns: int
) -> dict[str, float]:
    return {name: 1000 * (after[name] - before[name]) / max(turns, 1) for name in before}


class _Chat:
    def __init__(self, client: httpx.Client) -> None:
        self.client = client

    def say(self, conversation_id: str, text: str) -> tuple[float, list[dict[str, object]]]:
        started = time.perf_counter()
        response = self.client.post(
            "/api/v1/chat/messages", json={"conversation_id": conversation_id, "text": text}
        )
        elapsed = (time.perf_counter() - started) * 1000
        if response.status_code != 200:
            raise RuntimeError(f"chat turn failed: {response.status_code} {response.text[:200]}")
        messages: list[dict[str, object]] = response.json()["messages"]
        return elapsed, messages


def _texts(messages: list[dict[str, object]]) -> str:
    return "\n".join(str(m.get("text", "")) for m in messages)


def _open_ticket(chat: _Chat) -> str:
    conversation = f"bench-{uuid.uuid4()}"
    replies: list[dict[str, object]] = []
    for text in (
        "I want to open a ticket",
        "My camera keeps dropping off the network every evening",
        "Lumora Cam",
        BENCH_EMAIL,
    ):
        _, replies = chat.say(conversation, text)
    match = REFERENCE.search(_texts(replies))
    if match is None:
        raise RuntimeError(
            f"the ticket form did not give a reference; last reply: {_texts(replies)!r}"
        )
    return match.group(0)


def run_chat_bench(
    base_url: str, *, turns: int, processes: dict[str, int] | None = None
) -> list[dict[str, object]]:
    """p50/p95 per kind of turn; with ``processes`` (name -> pid), also the CPU milliseconds
    each process spent per turn over all knowledge turns and over the status turns."""
    processes = processes or {}
    with httpx.Client(base_url=base_url, timeout=30.0) as client:
        try:
            ready = client.get("/readyz")
        except httpx.HTTPError as exc:
            raise RuntimeError(
                f"Deskmate is not running at {base_url} (start it with `make run`)"
            ) from exc
        if ready.status_code != 200:
            raise RuntimeError(f"Deskmate at {base_url} is not ready: {ready.text}")
        chat = _Chat(client)
        reference = _open_ticket(chat)
        # Knowledge turns by what the help center decided: an article with its link, the
        # top choices as buttons, or no answer. The figure that counts is the answered one;
        # the questions cycle until `turns` of them answered (at most 3 x turns tries).
        by_outcome: dict[str, list[float]] = {"answer": [], "clarify": [], "no answer": []}
        tries = 0
        cpu_before = _cpu(processes)
        while len(by_outcome["answer"]) < turns and tries < 3 * turns:
            question = KNOWLEDGE_QUESTIONS[tries % len(KNOWLEDGE_QUESTIONS)]
            tries += 1
            elapsed, messages = chat.say(f"bench-{uuid.uuid4()}", question)
            by_outcome[_knowledge_outcome(messages)].append(elapsed)
        if not by_outcome["answer"]:
            raise RuntimeError("no knowledge turn answered with an article and its link")
        knowledge_cpu = _cpu_per_turn(cpu_before, _cpu(processes), tries)
        knowledge = by_outcome["answer"]
        status: list[float] = []
        cpu_before = _cpu(processes)
        for _ in range(turns):
            # A new conversation each time: the customer names the email the ticket was
            # opened with (the assistant tells a ticket's status to its own customer only).
            elapsed, messages = chat.say(
                f"bench-{uuid.uuid4()}",
                f"what is the status of {reference}? my email is {BENCH_EMAIL}",
            )
            if reference not in _texts(messages):
                raise RuntimeError(
                    f"a status turn did not mention {reference}: {_texts(messages)!r}"
                )
            status.append(elapsed)
        status_cpu = _cpu_per_turn(cpu_before, _cpu(processes), turns)
    rows: list[dict[str, object]] = [
        {**_summary("knowledge answer", knowledge), "cpu_ms_per_turn": knowledge_cpu}
    ]
    rows += [
        _summary(f"knowledge {outcome}", samples)
        for outcome, samples in by_outcome.items()
        if outcome != "answer" and samples
    ]
    return [*rows, {**_summary("ticket status", status), "cpu_ms_per_turn": status_cpu}]


def _knowledge_outcome(messages: list[dict[str, object]]) -> str:
    if "http" in _texts(messages):
        return "answer"
    payloads = [
        str(button.get("payload", ""))
        for message in messages
        for button in message.get("buttons", []) or []  # type: ignore[attr-defined]
    ]
    if any(p.startswith("/ask_question") for p in payloads):
        return "clarify"
    return "no answer"
