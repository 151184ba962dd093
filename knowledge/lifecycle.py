"""The article lifecycle: draft → in_review → published → archived, versions, review, rollback.

Every function flushes and leaves the commit to the caller (request or job boundary). After the
commit the caller tells the index (``LanguageRouter.article_published`` / ``article_removed``),
with a fresh session, so the index never sees uncommitted rows.
"""

from __future__ import annotations

import difflib
import json
import uuid
from datetime import datetime

from sqlalchemy.orm import Session

from deskmate.auth.permissions import roles_for
from deskmate.auth.principal import Principal
from deskmate.db import utcnow
from deskmate.errors import BadRequest, Conflict, NotFound, NotPermitted
from experts import service as experts_service
from knowledge import gaps, repository
from knowledge.chunking import chunk_article
from knowledge.models import (
    Article,
    ArticleChunk,
    ArticleEvent,
    ArticleEventKind,
    ArticleStatus,
    ArticleVersion,
)
from knowledge.schemas import ArticleContent, ArticleCreate, ArticleUpdate

CONTENT_FIELDS = ("title", "body", "category", "product", "tags", "language", "owner", "review_by")
D, R, P, A = (
    ArticleStatus.DRAFT,
    ArticleStatus.IN_REVIEW,
    ArticleStatus.PUBLISHED,
    ArticleStatus.ARCHIVED,
)
# action -> the statuses it may start from
ALLOWED_FROM: dict[str, frozenset[ArticleStatus]] = {
    "edit": frozenset({D}),
    "submit": frozenset({D}),
    "approve": frozenset({R}),
    "reject": frozenset({R}),
    "publish": frozenset({R}),
    "schedule": frozenset({R}),
    "archive": frozenset({D, P}),
    "reopen": frozenset({R, P, A}),
    "rollback": frozenset({P}),
}


def get_article_or_raise(session: Session, *, article_id: uuid.UUID) -> Article:
    article = repository.get_article(session, article_id)
    if article is None:
        raise NotFound(f"No article {article_id}.")
    return article


def _check(article: Article, action: str) -> None:
    allowed = ALLOWED_FROM[action]
    if article.status not in allowed:
        raise Conflict(
            f"Cannot {action} an article that is {article.status}; "
            f"{action} works on {' or '.join(sorted(s.value for s in allowed))} articles.",
            code="invalid_transition",
        )


def _event(
    session: Session,
    article: Article,
    kind: ArticleEventKind,
    *,
    actor: str | None,
    from_status: ArticleStatus | None,
    comment: str | None = None,
) -> None:
    session.add(
        ArticleEvent(
            article_id=article.id,
            kind=kind,
            actor=actor,
            version=article.version,
            from_status=from_status,
            to_status=article.status,
            comment=comment,
        )
    )
    session.flush()


def content_of(source: Article | ArticleVersion | ArticleContent) -> dict[str, object]:
    return {field: getattr(source, field) for field in CONTENT_FIELDS}


def add_version(session: Session, article: Article, *, author: str | None) -> ArticleVersion:
    # Through the relationship, so a loaded ``article.versions`` sees it without a reload.
    version = ArticleVersion(
        article=article, version=article.version, author=author, **content_of(article)
    )
    session.add(version)
    return version


def rechunk(session: Session, article: Article) -> None:
    repository.delete_chunks(session, article.id)
    for ordinal, chunk in enumerate(chunk_article(article.title, article.body)):
        session.add(
            ArticleChunk(
                article_id=article.id, ordinal=ordinal, heading=chunk.heading, text=chunk.text
            )
        )


def make_published(session: Session, article: Article) -> None:
    """Serve the article's current content: status, publication time and search chunks."""
    article.status = ArticleStatus.PUBLISHED
    article.published_at = utcnow()
    article.publish_at = None
    session.flush()
    rechunk(session, article)
    session.flush()
    # Publishing closes the knowledge gaps this article was written for, and the author's
    # yellow-pages entry gains the evidence (both in the same transaction as the publication).
    gaps.close_gaps_for_article(session, article_id=article.id)
    if article.author:
        experts_service.record_article_published(
            session,
            author_email=article.author,
            article_id=article.id,
            title=article.title,
            skills=list(article.tags),
        )


def _unpublish(session: Session, article: Article, status: ArticleStatus) -> None:
    article.status = status
    article.publish_at = None
    article.approved_version = None
    article.approved_by = None
    repository.delete_chunks(session, article.id)


def create_article(session: Session, *, data: ArticleCreate, actor: Principal) -> Article:
    if data.external_id and repository.get_article_by_external_id(session, data.external_id):
        raise Conflict(f"An article with external_id {data.external_id!r} already exists.")
    article = Article(
        external_id=data.external_id,
        status=ArticleStatus.DRAFT,
        version=1,
        **content_of(data),
    )
    article.owner = data.owner or actor.actor
    session.add(article)
    session.flush()
    add_version(session, article, author=actor.actor)
    _event(session, article, ArticleEventKind.CREATED, actor=actor.actor, from_status=None)
    return article


def update_article(
    session: Session, *, article: Article, data: ArticleUpdate, actor: Principal
) -> Article:
    """Apply an edit to a draft as a new version (no version when nothing changed)."""
    _check(article, "edit")
    if data.version != article.version:
        raise Conflict(
            f"The article changed since you opened it (you edited version {data.version}, "
            f"it is now at version {article.version}); reload it and apply your change again.",
            code="stale_version",
        )
    changes = data.model_dump(exclude_unset=True, exclude={"version"})
    for field in ("title", "body", "category", "language"):
        if field in changes and changes[field] is None:
            raise BadRequest(f"{field} cannot be empty.")
    changed = {k: v for k, v in changes.items() if getattr(article, k) != v}
    if not changed:
        return article
    for field, value in changed.items():
        setattr(article, field, value)
    article.version += 1
    add_version(session, article, author=actor.actor)
    _event(session, article, ArticleEventKind.EDITED, actor=actor.actor, from_status=D)
    return article


def submit(session: Session, *, article: Article, actor: Principal) -> Article:
    _check(article, "submit")
    article.status = ArticleStatus.IN_REVIEW
    article.approved_version = None
    article.approved_by = None
    _event(session, article, ArticleEventKind.SUBMITTED, actor=actor.actor, from_status=D)
    return article


def _not_the_author(article: Article, actor: Principal, action: str) -> None:
    if article.author is not None and article.author == actor.actor:
        raise NotPermitted(
            f"You wrote version {article.version} of this article, so you cannot {action} it: "
            "a reviewer other than the author must do that.",
            code="self_review",
        )


def approve(
    session: Session, *, article: Article, actor: Principal, comment: str | None = None
) -> Article:
    _check(article, "approve")
    _not_the_author(article, actor, "approve")
    if article.approved:
        raise Conflict(
            f"Version {article.version} is already approved by {article.approved_by}.",
            code="invalid_transition",
        )
    article.approved_version = article.version
    article.approved_by = actor.actor
    _event(
        session,
        article,
        ArticleEventKind.APPROVED,
        actor=actor.actor,
        from_status=R,
        comment=comment,
    )
    return article


def reject(session: Session, *, article: Article, actor: Principal, comment: str) -> Article:
    """Send the article back to its author with the reason; any approval is withdrawn."""
    _check(article, "reject")
    _not_the_author(article, actor, "reject")
    _unpublish(session, article, ArticleStatus.DRAFT)
    _event(
        session,
        article,
        ArticleEventKind.REJECTED,
        actor=actor.actor,
        from_status=R,
        comment=comment,
    )
    return article


def _require_approval(article: Article, action: str) -> None:
    if not article.approved:
        raise Conflict(
            f"Version {article.version} has not been approved yet; a reviewer other than "
            f"the author must approve it before you {action} it.",
            code="invalid_transition",
        )


def publish(session: Session, *, article: Article, actor: Principal | None) -> Article:
    _check(article, "publish")
    _require_approval(article, "publish")
    make_published(session, article)
    _event(
        session,
        article,
        ArticleEventKind.PUBLISHED,
        actor=actor.actor if actor else "scheduler",
        from_status=R,
    )
    return article


def schedule(
    session: Session, *, article: Article, actor: Principal, publish_at: datetime
) -> Article:
    _check(article, "schedule")
    _require_approval(article, "schedule")
    if publish_at <= utcnow():
        raise BadRequest("publish_at is in the past; publish now instead.")
    article.publish_at = publish_at
    _event(
        session,
        article,
        ArticleEventKind.SCHEDULED,
        actor=actor.actor,
        from_status=R,
        comment=f"publish at {publish_at.isoformat()}",
    )
    return article


def archive(session: Session, *, article: Article, actor: Principal) -> Article:
    _check(article, "archive")
    before = ArticleStatus(article.status)
    _unpublish(session, article, ArticleStatus.ARCHIVED)
    _event(session, article, ArticleEventKind.ARCHIVED, actor=actor.actor, from_status=before)
    return article


def reopen(session: Session, *, article: Article, actor: Principal, comment: str | None) -> Article:
    """Back to draft for changes. Taking a published article down is a knowledge manager's call."""
    _check(article, "reopen")
    before = ArticleStatus(article.status)
    if before == P and actor.role not in roles_for("kb.articles.publish"):
        raise NotPermitted("Only a knowledge manager can take a published article back to draft.")
    _unpublish(session, article, ArticleStatus.DRAFT)
    _event(
        session,
        article,
        ArticleEventKind.REOPENED,
        actor=actor.actor,
        from_status=before,
        comment=comment,
    )
    return article


def get_version_or_raise(article: Article, version: int) -> ArticleVersion:
    for item in article.versions:
        if item.version == version:
            return item
    raise NotFound(f"Article {article.id} has no version {version}.")


def rollback(session: Session, *, article: Article, actor: Principal, version: int) -> Article:
    """Serve an earlier version again, as a new version (history is never rewritten)."""
    _check(article, "rollback")
    if version >= article.version:
        raise BadRequest(
            f"Roll back to an earlier version than the current one ({article.version})."
        )
    old = get_version_or_raise(article, version)
    for field, value in content_of(old).items():
        setattr(article, field, value)
    article.version += 1
    add_version(session, article, author=actor.actor)
    article.approved_version = article.version
    article.approved_by = actor.actor
    make_published(session, article)
    _event(
        session,
        article,
        ArticleEventKind.ROLLED_BACK,
        actor=actor.actor,
        from_status=P,
        comment=f"content of version {version}",
    )
    return article


def _lines(version: ArticleVersion) -> list[str]:
    meta = {
        key: value.isoformat() if hasattr(value, "isoformat") else value
        for key, value in content_of(version).items()
        if key not in ("title", "body")
    }
    return [
        f"title: {version.title}",
        *[f"{key}: {json.dumps(meta[key], ensure_ascii=False)}" for key in sorted(meta)],
        "",
        *version.body.splitlines(),
    ]


def diff(article: Article, *, from_version: int, to_version: int) -> str:
    """A unified diff of title, metadata and body between two versions."""
    old = get_version_or_raise(article, from_version)
    new = get_version_or_raise(article, to_version)
    return "\n".join(
        difflib.unified_diff(
            _lines(old),
            _lines(new),
            fromfile=f"version {from_version}",
            tofile=f"version {to_version}",
            lineterm="",
        )
    )


def publish_due(session: Session, *, now: datetime | None = None) -> list[uuid.UUID]:
    """Publish every approved article whose scheduled time has come. Returns their ids."""
    published: list[uuid.UUID] = []
    for article in repository.due_for_publishing(session, now=now or utcnow()):
        if article.approved:
            publish(session, article=article, actor=None)
            published.append(article.id)
    return published
