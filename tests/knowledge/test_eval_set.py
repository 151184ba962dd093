"""The labelled evaluation set for `deskmate bench kb` and the seed articles it points at.

These checks keep the data honest as people add to it: every label names a real article,
every article is the answer to at least one question, questions paraphrase instead of
quoting, and the cross-lingual and unanswerable questions really are what they claim.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from deskmate.bench_kb import Question, load_twins, with_twins
from deskmate.errors import BadRequest
from deskmate.language import detect_language
from knowledge import importing
from knowledge.schemas import ArticleImport

REPO_ROOT = Path(__file__).resolve().parents[2]
ARTICLES = REPO_ROOT / "deskmate" / "seed" / "articles.jsonl"
EVAL_SET = Path(__file__).resolve().parent / "eval" / "questions.jsonl"
OLD_QUESTIONS = Path(__file__).resolve().parent / "questions.jsonl"

STYLES = {"typo", "fragment", "story", "plain", "cross"}
MIN_QUESTIONS = 200
MIN_ARTICLES = 150
MIN_CROSS = 30
MIN_UNANSWERABLE = 30
# A question that shares this many characters in a row with its article was copied, not written.
COPY_RUN = 40


@pytest.fixture(scope="module")
def articles() -> dict[str, ArticleImport]:
    # The importer's own parser: the seed must import cleanly, exactly as `deskmate seed` loads it.
    return {item.data.external_id: item.data for item in importing.parse_path(ARTICLES)}


@pytest.fixture(scope="module")
def questions() -> list[dict[str, Any]]:
    rows = []
    for number, line in enumerate(EVAL_SET.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            pytest.fail(f"line {number}: invalid JSON ({exc.msg})")
        assert isinstance(row, dict), f"line {number}: not an object"
        row["_line"] = number
        rows.append(row)
    return rows


def test_the_seed_parses_and_is_big_enough(articles: dict[str, ArticleImport]) -> None:
    assert len(articles) >= MIN_ARTICLES
    languages = Counter(a.language for a in articles.values())
    assert languages["en"] and languages["zh"]
    for article in articles.values():
        prefix = f"kb-{article.language}-"
        assert article.external_id.startswith(prefix), article.external_id
        assert "\n## " in article.body, f"{article.external_id} has no ## sections"


def test_every_line_has_the_expected_shape(questions: list[dict[str, Any]]) -> None:
    for row in questions:
        where = f"line {row['_line']}"
        assert set(row) == {"q", "language", "expected", "style", "_line"}, where
        assert isinstance(row["q"], str) and row["q"].strip(), where
        assert row["language"] in ("en", "zh"), where
        assert row["style"] in STYLES, where
        assert isinstance(row["expected"], list), where
        assert all(isinstance(i, str) for i in row["expected"]), where
        assert len(set(row["expected"])) == len(row["expected"]), f"{where}: repeated id"
        # The app routes a question by the language it detects, so the label must agree.
        assert detect_language(row["q"]) == row["language"], where


def test_enough_questions_in_both_languages(questions: list[dict[str, Any]]) -> None:
    assert len(questions) >= MIN_QUESTIONS
    languages = Counter(row["language"] for row in questions)
    assert languages["en"] >= MIN_QUESTIONS // 4 and languages["zh"] >= MIN_QUESTIONS // 4
    texts = [row["q"].strip().lower() for row in questions]
    repeated = [q for q, n in Counter(texts).items() if n > 1]
    assert not repeated, f"repeated questions: {repeated}"


def test_the_old_question_set_is_not_reused() -> None:
    old = {
        json.loads(line)["q"].strip().lower()
        for line in OLD_QUESTIONS.read_text(encoding="utf-8").splitlines()
        if line.strip()
    }
    new = {
        json.loads(line)["q"].strip().lower()
        for line in EVAL_SET.read_text(encoding="utf-8").splitlines()
        if line.strip()
    }
    assert not old & new


def test_every_expected_id_exists(
    questions: list[dict[str, Any]], articles: dict[str, ArticleImport]
) -> None:
    missing = [
        (row["_line"], eid) for row in questions for eid in row["expected"] if eid not in articles
    ]
    assert not missing


def test_every_article_answers_at_least_one_question(
    questions: list[dict[str, Any]], articles: dict[str, ArticleImport]
) -> None:
    covered = {eid for row in questions for eid in row["expected"]}
    assert sorted(set(articles) - covered) == []


def test_cross_lingual_questions_only_have_answers_in_the_other_language(
    questions: list[dict[str, Any]], articles: dict[str, ArticleImport]
) -> None:
    cross = [row for row in questions if row["style"] == "cross"]
    assert len(cross) >= MIN_CROSS
    assert {row["language"] for row in cross} == {"en", "zh"}
    for row in questions:
        answer_languages = {articles[eid].language for eid in row["expected"] if eid in articles}
        is_cross = bool(answer_languages) and row["language"] not in answer_languages
        assert is_cross == (row["style"] == "cross"), f"line {row['_line']}"


def test_enough_unanswerable_questions_in_both_languages(
    questions: list[dict[str, Any]],
) -> None:
    unanswerable = [row for row in questions if not row["expected"]]
    assert len(unanswerable) >= MIN_UNANSWERABLE
    assert {row["language"] for row in unanswerable} == {"en", "zh"}


def _shared_run(question: str, text: str, length: int) -> str | None:
    q, t = question.lower(), text.lower()
    for start in range(len(q) - length + 1):
        if q[start : start + length] in t:
            return q[start : start + length]
    return None


def test_questions_paraphrase_rather_than_copy_their_article(
    questions: list[dict[str, Any]], articles: dict[str, ArticleImport]
) -> None:
    copied = []
    for row in questions:
        for eid in row["expected"]:
            article = articles.get(eid)
            if article is None:
                continue  # test_every_expected_id_exists reports it
            run = _shared_run(row["q"], f"{article.title}\n{article.body}", COPY_RUN)
            if run is not None:
                copied.append((row["_line"], eid, run))
    assert not copied


def test_the_copy_check_catches_a_copied_sentence() -> None:
    body = "Hold the reset button for 10 seconds until the light blinks amber, then let go."
    assert _shared_run(f"how do i... {body[5:60]}?", body, COPY_RUN) is not None
    assert _shared_run("how long do i hold the reset button on the hub", body, COPY_RUN) is None


# Twin articles: an English and a Chinese article on the same topic; a label names either.
TWINS = Path(__file__).resolve().parent / "eval" / "twins.json"


def test_every_twin_is_a_seed_article_paired_with_one_in_the_other_language(
    articles: dict[str, ArticleImport],
) -> None:
    twins = load_twins(TWINS)
    assert len(twins) >= 2 * 30
    for article_id, twin in twins.items():
        assert article_id in articles and twin in articles, (article_id, twin)
        assert twins[twin] == article_id, "pairs are symmetric"
        assert {articles[article_id].language, articles[twin].language} == {"en", "zh"}
        # Twins answer the same question: same product and category.
        assert articles[article_id].product == articles[twin].product, article_id
        assert articles[article_id].category == articles[twin].category, article_id


def test_an_article_is_in_one_twin_pair_at_most(tmp_path: Path) -> None:
    pairs = json.loads(TWINS.read_text(encoding="utf-8"))["pairs"]
    ids = [row[language] for row in pairs for language in ("en", "zh")]
    assert len(ids) == len(set(ids))
    twice = tmp_path / "twins.json"
    twice.write_text(json.dumps({"pairs": [*pairs, {"en": pairs[0]["en"], "zh": "kb-zh-999"}]}))
    with pytest.raises(BadRequest, match="not a pair of its own"):
        load_twins(twice)


def test_a_cross_lingual_label_accepts_the_answer_in_the_questions_own_language() -> None:
    twins = load_twins(TWINS)
    assert twins["kb-en-014"] == "kb-zh-026"  # the doorbell wired to an existing chime
    question = Question("门铃能接到原来的叮咚上吗", "zh", frozenset({"kb-en-014"}))
    (accepted,) = with_twins([question], twins)
    assert accepted.expected == {"kb-en-014", "kb-zh-026"}
    assert with_twins([question], {}) == [question]  # the labels as written
