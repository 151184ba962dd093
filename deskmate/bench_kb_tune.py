"""Tune the convex fusion weights on the tuning half of the labelled questions, and only on it.

The ranking served is now the learned ranker (``python -m deskmate.bench_kb_learn``); these
weights still make the tuned convex rows of ``deskmate bench kb`` (``lexical``, ``dense``,
``fused-convex``).

    python -m deskmate.bench_kb_tune

asks every question of the tuning half once (the same signals ``rank_articles`` gathers, at the
same depth), then grid-searches ``FusionWeights`` per query language for the best Recall@1
(ties: the better MRR, then the earlier grid point), separately for the fused ranking and for
the dense-only one (the baseline must be the best dense-only configuration, tuned the same way).
It prints the winners; copying them into ``knowledge.fusion`` is a deliberate, reviewed step.
The test half is never read here.
"""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select

from deskmate.bench_kb import (
    DEPTH,
    QUESTIONS,
    TWINS,
    Question,
    load_questions,
    load_twins,
    throwaway_kb,
    with_twins,
)
from deskmate.bench_kb_split import SPLIT_FILE, TUNE, question_id, read_split
from deskmate.seed import ARTICLES
from deskmate.settings import Settings, get_settings
from knowledge.fusion import FusionWeights
from knowledge.models import Article
from knowledge.ranking import Signals, fuse, gather_signals
from knowledge.retrieval import query_language

SHARES = (0.0, 0.25, 0.4, 0.5, 0.6, 0.75, 1.0)
OTHER_LANGUAGE = (0.0, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3)
LEXICAL = (0.05, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5)
CHARS = (0.0, 0.5, 1.0, 2.0)


@dataclass(frozen=True)
class Asked:
    signals: Signals
    expected: frozenset[uuid.UUID]


def tuning_half(
    settings: Settings,
    *,
    questions: Sequence[Path],
    articles: Path,
    split: Path,
    twins: Path | None = TWINS,
) -> list[Asked]:
    """The signals of every answerable question in the tuning half.

    An expected article's twin (``deskmate.bench_kb.with_twins``) is expected too, unless
    ``twins`` is None (the labels as written).
    """
    halves = read_split(split)
    asked: list[Question] = [
        q
        for path in questions
        for q in load_questions(path)
        if q.expected and halves.get(question_id(q.q)) == TUNE
    ]
    if twins is not None:
        asked = with_twins(asked, load_twins(twins))
    out: list[Asked] = []
    with throwaway_kb(settings, articles) as (factory, router), factory() as session:
        ids = {a.external_id: a.id for a in session.scalars(select(Article))}
        for question in asked:
            signals = gather_signals(
                session,
                router=router,
                query=question.q,
                language=query_language(question.q),
                depth=DEPTH,
            )
            out.append(Asked(signals, frozenset(ids[e] for e in question.expected if e in ids)))
    return out


def score(asked: Sequence[Asked], weights: FusionWeights, *, lexical: bool) -> tuple[float, float]:
    """(Recall@1, MRR) of ``fuse`` with ``weights`` over ``asked``."""
    hits = 0
    reciprocal = 0.0
    for item in asked:
        ranking = fuse(item.signals, lexical=lexical, weights=weights)
        rank = next((i for i, a in enumerate(ranking, start=1) if a in item.expected), None)
        if rank is not None:
            hits += rank == 1
            reciprocal += 1 / rank
    n = max(len(asked), 1)
    return hits / n, reciprocal / n


def grid(*, lexical: bool) -> Iterator[FusionWeights]:
    if not lexical:
        for share, other in itertools.product(SHARES, OTHER_LANGUAGE):
            yield FusionWeights(share, other, 0.0)
        return
    for share, other, weight, chars in itertools.product(SHARES, OTHER_LANGUAGE, LEXICAL, CHARS):
        yield FusionWeights(share, other, weight, chars)


def best_weights(
    asked: Sequence[Asked], *, lexical: bool
) -> tuple[FusionWeights, tuple[float, float]]:
    best: tuple[FusionWeights, tuple[float, float]] | None = None
    for weights in grid(lexical=lexical):
        result = score(asked, weights, lexical=lexical)
        if best is None or result > best[1]:
            best = (weights, result)
    assert best is not None
    return best


def main() -> None:
    asked = tuning_half(get_settings(), questions=QUESTIONS, articles=ARTICLES, split=SPLIT_FILE)
    for language in ("en", "zh"):
        mine = [a for a in asked if a.signals.language == language]
        for lexical in (False, True):
            weights, (recall, mrr) = best_weights(mine, lexical=lexical)
            label = "fused" if lexical else "dense-only"
            print(f"{language} {label:10s} n={len(mine)} R@1 {recall:.3f} MRR {mrr:.3f} {weights}")


if __name__ == "__main__":
    main()
