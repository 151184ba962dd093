"""``deskmate bench answers``: how the answer thresholds trade right answers against wrong ones.

Runs on a fresh temporary database with the demo articles and the labelled questions in
``tests/knowledge/questions.jsonl`` (answerable ones name their articles; the rest must get
"no answer"), with the embedders and index the app uses.
"""

from __future__ import annotations

import json
import tempfile
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select

from deskmate import migrate
from deskmate import seed as demo
from deskmate.db import make_engine, make_session_factory, session_scope
from deskmate.settings import REPO_ROOT, Settings
from knowledge import service
from knowledge.models import Article
from knowledge.retrieval import LanguageRouter

QUESTIONS = REPO_ROOT / "tests" / "knowledge" / "questions.jsonl"
THRESHOLDS = (0.40, 0.44, 0.48, 0.52, 0.56)


@dataclass(frozen=True)
class Outcome:
    language: str
    answerable: bool
    score: float
    top_is_right: bool
    in_top5: bool


def evaluate(settings: Settings, questions: Path = QUESTIONS) -> list[Outcome]:
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'bench.db'}"
        migrate.upgrade(url)
        engine = make_engine(url)
        factory = make_session_factory(engine)
        local = settings.model_copy(update={"data_dir": Path(tmp)})
        router = LanguageRouter.from_settings(local)
        with session_scope(factory) as session:
            demo.seed_articles(session)
            router.rebuild(session)
        outcomes: list[Outcome] = []
        with session_scope(factory) as session:
            external = {a.id: a.external_id for a in session.scalars(select(Article))}
            for line in questions.read_text(encoding="utf-8").splitlines():
                if not line.strip():
                    continue
                row = json.loads(line)
                result = service.search(session, router=router, query=row["q"], k=5, public_url="")
                ids = [external[r.article_id] for r in result.results]
                expected = set(row["expected"])
                outcomes.append(
                    Outcome(
                        language=row["language"],
                        answerable=bool(expected),
                        score=result.results[0].score if result.results else 0.0,
                        top_is_right=bool(ids) and ids[0] in expected,
                        in_top5=bool(expected & set(ids)),
                    )
                )
        engine.dispose()
    return outcomes


def threshold_table(outcomes: list[Outcome]) -> list[dict[str, object]]:
    rows: list[dict[str, object]] = []
    for language in ("en", "zh"):
        answerable = [o for o in outcomes if o.language == language and o.answerable]
        off_topic = [o for o in outcomes if o.language == language and not o.answerable]
        for threshold in THRESHOLDS:
            rows.append(
                {
                    "language": language,
                    "threshold": threshold,
                    "answered_right": sum(
                        o.score >= threshold and o.top_is_right for o in answerable
                    ),
                    "answered_wrong": sum(
                        o.score >= threshold and not o.top_is_right for o in answerable
                    ),
                    "answerable": len(answerable),
                    "off_topic_answered": sum(o.score >= threshold for o in off_topic),
                    "off_topic": len(off_topic),
                    "recall_at_1": sum(o.top_is_right for o in answerable),
                    "recall_at_5": sum(o.in_top5 for o in answerable),
                }
            )
    return rows
