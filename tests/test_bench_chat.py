from __future__ import annotations

from deskmate.bench import _knowledge_outcome


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
