"""Knowledge gaps: what people asked that the knowledge base did not answer well.

Candidate queries are those logged in the last ``LOOKBACK_DAYS`` that got no answer, a clarify
(the ranking could not tell the articles apart), or an unhelpful vote, and that belong to no gap
yet. ``refresh_gaps`` embeds them (with the multilingual embedder when the router has one, so
an English and a Chinese question about the same thing meet), adds each to the open gap whose
centroid it is closest to (cosine >= the embedder's ``GAP_SIMILARITY``), and groups the rest
by average-linkage agglomerative clustering with the same threshold. Everything is ordered by
time and id, so the result is deterministic. A gap is closed when the article written for it
is published (``close_gaps_for_article``); later unanswered queries on the subject start a new
gap.
"""

from __future__ import annotations

import uuid
from collections import Counter
from dataclasses import dataclass
from datetime import timedelta

import numpy as np
import numpy.typing as npt
from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from deskmate.db import utcnow
from deskmate.errors import BadRequest, Conflict, NotFound
from experts import service as experts_service
from experts.models import EvidenceKind, Expert
from experts.schemas import EvidenceCreate
from knowledge.embedding import Embedder
from knowledge.models import (
    Article,
    ArticleStatus,
    ArticleVersion,
    GapStatus,
    GapTask,
    GapTaskStatus,
    KnowledgeGap,
    SearchLog,
    SearchOutcome,
)
from knowledge.retrieval import LanguageRouter

# Cosine at which queries belong together, per embedder (measured on en/zh paraphrases: USE
# groups "thermostat weekend schedule" with "恒温器怎么设置周末的时间表" at 0.5 and keeps cake
# recipes apart; MiniLM cannot read Chinese and merges unrelated Chinese queries below 0.6).
GAP_SIMILARITY = {"universal-sentence-encoder-multilingual-3": 0.5, "all-MiniLM-L6-v2": 0.6}
DEFAULT_GAP_SIMILARITY = 0.6
LOOKBACK_DAYS = 30
MAX_QUERIES_PER_REFRESH = 1000
MAX_EXAMPLES = 5
FALLBACK_CATEGORY = "general"
MAX_EXPERTS_SCORED = 50  # a hand-picked expert gets the search's reasons when among these

Matrix = npt.NDArray[np.float32]


def gap_embedder(router: LanguageRouter) -> Embedder:
    """The Chinese retriever's embedder is the multilingual one (see LanguageRouter)."""
    return router.for_language("zh").embedder


def cluster(vectors: Matrix, *, threshold: float) -> list[list[int]]:
    """Average-linkage agglomerative clustering on cosine similarity of unit ``vectors``.

    Merges the most similar pair of clusters while their mean pairwise similarity is at least
    ``threshold``. Ties go to the lowest indices, so the result depends only on the input order.
    Returns clusters as lists of row indices, each sorted, ordered by their first row.
    """
    n = len(vectors)
    if n == 0:
        return []
    sums = (vectors @ vectors.T).astype(np.float64)  # sums[a, b]: total similarity of a × b
    sizes = np.ones(n)
    members: list[list[int]] = [[i] for i in range(n)]
    alive = np.ones(n, dtype=bool)
    while alive.sum() > 1:
        average = sums / np.outer(sizes, sizes)
        mask = np.outer(alive, alive)
        np.fill_diagonal(mask, False)
        average = np.where(mask, average, -np.inf)
        best = int(np.argmax(average))  # first maximum in row-major order: deterministic
        a, b = divmod(best, n)
        if average[a, b] < threshold:
            break
        a, b = min(a, b), max(a, b)
        sums[a, :] += sums[b, :]
        sums[:, a] += sums[:, b]
        sizes[a] += sizes[b]
        members[a].extend(members[b])
        alive[b] = False
    groups = [sorted(members[i]) for i in range(n) if alive[i]]
    return sorted(groups, key=lambda group: group[0])


@dataclass
class GapRefreshReport:
    queries: int = 0
    new_gaps: int = 0
    grown_gaps: int = 0


def _candidates(session: Session, *, since_days: int) -> list[SearchLog]:
    since = utcnow() - timedelta(days=since_days)
    return list(
        session.scalars(
            select(SearchLog)
            .where(
                SearchLog.gap_id.is_(None),
                SearchLog.created_at >= since,
                or_(
                    SearchLog.decision.in_(("no_answer", "clarify")),
                    SearchLog.outcome == SearchOutcome.UNHELPFUL,
                ),
            )
            .order_by(SearchLog.created_at, SearchLog.id)
            .limit(MAX_QUERIES_PER_REFRESH)
        )
    )


def _unit(vector: npt.NDArray[np.floating]) -> list[float]:
    norm = float(np.linalg.norm(vector))
    return [float(x) for x in (vector / norm if norm else vector)]


def _add_examples(gap: KnowledgeGap, queries: list[str]) -> None:
    examples = list(gap.examples)
    for query in queries:
        if len(examples) >= MAX_EXAMPLES:
            break
        if query.lower() not in {e.lower() for e in examples}:
            examples.append(query)
    gap.examples = examples


def refresh_gaps(
    session: Session,
    *,
    embedder: Embedder,
    similarity: float | None = None,
    since_days: int = LOOKBACK_DAYS,
) -> GapRefreshReport:
    """Group the new weak queries into gaps (a job, also run from the console)."""
    if similarity is None:
        similarity = GAP_SIMILARITY.get(embedder.name, DEFAULT_GAP_SIMILARITY)
    logs = _candidates(session, since_days=since_days)
    report = GapRefreshReport(queries=len(logs))
    if not logs:
        return report
    vectors = embedder.encode([log.query for log in logs])
    gaps = list(
        session.scalars(
            select(KnowledgeGap)
            .where(KnowledgeGap.status != GapStatus.CLOSED, KnowledgeGap.embedder == embedder.name)
            .order_by(KnowledgeGap.created_at, KnowledgeGap.id)
        )
    )
    rest = list(range(len(logs)))
    if gaps:
        centroids = np.array([gap.centroid for gap in gaps], dtype=np.float32)
        scores = vectors @ centroids.T
        rest = []
        grown: set[uuid.UUID] = set()
        for i, log in enumerate(logs):
            best = int(np.argmax(scores[i]))
            if scores[i, best] < similarity:
                rest.append(i)
                continue
            gap = gaps[best]
            gap.centroid = _unit(np.asarray(gap.centroid) * gap.volume + vectors[i])
            gap.volume += 1
            gap.languages = sorted({*gap.languages, log.language or "en"})
            _add_examples(gap, [log.query])
            log.gap_id = gap.id
            grown.add(gap.id)
        report.grown_gaps = len(grown)
    for group in cluster(vectors[rest], threshold=similarity):
        rows = [rest[j] for j in group]
        block = vectors[rows]
        centrality = (block @ block.T).mean(axis=1)
        order = sorted(range(len(rows)), key=lambda j: (-round(float(centrality[j]), 6), j))
        queries = [logs[rows[j]].query for j in order]
        gap = KnowledgeGap(
            label=queries[0][:300],
            status=GapStatus.OPEN,
            volume=len(rows),
            examples=[],
            languages=sorted({logs[r].language or "en" for r in rows}),
            centroid=_unit(block.mean(axis=0)),
            embedder=embedder.name,
        )
        _add_examples(gap, queries)
        session.add(gap)
        session.flush()
        for r in rows:
            logs[r].gap_id = gap.id
        report.new_gaps += 1
    session.flush()
    return report


def list_gaps(
    session: Session, *, status: GapStatus | None, offset: int, limit: int
) -> tuple[list[KnowledgeGap], int]:
    query = select(KnowledgeGap)
    count = select(func.count()).select_from(KnowledgeGap)
    if status is not None:
        query = query.where(KnowledgeGap.status == status)
        count = count.where(KnowledgeGap.status == status)
    rows = session.scalars(
        query.order_by(KnowledgeGap.volume.desc(), KnowledgeGap.created_at, KnowledgeGap.id)
        .offset(offset)
        .limit(limit)
    )
    return list(rows), int(session.scalar(count) or 0)


def get_gap_or_raise(session: Session, *, gap_id: uuid.UUID) -> KnowledgeGap:
    gap = session.get(KnowledgeGap, gap_id)
    if gap is None:
        raise NotFound(f"No gap {gap_id}.")
    return gap


def tasks_for_gap(session: Session, *, gap_id: uuid.UUID) -> list[GapTask]:
    return list(
        session.scalars(
            select(GapTask).where(GapTask.gap_id == gap_id).order_by(GapTask.created_at)
        )
    )


def _draft_category(session: Session, gap: KnowledgeGap) -> str:
    """The category of the articles these queries came closest to, if any."""
    rows = session.execute(
        select(Article.category)
        .join(SearchLog, SearchLog.top_article_id == Article.id)
        .where(SearchLog.gap_id == gap.id)
    ).scalars()
    counts = Counter(rows)
    return min(counts, key=lambda c: (-counts[c], c)) if counts else FALLBACK_CATEGORY


def _draft_body(gap: KnowledgeGap) -> str:
    asked = "\n".join(f"- {example}" for example in gap.examples)
    return (
        f"## What customers asked\n\n{asked}\n\n"
        "## Answer\n\nWrite the answer here, then send the article for review.\n"
    )


def create_task(
    session: Session,
    *,
    gap_id: uuid.UUID,
    expert_id: uuid.UUID | None,
    embedder: Embedder,
    actor: str | None,
) -> GapTask:
    """Turn a gap into a draft article assigned to an expert (the best yellow-pages match for
    the gap's queries unless one is given). The gap stays tasked until the draft is published."""
    gap = get_gap_or_raise(session, gap_id=gap_id)
    if gap.status != GapStatus.OPEN:
        raise Conflict(f"Gap {gap_id} is {gap.status}; only open gaps get a task.")
    matches = experts_service.search_experts(
        session,
        query=" ".join(gap.examples)[:500],
        k=MAX_EXPERTS_SCORED,
        embedder=embedder,
        # Only a gap asked in one language asks for a speaker of it (the console does the same).
        language=gap.languages[0] if len(gap.languages) == 1 else None,
    )
    if expert_id is not None:
        expert = experts_service.get_expert_or_raise(session, expert_id=expert_id)
        # The yellow pages' reasons for the chosen person too, so the task says why they fit.
        found = [m.reasons for m in matches if m.expert_id == expert.id]
        reasons = [f"chosen by {actor or 'a knowledge manager'}", *(found[0] if found else [])]
    else:
        if not matches:
            raise BadRequest("There are no experts in the yellow pages to assign the gap to.")
        expert = session.get_one(Expert, matches[0].expert_id)
        reasons = matches[0].reasons
    language = Counter(gap.languages).most_common(1)[0][0] if gap.languages else "en"
    content = {
        "title": gap.label[:300],
        "body": _draft_body(gap),
        "category": _draft_category(session, gap),
        "product": None,
        "tags": ["knowledge-gap"],
        "language": language,
        "owner": expert.email,  # the assigned expert writes it and keeps it current
    }
    article = Article(external_id=f"gap-{gap.id}", status=ArticleStatus.DRAFT, version=1, **content)
    session.add(article)
    session.flush()
    session.add(ArticleVersion(article_id=article.id, version=1, author=actor, **content))
    task = GapTask(
        gap_id=gap.id,
        expert_id=expert.id,
        article_id=article.id,
        status=GapTaskStatus.OPEN,
        created_by=actor,
        reasons=reasons,
    )
    session.add(task)
    gap.status = GapStatus.TASKED
    session.flush()
    return task


def close_gaps_for_article(session: Session, *, article_id: uuid.UUID) -> int:
    """Call after an article is published: its open gap tasks are done and their gaps closed.

    The assigned expert gains evidence (kind article_published, skills = the article's tags).
    Returns the number of gaps closed; calling it again changes nothing.
    """
    article = session.get(Article, article_id)
    if article is None or article.status != ArticleStatus.PUBLISHED:
        return 0
    tasks = session.scalars(
        select(GapTask).where(
            GapTask.article_id == article_id, GapTask.status == GapTaskStatus.OPEN
        )
    ).all()
    now = utcnow()
    closed = 0
    for task in tasks:
        task.status = GapTaskStatus.DONE
        task.done_at = now
        gap = session.get_one(KnowledgeGap, task.gap_id)
        if gap.status != GapStatus.CLOSED:
            gap.status = GapStatus.CLOSED
            gap.closed_at = now
            gap.closed_by_article_id = article_id
            closed += 1
        if task.expert_id is not None:
            expert = session.get_one(Expert, task.expert_id)
            skills = [tag for tag in article.tags if tag != "knowledge-gap"]
            evidence = EvidenceCreate(
                kind=EvidenceKind.ARTICLE_PUBLISHED,
                ref=str(article_id),
                title=article.title,
                skills=skills,
            )
            experts_service.add_evidence(session, expert=expert, data=evidence)
    session.flush()
    return closed
