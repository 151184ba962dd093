"""Routes of the answer policy, query follow-ups, article value and knowledge gaps."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request, Response
from sqlalchemy.orm import Session

from deskmate.auth.principal import Principal
from deskmate.deps import SessionDep, SettingsDep, require_permission
from deskmate.pagination import Page, PageNumber, PerPage
from experts.models import Expert
from knowledge import feedback, gaps, policy
from knowledge.insight_schemas import (
    ArticleValueRead,
    ConversationVoteCreate,
    GapDetail,
    GapRead,
    GapRefreshRead,
    GapTaskCreate,
    GapTaskRead,
    SearchFollowUpRead,
    SettleRead,
    ThresholdRead,
    ThresholdWrite,
    TicketFollowUp,
    VoteCreate,
    VoteRead,
)
from knowledge.models import GapStatus, GapTask, KnowledgeGap
from knowledge.retrieval import LanguageRouter

router = APIRouter(prefix="/api/v1/kb", tags=["knowledge insight"])

ReadThresholds = Annotated[Principal, Depends(require_permission("kb.thresholds.read"))]
WriteThresholds = Annotated[Principal, Depends(require_permission("kb.thresholds.write"))]
ReportTicket = Annotated[Principal, Depends(require_permission("kb.searches.ticket"))]
ReportVote = Annotated[Principal, Depends(require_permission("kb.searches.vote"))]
Settle = Annotated[Principal, Depends(require_permission("kb.searches.settle"))]
ReadValue = Annotated[Principal, Depends(require_permission("kb.value.read"))]
ReadGaps = Annotated[Principal, Depends(require_permission("kb.gaps.read"))]
ManageGaps = Annotated[Principal, Depends(require_permission("kb.gaps.manage"))]


@router.get("/thresholds", response_model=list[ThresholdRead])
def list_thresholds(session: SessionDep, _token: ReadThresholds) -> list[ThresholdRead]:
    return [ThresholdRead.model_validate(row) for row in policy.list_thresholds(session)]


@router.put("/thresholds", response_model=ThresholdRead)
def set_thresholds(
    data: ThresholdWrite, session: SessionDep, _token: WriteThresholds
) -> ThresholdRead:
    """Create or replace the thresholds of (category, language); category null = default."""
    row = policy.set_thresholds(
        session,
        category=data.category,
        language=data.language,
        thresholds=policy.Thresholds(
            answer=data.answer, clarify_floor=data.clarify_floor, margin=data.margin
        ),
    )
    session.commit()
    return ThresholdRead.model_validate(row)


@router.delete("/thresholds/{threshold_id}", status_code=204)
def delete_thresholds(
    threshold_id: uuid.UUID, session: SessionDep, _token: WriteThresholds
) -> Response:
    policy.delete_thresholds(session, threshold_id=threshold_id)
    session.commit()
    return Response(status_code=204)


@router.post("/searches/{search_id}/feedback", status_code=201, response_model=VoteRead)
def vote(
    search_id: uuid.UUID, data: VoteCreate, session: SessionDep, settings: SettingsDep
) -> VoteRead:
    """ "Did this help?" on a shown article. Public, like search. One vote per search: 409."""
    entry = feedback.vote(
        session,
        search_id=search_id,
        article_id=data.article_id,
        helpful=data.helpful,
        stale_days=settings.kb_stale_days,
    )
    session.commit()
    return VoteRead(search_id=entry.search_id, article_id=entry.article_id, helpful=entry.helpful)


@router.post("/conversations/{conversation_id}/feedback", status_code=201, response_model=VoteRead)
def vote_in_conversation(
    conversation_id: Annotated[str, Path(min_length=1, max_length=100)],
    data: ConversationVoteCreate,
    session: SessionDep,
    settings: SettingsDep,
    _token: ReportVote,
) -> VoteRead:
    """ "Did this help?" answered in the chat, reported by the assistant (integration token):
    a vote on the latest answer of the conversation. 404 when none was shown lately; 409 when
    it has a vote already."""
    entry = feedback.vote_in_conversation(
        session,
        conversation_id=conversation_id,
        helpful=data.helpful,
        article_id=data.article_id,
        window_minutes=settings.kb_followup_minutes,
        stale_days=settings.kb_stale_days,
    )
    session.commit()
    return VoteRead(search_id=entry.search_id, article_id=entry.article_id, helpful=entry.helpful)


@router.post("/searches/{search_id}/ticket", response_model=SearchFollowUpRead)
def ticket_followed(
    search_id: uuid.UUID,
    data: TicketFollowUp,
    session: SessionDep,
    settings: SettingsDep,
    _token: ReportTicket,
) -> SearchFollowUpRead:
    """A ticket followed this search (reported by the assistant's integration token)."""
    log = feedback.ticket_followed(
        session, search_id=search_id, reference=data.reference, stale_days=settings.kb_stale_days
    )
    session.commit()
    return SearchFollowUpRead(
        search_id=log.id, outcome=log.outcome, ticket_reference=log.ticket_reference
    )


@router.post("/searches/settle", response_model=SettleRead)
def settle(session: SessionDep, settings: SettingsDep, _token: Settle) -> SettleRead:
    """Run the follow-up sweep now (the worker runs the same job on a schedule)."""
    report = feedback.settle(
        session, window_minutes=settings.kb_followup_minutes, stale_days=settings.kb_stale_days
    )
    changed = feedback.refresh_staleness(session, stale_days=settings.kb_stale_days)
    session.commit()
    return SettleRead(
        settled=report.settled,
        abandoned=report.abandoned,
        deflected=report.deflected,
        stale_changed=changed,
        tickets=report.tickets,
    )


@router.get("/articles/value", response_model=Page[ArticleValueRead])
def article_value(
    session: SessionDep,
    _token: ReadValue,
    sort: feedback.ValueSort = "value",
    order: Annotated[str, Query(pattern="^(asc|desc)$")] = "desc",
    page: PageNumber = 1,
    per_page: PerPage = 20,
) -> Page[ArticleValueRead]:
    rows, total = feedback.list_value(
        session,
        sort=sort,
        descending=order == "desc",
        offset=(page - 1) * per_page,
        limit=per_page,
    )
    items = [
        ArticleValueRead(
            article_id=article.id,
            title=article.title,
            category=article.category,
            language=article.language,
            status=article.status,
            shown=stats.shown,
            answered=stats.answered,
            helpful=stats.helpful,
            unhelpful=stats.unhelpful,
            deflections=stats.deflections,
            tickets_after=stats.tickets_after,
            stale=stats.stale,
            value=stats.value,
        )
        for stats, article in rows
    ]
    return Page[ArticleValueRead](items=items, total=total, page=page, per_page=per_page)


def _gap_read(gap: KnowledgeGap) -> GapRead:
    return GapRead(
        id=gap.id,
        label=gap.label,
        status=gap.status,
        volume=gap.volume,
        examples=gap.examples,
        languages=gap.languages,
        created_at=gap.created_at,
        closed_at=gap.closed_at,
        closed_by_article_id=gap.closed_by_article_id,
    )


@router.get("/gaps", response_model=Page[GapRead])
def list_gaps(
    session: SessionDep,
    _token: ReadGaps,
    status: GapStatus | None = GapStatus.OPEN,
    page: PageNumber = 1,
    per_page: PerPage = 20,
) -> Page[GapRead]:
    """Knowledge gaps ranked by volume (open ones unless ``status`` says otherwise)."""
    rows, total = gaps.list_gaps(
        session, status=status, offset=(page - 1) * per_page, limit=per_page
    )
    return Page[GapRead](
        items=[_gap_read(gap) for gap in rows], total=total, page=page, per_page=per_page
    )


@router.post("/gaps/refresh", response_model=GapRefreshRead)
def refresh_gaps(request: Request, session: SessionDep, _token: ManageGaps) -> GapRefreshRead:
    """Group the weak queries logged since the last refresh into gaps."""
    retriever: LanguageRouter = request.app.state.retriever
    report = gaps.refresh_gaps(session, embedder=gaps.gap_embedder(retriever))
    session.commit()
    return GapRefreshRead(
        queries=report.queries, new_gaps=report.new_gaps, grown_gaps=report.grown_gaps
    )


@router.post("/gaps/{gap_id}/task", status_code=201, response_model=GapTaskRead)
def create_gap_task(
    gap_id: uuid.UUID,
    data: GapTaskCreate,
    request: Request,
    session: SessionDep,
    token: ManageGaps,
) -> GapTaskRead:
    """A draft article for the gap, assigned to ``expert_id`` or to the best-matching expert."""
    retriever: LanguageRouter = request.app.state.retriever
    task = gaps.create_task(
        session,
        gap_id=gap_id,
        expert_id=data.expert_id,
        embedder=gaps.gap_embedder(retriever),
        actor=token.actor,
    )
    session.commit()
    return _task_read(session, task)


def _task_read(session: Session, task: GapTask) -> GapTaskRead:
    expert = session.get(Expert, task.expert_id) if task.expert_id else None
    return GapTaskRead(
        id=task.id,
        gap_id=task.gap_id,
        expert_id=task.expert_id,
        expert_name=expert.name if expert else None,
        article_id=task.article_id,
        status=task.status,
        reasons=task.reasons,
    )


@router.get("/gaps/{gap_id}", response_model=GapDetail)
def get_gap(gap_id: uuid.UUID, session: SessionDep, _token: ReadGaps) -> GapDetail:
    """One gap with its writing tasks."""
    gap = gaps.get_gap_or_raise(session, gap_id=gap_id)
    tasks = [_task_read(session, task) for task in gaps.tasks_for_gap(session, gap_id=gap.id)]
    return GapDetail(**_gap_read(gap).model_dump(), tasks=tasks)
