"""Bulk import of articles from Markdown (with front matter), JSONL and CSV files.

Everything is parsed and validated before anything is written: a bad row is reported with its
file and line number, and then nothing is imported. The writes happen in the caller's single
transaction. Re-importing an ``external_id`` updates that article (a new version) instead of
adding a duplicate, and an unchanged article is left alone.
"""

from __future__ import annotations

import csv
import io
import json
import re
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import ValidationError
from sqlalchemy.orm import Session

from deskmate.errors import BadRequest
from knowledge import repository
from knowledge.lifecycle import (
    CONTENT_FIELDS,
    add_version,
    content_of,
    make_published,
    rechunk,
)
from knowledge.models import Article, ArticleEvent, ArticleEventKind, ArticleStatus
from knowledge.schemas import ArticleImport, ImportReport

Format = Literal["jsonl", "csv", "md"]
SUFFIXES: dict[str, Format] = {".jsonl": "jsonl", ".csv": "csv", ".md": "md", ".markdown": "md"}
MAX_REPORTED = 20
FRONT_MATTER = re.compile(r"\A---[ \t]*\r?\n(.*?)^---[ \t]*\r?$\n?", re.DOTALL | re.MULTILINE)


@dataclass(frozen=True)
class ParsedArticle:
    data: ArticleImport
    where: str  # "file, line N", for error messages


class ImportErrors(BadRequest):
    """Every problem found in the files; nothing was written."""

    def __init__(self, problems: list[str]) -> None:
        more = len(problems) - MAX_REPORTED
        detail = "; ".join(problems[:MAX_REPORTED]) + (f" (and {more} more)" if more > 0 else "")
        super().__init__(detail, code="import_failed")
        self.problems = problems


def _validation_problems(exc: ValidationError) -> str:
    return "; ".join(
        f"{'.'.join(str(p) for p in err['loc']) or 'row'}: {err['msg']}" for err in exc.errors()
    )


def _validate(raw: dict[str, Any], where: str, problems: list[str]) -> ParsedArticle | None:
    try:
        return ParsedArticle(ArticleImport.model_validate(raw), where)
    except ValidationError as exc:
        problems.append(f"{where}: {_validation_problems(exc)}")
        return None


def parse_jsonl(text: str, source: str, problems: list[str]) -> list[ParsedArticle]:
    parsed: list[ParsedArticle] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        where = f"{source}, line {number}"
        try:
            raw = json.loads(line)
        except json.JSONDecodeError as exc:
            problems.append(f"{where}: invalid JSON ({exc.msg})")
            continue
        if not isinstance(raw, dict):
            problems.append(f"{where}: expected a JSON object")
            continue
        item = _validate(raw, where, problems)
        if item is not None:
            parsed.append(item)
    return parsed


def split_tags(value: str) -> list[str]:
    return [tag for tag in re.split(r"[;,]", value) if tag.strip()]


def parse_csv(text: str, source: str, problems: list[str]) -> list[ParsedArticle]:
    """A header row, then one article per record (bodies may span lines when quoted)."""
    reader = csv.DictReader(io.StringIO(text, newline=""))
    header = reader.fieldnames or []
    missing = [name for name in ("external_id", "title", "body", "category") if name not in header]
    if missing:
        problems.append(f"{source}, line 1: the header row lacks {', '.join(missing)}")
        return []
    parsed: list[ParsedArticle] = []
    start = reader.line_num + 1
    for row in reader:
        where = f"{source}, line {start}"
        start = reader.line_num + 1
        if None in row:
            problems.append(f"{where}: more fields than the header has")
            continue
        raw: dict[str, Any] = {k: (v if v != "" else None) for k, v in row.items() if k}
        raw["tags"] = split_tags(row.get("tags") or "")
        raw = {k: v for k, v in raw.items() if v is not None}
        item = _validate(raw, where, problems)
        if item is not None:
            parsed.append(item)
    return parsed


def parse_markdown(text: str, source: str, problems: list[str]) -> list[ParsedArticle]:
    """One article: YAML front matter between ``---`` lines, then the Markdown body.

    Without a ``title`` the first ``# heading`` is the title; without an ``external_id`` the
    file name (without .md) is.
    """
    match = FRONT_MATTER.match(text)
    if match is None:
        problems.append(f"{source}, line 1: no front matter (the file must start with a --- line)")
        return []
    try:
        meta = yaml.safe_load(match.group(1)) or {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 2 if mark is not None else 1
        reason = getattr(exc, "problem", None) or exc
        problems.append(f"{source}, line {line}: invalid front matter ({reason})")
        return []
    if not isinstance(meta, dict):
        problems.append(f"{source}, line 2: the front matter must be key: value lines")
        return []
    body = text[match.end() :]
    if "title" not in meta:
        heading = re.match(r"\s*#\s+(.+?)\s*(?:\n|$)", body)
        if heading:
            meta["title"] = heading.group(1)
            body = body[heading.end() :]
    meta.setdefault("external_id", Path(source).stem)
    if isinstance(meta.get("tags"), str):
        meta["tags"] = split_tags(meta["tags"])
    meta["body"] = body
    lines = match.group(1).splitlines()
    try:
        return [ParsedArticle(ArticleImport.model_validate(meta), f"{source}, line 1")]
    except ValidationError as exc:
        for err in exc.errors():
            field = str(err["loc"][0]) if err["loc"] else ""
            line = next(
                (n + 2 for n, text in enumerate(lines) if text.startswith(f"{field}:")),
                len(lines) + 3 if field == "body" else 1,
            )
            problems.append(f"{source}, line {line}: {field or 'file'}: {err['msg']}")
        return []


PARSERS: dict[Format, Callable[[str, str, list[str]], list[ParsedArticle]]] = {
    "jsonl": parse_jsonl,
    "csv": parse_csv,
    "md": parse_markdown,
}


def files_to_import(path: Path, fmt: Format | None) -> list[tuple[Path, Format]]:
    if path.is_dir():
        files = sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in SUFFIXES)
        chosen = [(p, SUFFIXES[p.suffix.lower()]) for p in files]
        chosen = [(p, f) for p, f in chosen if fmt is None or f == fmt]
        if not chosen:
            raise BadRequest(f"{path} holds no .md, .jsonl or .csv files to import.")
        return chosen
    if fmt is None:
        fmt = SUFFIXES.get(path.suffix.lower())
        if fmt is None:
            raise BadRequest(f"Cannot tell the format of {path.name}: pass --format jsonl|csv|md.")
    return [(path, fmt)]


def parse_path(path: Path, *, fmt: Format | None = None) -> list[ParsedArticle]:
    """Parse and validate every article under ``path``; raise with every problem found."""
    problems: list[str] = []
    parsed: list[ParsedArticle] = []
    for file, file_fmt in files_to_import(path, fmt):
        source = str(file.relative_to(path)) if path.is_dir() else file.name
        try:
            text = file.read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as exc:
            problems.append(f"{source}: cannot read {file}: {exc}")
            continue
        parsed.extend(PARSERS[file_fmt](text, source, problems))
    seen: dict[str, str] = {}
    for item in parsed:
        first = seen.setdefault(item.data.external_id, item.where)
        if first != item.where:
            problems.append(f"{item.where}: external_id {item.data.external_id!r} repeats {first}")
    if problems:
        raise ImportErrors(problems)
    return parsed


def _find(session: Session, external_id: str) -> Article | None:
    """By external_id; an export of an article created in the console uses its id instead."""
    article = repository.get_article_by_external_id(session, external_id)
    if article is not None:
        return article
    try:
        by_id = repository.get_article(session, uuid.UUID(external_id))
    except ValueError:
        return None
    return by_id if by_id is not None and by_id.external_id is None else None


def upsert_article(
    session: Session, *, data: ArticleImport, publish_now: bool, author: str | None = None
) -> str:
    """Create or update the article with ``data.external_id``; every change is a new version.

    Returns what happened: "created", "updated" or "unchanged". Importing is an administrator's
    bulk action: with ``publish_now`` it publishes without the review step.
    """
    content = content_of(data)
    article = _find(session, data.external_id)
    if article is None:
        article = Article(external_id=data.external_id, version=1, **content)
        session.add(article)
        session.flush()
        outcome = "created"
    elif all(getattr(article, key) == content[key] for key in CONTENT_FIELDS):
        outcome = "unchanged"
    else:
        for key, value in content.items():
            setattr(article, key, value)
        article.version += 1
        outcome = "updated"
    if outcome != "unchanged":
        add_version(session, article, author=author)
        session.add(
            ArticleEvent(
                article_id=article.id,
                kind=ArticleEventKind.IMPORTED,
                actor=author,
                version=article.version,
                to_status=article.status,
                comment=outcome,
            )
        )
    if publish_now and (outcome != "unchanged" or article.status != ArticleStatus.PUBLISHED):
        make_published(session, article)
    elif outcome == "updated" and article.status == ArticleStatus.PUBLISHED:
        rechunk(session, article)
    session.flush()
    return outcome


def write_articles(
    session: Session,
    items: Iterable[ParsedArticle],
    *,
    publish_now: bool,
    author: str | None,
    progress: Callable[[int], None] | None = None,
) -> ImportReport:
    report = ImportReport()
    for item in items:
        outcome = upsert_article(session, data=item.data, publish_now=publish_now, author=author)
        setattr(report, outcome, getattr(report, outcome) + 1)
        if progress is not None:
            progress(1)
    if publish_now:
        report.published = repository.count_published(session)
    return report


def import_path(
    session: Session,
    *,
    path: Path,
    publish_now: bool,
    author: str | None = None,
    fmt: Format | None = None,
) -> ImportReport:
    return write_articles(
        session, parse_path(path, fmt=fmt), publish_now=publish_now, author=author
    )
