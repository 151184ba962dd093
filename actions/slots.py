"""Names of the slots several action modules share (one place, so modules need not import
each other for a name)."""

import os

LAST_QUESTION_SLOT = "last_question"
KB_DECISION_SLOT = "kb_decision"
KB_CHOICES_SLOT = "kb_choices"
KB_ARTICLES_SLOT = "kb_articles_tried"
KB_FAILURES_SLOT = "kb_failures"
TICKET_REFERENCE_SLOT = "last_ticket_reference"
HANDOFF_REASON_SLOT = "handoff_reason"


def failures_before_person() -> int:
    """After this many failed turns (no answer, "didn't help", not understood) the assistant
    hands the conversation to a person (env DESKMATE_FAILURES_BEFORE_PERSON, default 2)."""
    raw = os.environ.get("DESKMATE_FAILURES_BEFORE_PERSON", "2")
    try:
        return max(1, int(raw))
    except ValueError:
        return 2
