"""The tuning / test split of the labelled questions for ``deskmate bench kb``.

Retrieval settings (fusion weights, k, field boosts, thresholds) are tuned on one half of the
questions and judged on the other, so the figures the targets are read from are not fitted to.
The split is fixed before any tuning and committed (``tests/knowledge/eval/split.json``):

- a question's id is a hash of its text, so it does not depend on file order or line numbers;
- questions are stratified by language and kind (same-language, cross-lingual, unanswerable);
- within a stratum, questions are ordered by id and dealt alternately to tune and test, so each
  stratum is halved (the odd one out goes to tune).

A question that is not in the split file (added later, or from another file) belongs to neither
half; the bench counts it only in "all" and says how many there were.
"""

from __future__ import annotations

import hashlib
import json
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from deskmate.errors import BadRequest
from deskmate.settings import REPO_ROOT

SPLIT_FILE = REPO_ROOT / "tests" / "knowledge" / "eval" / "split.json"
TUNE = "tune"
TEST = "test"


def question_id(text: str) -> str:
    """A stable id for a question: the first 16 hex digits of SHA-256 of its normalised text."""
    normalised = unicodedata.normalize("NFC", text.strip())
    return hashlib.sha256(normalised.encode("utf-8")).hexdigest()[:16]


@dataclass(frozen=True)
class Labelled:
    """What the split needs to know of a question."""

    q: str
    language: str
    expected: frozenset[str]


def stratum(question: Labelled, article_languages: Mapping[str, str]) -> str:
    """``language/kind``: kind is unanswerable, cross-lingual or same-language."""
    if not question.expected:
        kind = "unanswerable"
    elif all(
        article_languages.get(eid, question.language) != question.language
        for eid in question.expected
    ):
        kind = "cross-lingual"
    else:
        kind = "same-language"
    return f"{question.language}/{kind}"


def make_split(
    questions: Iterable[Labelled], article_languages: Mapping[str, str]
) -> dict[str, str]:
    """{question id: "tune" or "test"}, each stratum halved by id order."""
    strata: dict[str, set[str]] = {}
    for question in questions:
        strata.setdefault(stratum(question, article_languages), set()).add(question_id(question.q))
    halves: dict[str, str] = {}
    for ids in strata.values():
        for position, qid in enumerate(sorted(ids)):
            halves[qid] = TUNE if position % 2 == 0 else TEST
    return halves


def split_document(halves: Mapping[str, str]) -> dict[str, object]:
    return {
        "method": (
            "id = sha256(NFC(question text).strip())[:16]; stratified by question language and "
            "kind (same-language / cross-lingual / unanswerable); within a stratum sorted by id "
            "and dealt alternately: tune, test, tune, ..."
        ),
        TUNE: sorted(q for q, half in halves.items() if half == TUNE),
        TEST: sorted(q for q, half in halves.items() if half == TEST),
    }


def write_split(path: Path, halves: Mapping[str, str]) -> None:
    path.write_text(json.dumps(split_document(halves), indent=1) + "\n", encoding="utf-8")


def read_split(path: Path = SPLIT_FILE) -> dict[str, str]:
    """{question id: half} from a split file; a missing or malformed file is an error."""
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
        halves = {qid: TUNE for qid in document[TUNE]}
        halves.update({qid: TEST for qid in document[TEST]})
    except FileNotFoundError as exc:
        raise BadRequest(f"no split file at {path}") from exc
    except (json.JSONDecodeError, KeyError, TypeError) as exc:
        raise BadRequest(f"{path} is not a split file ({exc})") from exc
    return halves
