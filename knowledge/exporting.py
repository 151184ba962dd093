"""Export articles in the formats the importer reads, so that export → import changes nothing."""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session

from deskmate.errors import BadRequest
from knowledge.importing import Format
from knowledge.models import Article

FIELDS = (
    "external_id",
    "title",
    "category",
    "product",
    "tags",
    "language",
    "owner",
    "review_by",
    "body",
)


def article_record(article: Article) -> dict[str, Any]:
    return {
        "external_id": article.external_id or str(article.id),
        "title": article.title,
        "category": article.category,
        "product": article.product,
        "tags": list(article.tags),
        "language": article.language,
        "owner": article.owner,
        "review_by": article.review_by.isoformat() if article.review_by else None,
        "body": article.body,
    }


def _articles(session: Session, statuses: Iterable[str] | None) -> list[Article]:
    query = select(Article).order_by(Article.external_id, Article.id)
    if statuses:
        query = query.where(Article.status.in_(list(statuses)))
    return list(session.scalars(query))


def _file_name(external_id: str, taken: set[str]) -> str:
    stem = re.sub(r"[^\w.-]+", "-", external_id).strip("-.") or "article"
    name, n = f"{stem}.md", 1
    while name.lower() in taken:
        n += 1
        name = f"{stem}-{n}.md"
    taken.add(name.lower())
    return name


def markdown_document(record: dict[str, Any]) -> str:
    meta = {k: v for k, v in record.items() if k != "body" and v not in (None, [])}
    front = yaml.safe_dump(meta, allow_unicode=True, sort_keys=False, width=1000)
    return f"---\n{front}---\n\n{record['body']}\n"


def export_articles(
    session: Session,
    *,
    path: Path,
    fmt: Format,
    statuses: Iterable[str] | None = None,
    progress: Callable[[int], None] | None = None,
) -> int:
    """Write the articles to ``path`` (a file for jsonl/csv, a directory for md)."""
    records = [article_record(a) for a in _articles(session, statuses)]
    try:
        if fmt == "md":
            path.mkdir(parents=True, exist_ok=True)
            taken: set[str] = set()
            for record in records:
                name = _file_name(record["external_id"], taken)
                (path / name).write_text(markdown_document(record), encoding="utf-8")
                if progress:
                    progress(1)
        elif fmt == "jsonl":
            with path.open("w", encoding="utf-8") as out:
                for record in records:
                    out.write(json.dumps(record, ensure_ascii=False) + "\n")
                    if progress:
                        progress(1)
        else:
            with path.open("w", encoding="utf-8", newline="") as out:
                writer = csv.DictWriter(out, fieldnames=FIELDS)
                writer.writeheader()
                for record in records:
                    writer.writerow(
                        {**record, "tags": ";".join(record["tags"]), "product": record["product"]}
                    )
                    if progress:
                        progress(1)
    except OSError as exc:
        raise BadRequest(f"cannot write {path}: {exc}") from exc
    return len(records)
