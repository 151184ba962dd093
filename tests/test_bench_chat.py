from __future__ import annotations

import pytest

from deskmate.bench import _cpu_per_turn, _knowledge_outcome, stack_processes
from deskmate.bench_cpu import children, process_cpu_seconds, tree_cpu_seconds


def test_knowledge_turns_are_told_apart_by_what_the_help_center_decided() -> None:
    answer = [{"text": "**Reset**\n\n[Read the full article](http://x/kb/articles/1)"}]
    clarify = [
        {
            "text": "Which of these?",
            "buttons": [
                {"title": "A", "payload": '/ask_question{"article_id": "1"}'},
                {"title": "None of these", "payload": "/deny"},
            ],
        }
    ]
    no_answer = [{"text": "I couldn't find an answer.", "buttons": [{"payload": "/open_ticket"}]}]
    assert _knowledge_outcome(answer) == "answer"
    assert _knowledge_outcome(clarify) == "clarify"
    assert _knowledge_outcome(no_answer) == "no answer"
    assert _knowledge_outcome([]) == "no answer"


def test_the_stack_processes_are_found_by_their_command_lines() -> None:
    import subprocess
    import sys

    # Stand-ins whose command lines look like the app's and the action server's.
    sleeper = "import time; time.sleep(60)"
    app = subprocess.Popen([sys.executable, "-c", sleeper, "uvicorn", "--port", "48123"])
    actions = subprocess.Popen([sys.executable, "-c", sleeper, "rasa_sdk", "--port", "48125"])
    other = subprocess.Popen([sys.executable, "-c", sleeper, "uvicorn", "--port", "481234"])
    try:
        found = stack_processes(port=48123, rasa_port=48124, actions_port=48125)
        assert found == {"app": app.pid, "actions": actions.pid}  # no Rasa on 48124
    finally:
        for process in (app, actions, other):
            process.kill()
            process.wait()


def test_cpu_per_turn_is_the_difference_over_the_turns() -> None:
    assert _cpu_per_turn({"app": 1.0, "rasa": 2.0}, {"app": 1.5, "rasa": 2.1}, 10) == {
        "app": 50.0,
        "rasa": pytest.approx(10.0),
    }
    assert _cpu_per_turn({"app": 1.0}, {"app": 1.0}, 0) == {"app": 0.0}


def test_a_process_tree_counts_the_cpu_of_its_workers() -> None:
    import subprocess
    import sys

    # A parent that starts a busy child and waits: the child's CPU belongs to the parent's tree.
    code = (
        "import subprocess, sys; subprocess.run([sys.executable, '-c', "
        "'import time\\nend = time.process_time() + 0.5\\nwhile time.process_time() < end: pass"
        "\\nimport time; time.sleep(30)'])"
    )
    parent = subprocess.Popen([sys.executable, "-c", code])
    try:
        import time

        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and tree_cpu_seconds(parent.pid) < 0.4:
            time.sleep(0.1)
        own = process_cpu_seconds(parent.pid) or 0.0
        assert tree_cpu_seconds(parent.pid) >= 0.4 > own
    finally:
        for pid in children(parent.pid):
            subprocess.run(["kill", str(pid)], check=False)
        parent.kill()
        parent.wait()
