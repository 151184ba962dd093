"""Split a Markdown article into searchable chunks: by headings, then by paragraphs."""

from __future__ import annotations

import re
from dataclasses import dataclass

HEADING = re.compile(r"^(#{1,6})\s+(.*)$")
MAX_CHUNK_CHARS = 900


@dataclass(frozen=True)
class Chunk:
    heading: str | None
    text: str


def _paragraphs(text: str) -> list[str]:
    return [p.strip() for p in re.split(r"\n\s*\n", text) if p.strip()]


def _pack(paragraphs: list[str]) -> list[str]:
    """Group paragraphs into pieces of at most MAX_CHUNK_CHARS (a longer paragraph stays whole)."""
    pieces: list[str] = []
    current = ""
    for paragraph in paragraphs:
        if current and len(current) + len(paragraph) + 2 > MAX_CHUNK_CHARS:
            pieces.append(current)
            current = paragraph
        else:
            current = f"{current}\n\n{paragraph}" if current else paragraph
    if current:
        pieces.append(current)
    return pieces


def split_sections(body: str) -> list[tuple[str | None, str]]:
    sections: list[tuple[str | None, list[str]]] = [(None, [])]
    for line in body.splitlines():
        match = HEADING.match(line.strip())
        if match:
            sections.append((match.group(2).strip(), []))
        else:
            sections[-1][1].append(line)
    return [(heading, "\n".join(lines).strip()) for heading, lines in sections]


def chunk_article(title: str, body: str) -> list[Chunk]:
    """Each chunk carries the article title (and its section heading) so it can stand alone."""
    chunks: list[Chunk] = []
    for heading, text in split_sections(body):
        if not text:
            continue
        for piece in _pack(_paragraphs(text)):
            prefix = f"{title}\n{heading}\n" if heading else f"{title}\n"
            chunks.append(Chunk(heading=heading, text=prefix + piece))
    if not chunks:
        chunks.append(Chunk(heading=None, text=title))
    return chunks


def lead_paragraph(body: str, *, limit: int = 300) -> str:
    """The first paragraph of prose, used as the short answer shown in the chat."""
    for _heading, text in split_sections(body):
        for paragraph in _paragraphs(text):
            plain = re.sub(r"[*_`>#]", "", paragraph).strip()
            if plain:
                return plain if len(plain) <= limit else plain[: limit - 1].rstrip() + "…"
    return ""
