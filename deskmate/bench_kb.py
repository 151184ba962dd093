"""``deskmate bench kb``: retrieval quality of BM25, dense and fused rankings, side by side.

Loads the articles into a throwaway SQLite database and index directory, asks every labelled
question, and scores each signal's article ranking: Recall@1, Recall@5 and MRR per question
language, overall, and for the cross-lingual questions (those whose expected articles are all in
the other language). A label accepts the labelled article's twin in the other language
(``TWINS``), so a question with a same-language twin of its answer is not cross-lingual. Query
latency is measured through ``rank_articles`` (embedding included). The scale run on synthetic
chunks is in ``deskmate.bench_kb_scale``.
"""

from __future__ import annotations

import dataclasses
import json
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from deskmate import migrate
from deskmate import seed as demo
from deskmate.bench_kb_split import SPLIT_FILE, question_id, read_split
from deskmate.db import make_engine, make_session_factory, session_scope
from deskmate.errors import BadRequest
from deskmate.settings import REPO_ROOT, Settings
from knowledge.learned import DENSE_RANKER, LEXICAL_RANKER
from knowledge.models import Article
from knowledge.ranking import (
    Signals,
    fuse,
    fuse_learned,
    fuse_rrf,
    gather_signals,
    rank_articles,
)
from knowledge.retrieval import LanguageRouter, query_language
from knowledge.schemas import ArticleImport

QUESTIONS = (
    REPO_ROOT / "tests" / "knowledge" / "eval" / "questions.jsonl",
    REPO_ROOT / "tests" / "knowledge" / "crosslingual.jsonl",
)
# English/Chinese articles on the same topic: a label naming one accepts the other (``with_twins``).
TWINS = REPO_ROOT / "tests" / "knowledge" / "eval" / "twins.json"
DEPTH = 40


@dataclass(frozen=True)
class Question:
    q: str
    language: str
    expected: frozenset[str]


def load_questions(path: Path) -> list[Question]:
    """Read {"q", "language", "expected": [external id, ...]} lines; a bad line is an error."""
    questions: list[Question] = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            questions.append(Question(row["q"], row["language"], frozenset(row["expected"])))
        except (json.JSONDecodeError, KeyError, TypeError) as exc:
            raise BadRequest(f"{path} line {number}: not a question line ({exc})") from exc
    return questions


def load_twins(path: Path = TWINS) -> dict[str, str]:
    """{article id: its twin}, both ways, from a file of {"en", "zh"} pairs; a bad file is an error.

    An article has at most one twin, and twins are in different languages.
    """
    try:
        pairs = [(row["en"], row["zh"]) for row in json.loads(path.read_text("utf-8"))["pairs"]]
    except (FileNotFoundError, json.JSONDecodeError, KeyError, TypeError) as exc:
        raise BadRequest(f"{path} is not a twin file ({exc})") from exc
    twins: dict[str, str] = {}
    for english, chinese in pairs:
        if english in twins or chinese in twins or english == chinese:
            raise BadRequest(f"{path}: {english} / {chinese} is not a pair of its own")
        twins[english], twins[chinese] = chinese, english
    return twins


def with_twins(questions: Sequence[Question], twins: Mapping[str, str]) -> list[Question]:
    """The questions with each expected article's twin expected too.

    A question labelled with an English article is answered as well by its Chinese twin (and
    the other way round); without this, a correct answer in the question's own language would
    count as a miss. The labels in the files stay as written: the split is defined on them.
    """
    return [
        dataclasses.replace(
            question,
            expected=question.expected | {twins[e] for e in question.expected if e in twins},
        )
        for question in questions
    ]


@dataclass
class Scores:
    """Recall@1, Recall@5 and MRR accumulated over answerable questions."""

    n: int = 0
    hits1: int = 0
    hits5: int = 0
    reciprocal: float = 0.0

    def add(self, ranking: Sequence[str], expected: frozenset[str]) -> None:
        self.n += 1
        rank = next((i for i, eid in enumerate(ranking, start=1) if eid in expected), None)
        if rank is not None:
            self.hits1 += rank == 1
            self.hits5 += rank <= 5
            self.reciprocal += 1 / rank

    def row(self) -> dict[str, float | int]:
        n = max(self.n, 1)
        return {
            "n": self.n,
            "recall_at_1": self.hits1 / n,
            "recall_at_5": self.hits5 / n,
            "mrr": self.reciprocal / n,
        }


LEXICAL_SIGNALS = ("bm25", "bm25-chars", "lexical", "lexical-learned")
DENSE_SIGNALS = ("dense-own", "dense-multi", "dense", "dense-learned")
FUSED_SIGNALS = ("fused-rrf", "fused-convex", "fused")
SIGNALS = (*LEXICAL_SIGNALS, *DENSE_SIGNALS, *FUSED_SIGNALS)
HALVES = ("test", "tune", "all")


def signal_rankings(signals: Signals) -> dict[str, list[uuid.UUID]]:
    """The article rankings compared by the bench, from one query's signals.

    Lexical-only: word BM25, character n-gram BM25, both lanes fused with tuned weights
    (``lexical``) and by the learned lexical-only ranker (``lexical-learned``). Dense-only: the
    query language's own embedder, the multilingual one, both fused with the tuned dense-only
    weights (``dense``) and by the learned dense-only ranker (``dense-learned``). Then the
    earlier rankings (reciprocal rank fusion with language lanes, ``fused-rrf``; the convex sum,
    ``fused-convex``) and the one served (``fused``, the learned ranker over every lane).
    """
    multilingual = signals.multilingual
    return {
        "bm25": [hit.article_id for hit in signals.lexical],
        "bm25-chars": [hit.article_id for hit in signals.chars],
        "lexical": fuse(signals, dense=[]),
        "lexical-learned": fuse_learned(signals, ranker=LEXICAL_RANKER, dense=False),
        "dense-own": [hit.article_id for hit in signals.dense[0]],  # the language's embedder
        "dense-multi": []
        if multilingual is None
        else [hit.article_id for hit in signals.dense[multilingual]],
        "dense": fuse(signals, lexical=False),  # with the cross-lingual embedder if any
        "dense-learned": fuse_learned(signals, ranker=DENSE_RANKER, lexical=False),
        "fused-rrf": fuse_rrf(signals),
        "fused-convex": fuse(signals),
        "fused": fuse_learned(signals),  # what rank_articles returns
    }


@dataclass
class QualityReport:
    scores: dict[tuple[str, str, str], Scores] = field(default_factory=dict)  # signal, half, group
    latencies_ms: list[float] = field(default_factory=list)
    publish_to_search_ms: float | None = None
    unsplit: int = 0  # questions in neither half of the split (counted in "all" only)

    def score(self, signal: str, group: str, half: str = "all") -> Scores:
        """The scores to add to (created when missing)."""
        return self.scores.setdefault((signal, half, group), Scores())

    def get(self, signal: str, group: str, half: str = "all") -> Scores:
        """The scores so far (empty when none), without creating them."""
        return self.scores.get((signal, half, group), Scores())

    def halves(self) -> list[str]:
        return [half for half in HALVES if any(key[1] == half for key in self.scores)]

    def rows(self) -> list[dict[str, object]]:
        return [
            {"signal": signal, "half": half, "group": group, **scores.row()}
            for (signal, half, group), scores in self.scores.items()
        ]

    def margin(self, half: str = "test") -> dict[str, float]:
        """Fused Recall@1 against the best lexical-only and the best dense-only Recall@1."""

        def best(signals: Sequence[str]) -> float:
            return max(float(self.get(s, "all", half).row()["recall_at_1"]) for s in signals)

        fused = float(self.get("fused", "all", half).row()["recall_at_1"])
        lexical, dense = best(LEXICAL_SIGNALS), best(DENSE_SIGNALS)
        return {
            "fused": fused,
            "best_lexical": lexical,
            "best_dense": dense,
            "points_above_best": 100 * (fused - max(lexical, dense)),
        }

    def latency(self) -> dict[str, float]:
        values = sorted(self.latencies_ms)
        if not values:
            return {"p50_ms": 0.0, "p95_ms": 0.0}
        return {
            "p50_ms": statistics.median(values),
            "p95_ms": values[min(len(values) - 1, round(0.95 * (len(values) - 1)))],
        }


@contextmanager
def throwaway_kb(
    settings: Settings, articles: Path
) -> Iterator[tuple[Callable[[], Session], LanguageRouter]]:
    """A temporary database with ``articles`` published and indexed, and its router."""
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'bench.db'}"
        migrate.upgrade(url)
        engine = make_engine(url)
        factory = make_session_factory(engine)
        router = LanguageRouter.from_settings(settings.model_copy(update={"data_dir": Path(tmp)}))
        with session_scope(factory) as session:
            demo.seed_articles(session, path=articles)
        with session_scope(factory) as session:
            router.rebuild(session)
        try:
            yield factory, router
        finally:
            engine.dispose()


def _group_names(question: Question, languages: dict[str, str]) -> list[str]:
    groups = [question.language, "all"]
    if all(languages.get(eid, question.language) != question.language for eid in question.expected):
        groups.append("cross-lingual")
    return groups


def publish_to_searchable_ms(
    factory: Callable[[], Session], router: LanguageRouter, workdir: Path
) -> float:
    """Publish a new article, run the index hook, and time until a search ranks it first."""
    data = ArticleImport(
        external_id="bench-publish-probe",
        title="Calibrate the Lumora Aquarium sensor",
        body="Hold the calibrate key on the aquarium sensor until the ring glows violet.",
        category="setup",
        language="en",
    )
    probe = workdir / "probe.jsonl"
    probe.write_text(data.model_dump_json() + "\n", encoding="utf-8")
    start = time.perf_counter()
    with factory() as session:
        demo.seed_articles(session, path=probe)  # imports and publishes, as `kb import --publish`
        session.commit()
    with factory() as session:
        article = session.scalar(select(Article).where(Article.external_id == data.external_id))
        assert article is not None
        router.article_published(session, article_id=article.id)
        found = rank_articles(
            session, router=router, query="aquarium sensor calibration", language="en", k=1
        )
    elapsed = (time.perf_counter() - start) * 1000
    if not found or found[0].article_id != article.id:
        raise RuntimeError("the article just published was not found by search")
    return elapsed


def evaluate_quality(
    settings: Settings,
    *,
    questions: Sequence[Path],
    articles: Path,
    split: Path = SPLIT_FILE,
    twins: Path | None = TWINS,
) -> QualityReport:
    """Every ranking scored on ``questions``; with ``twins`` None, the labels exactly as written."""
    asked = [question for path in questions for question in load_questions(path)]
    twin_of = load_twins(twins) if twins is not None else {}
    halves = read_split(split) if split.exists() else {}
    report = QualityReport()
    with throwaway_kb(settings, articles) as (factory, router):
        with factory() as session:
            external: dict[uuid.UUID, str] = {}
            languages: dict[str, str] = {}
            for article in session.scalars(select(Article)):
                external[article.id] = article.external_id or str(article.id)
                languages[external[article.id]] = article.language
            missing = {eid for q in asked for eid in q.expected} - set(languages)
            if missing:
                raise BadRequest(
                    f"questions expect articles not in {articles}: {sorted(missing)[:5]}"
                )
            asked = with_twins(asked, {a: b for a, b in twin_of.items() if b in languages})
            for question in asked:
                language = query_language(question.q)
                start = time.perf_counter()
                rank_articles(session, router=router, query=question.q, language=language, k=5)
                report.latencies_ms.append((time.perf_counter() - start) * 1000)
                if not question.expected:
                    continue
                signals = gather_signals(
                    session, router=router, query=question.q, language=language, depth=DEPTH
                )
                half = halves.get(question_id(question.q))
                report.unsplit += half is None
                for signal, ranking in signal_rankings(signals).items():
                    ids = [external[article_id] for article_id in ranking]
                    for group in _group_names(question, languages):
                        for where in ("all", half) if half else ("all",):
                            report.score(signal, group, where).add(ids, question.expected)
        with tempfile.TemporaryDirectory() as workdir:
            report.publish_to_search_ms = publish_to_searchable_ms(factory, router, Path(workdir))
    return report
