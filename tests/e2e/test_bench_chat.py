"""``deskmate bench chat``'s measurement against the live stack: latency rows and CPU per turn."""

from __future__ import annotations

from typing import Any, cast

from deskmate.bench import run_chat_bench, stack_processes
from tests.stack import LiveStack


def test_the_chat_bench_times_turns_and_counts_each_process_cpu(live_stack: LiveStack) -> None:
    settings = live_stack.settings
    processes = stack_processes(
        port=settings.port, rasa_port=settings.rasa_port, actions_port=settings.actions_port
    )
    assert sorted(processes) == ["actions", "app", "rasa"]
    rows = run_chat_bench(live_stack.app_url, turns=5, processes=processes)
    by_turn = {str(row["turn"]): row for row in rows}
    assert by_turn["knowledge answer"]["n"] == 5
    assert by_turn["ticket status"]["n"] == 5
    for name in ("knowledge answer", "ticket status"):
        row = by_turn[name]
        assert 0 < cast(float, row["p50_ms"]) <= cast(float, row["p95_ms"])
        cpu = cast(dict[str, Any], row["cpu_ms_per_turn"])
        assert sorted(cpu) == ["actions", "app", "rasa"]
        # Rasa parses and predicts on every turn; the app relays every turn.
        assert cpu["rasa"] > 0 and cpu["app"] > 0
