from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from knowledge import importing
from knowledge.schemas import ArticleImport


def article_data(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "external_id": "kb-test-1",
        "title": "Connect the camera to Wi-Fi",
        "body": (
            "The camera needs a 2.4 GHz network.\n\n## Steps\n\n1. Open the app.\n"
            "2. Pick the network."
        ),
        "category": "connectivity",
        "product": "Lumora Cam",
        "tags": ["wifi"],
        "language": "en",
    }
    data.update(overrides)
    return data


def add_article(session: Session, *, publish: bool = True, **overrides: Any) -> str:
    return importing.upsert_article(
        session, data=ArticleImport.model_validate(article_data(**overrides)), publish_now=publish
    )


def write_jsonl(path: Path, rows: list[dict[str, Any] | str]) -> Path:
    lines = [row if isinstance(row, str) else json.dumps(row, ensure_ascii=False) for row in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path
