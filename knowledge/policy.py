"""The answer policy: answer, ask the asker to choose (clarify), or say there is no answer.

The policy reads only ``RankedArticle.confidence`` (0..1), never raw fused scores. Thresholds are
data (table ``kb_answer_thresholds``): a row per category and query language, a row with no
category as that language's default, and the settings as the last fallback. The category that
counts is the category of the best candidate: a billing article may need more confidence before
it is served than a setup article.

    clarify    the first is >= clarify_floor and so is at least one of the next two within
               margin of it: those (at most 3) are offered as choices; or one of the next two
               is >= clarify_floor and more confident than the first (the ranking and the
               confidences disagree): the first and those are offered
    answer     otherwise, when the first is >= answer
    no_answer  otherwise (offer a ticket or an expert)
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.orm import Session

from deskmate.errors import BadRequest, NotFound
from knowledge.models import AnswerThreshold
from knowledge.ranking import RankedArticle

MAX_CHOICES = 3
# Defaults for the clarify band when neither a row nor the caller gives them.
DEFAULT_CLARIFY_BAND = 0.05  # clarify_floor = answer - band
DEFAULT_MARGIN = 0.02


class Decision(StrEnum):
    ANSWER = "answer"
    CLARIFY = "clarify"
    NO_ANSWER = "no_answer"


@dataclass(frozen=True)
class Thresholds:
    answer: float
    clarify_floor: float
    margin: float

    def __post_init__(self) -> None:
        for name in ("answer", "clarify_floor", "margin"):
            value = getattr(self, name)
            if not 0.0 <= value <= 1.0:
                raise BadRequest(f"{name} must be between 0 and 1 (got {value}).")
        if self.clarify_floor > self.answer:
            raise BadRequest(
                f"clarify_floor ({self.clarify_floor}) must not be above answer ({self.answer})."
            )


@dataclass(frozen=True)
class PolicyResult:
    decision: Decision
    choices: list[RankedArticle]  # what the asker is shown: the answer, or the clarify buttons
    thresholds: Thresholds


def decide(ranked: Sequence[RankedArticle], thresholds: Thresholds) -> PolicyResult:
    """Apply the policy to a ranking, best first.

    The ranking's order is kept (the answer is always the ranking's first article, so what the
    asker sees and ``results[0]`` agree); only the confidences are compared with thresholds.
    """
    if not ranked:
        return PolicyResult(Decision.NO_ANSWER, [], thresholds)
    top = ranked[0]
    if top.confidence >= thresholds.clarify_floor:
        close = [top] + [
            hit
            for hit in ranked[1:MAX_CHOICES]
            if hit.confidence >= thresholds.clarify_floor
            and abs(top.confidence - hit.confidence) <= thresholds.margin
        ]
        if len(close) >= 2:
            return PolicyResult(Decision.CLARIFY, close, thresholds)
    surer = [
        hit
        for hit in ranked[1:MAX_CHOICES]
        if hit.confidence >= thresholds.clarify_floor and hit.confidence > top.confidence
    ]
    if surer:
        # The fused ranking puts first an article its own embedder is less sure of than a
        # runner-up that reaches the clarify floor: unsure, so ask rather than guess or give up.
        return PolicyResult(Decision.CLARIFY, [top, *surer], thresholds)
    if top.confidence >= thresholds.answer:
        return PolicyResult(Decision.ANSWER, [top], thresholds)
    return PolicyResult(Decision.NO_ANSWER, [], thresholds)


def default_thresholds(
    answer: float, *, band: float | None = None, margin: float | None = None
) -> Thresholds:
    """Settings-level thresholds: the answer threshold with a clarify band below it."""
    band = DEFAULT_CLARIFY_BAND if band is None else band
    return Thresholds(
        answer=answer,
        clarify_floor=max(0.0, answer - band),
        margin=DEFAULT_MARGIN if margin is None else margin,
    )


def thresholds_for(
    session: Session, *, category: str | None, language: str, fallback: Thresholds
) -> Thresholds:
    """The row for (category, language), else the language's default row, else ``fallback``."""
    rows = {
        row.category: row
        for row in session.scalars(
            select(AnswerThreshold).where(
                AnswerThreshold.language == language,
                (AnswerThreshold.category == category) | AnswerThreshold.category.is_(None),
            )
        )
    }
    row = rows.get(category) or rows.get(None)
    if row is None:
        return fallback
    return Thresholds(answer=row.answer, clarify_floor=row.clarify_floor, margin=row.margin)


def list_thresholds(session: Session) -> list[AnswerThreshold]:
    return list(
        session.scalars(
            select(AnswerThreshold).order_by(
                AnswerThreshold.language,
                AnswerThreshold.category.is_not(None),
                AnswerThreshold.category,
            )
        )
    )


def set_thresholds(
    session: Session, *, category: str | None, language: str, thresholds: Thresholds
) -> AnswerThreshold:
    """Create or replace the thresholds of (category, language).

    A NULL category is "the default" and the unique constraint does not cover NULLs, so the
    lookup here (not the constraint) keeps one default row per language.
    """
    condition = (
        AnswerThreshold.category.is_(None)
        if category is None
        else AnswerThreshold.category == category
    )
    row = session.scalar(
        select(AnswerThreshold).where(condition, AnswerThreshold.language == language)
    )
    if row is None:
        row = AnswerThreshold(category=category, language=language)
        session.add(row)
    row.answer = thresholds.answer
    row.clarify_floor = thresholds.clarify_floor
    row.margin = thresholds.margin
    session.flush()
    return row


def delete_thresholds(session: Session, *, threshold_id: uuid.UUID) -> None:
    row = session.get(AnswerThreshold, threshold_id)
    if row is None:
        raise NotFound(f"No threshold row {threshold_id}.")
    session.delete(row)
    session.flush()
