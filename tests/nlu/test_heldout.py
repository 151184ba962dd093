"""The held-out NLU split stays held out, and the benchmark's figures are computed correctly."""

import re
from pathlib import Path

import yaml

from deskmate.bench_nlu import Example, load_heldout, macro_f1, score, strip_annotations

ROOT = Path(__file__).resolve().parents[2]


def training_examples() -> dict[str, str]:
    """Plain, case-folded text → intent, for every example under data/nlu."""
    found: dict[str, str] = {}
    for path in sorted((ROOT / "data" / "nlu").glob("*.yml")):
        for item in yaml.safe_load(path.read_text(encoding="utf-8"))["nlu"]:
            if "intent" in item:
                for line in item["examples"].splitlines():
                    if line.startswith("- "):
                        found[strip_annotations(line[2:]).strip().casefold()] = item["intent"]
    return found


def test_no_heldout_example_is_in_the_training_data() -> None:
    training = training_examples()
    leaked = [e.text for e in load_heldout() if e.text.casefold() in training]
    assert leaked == []


def test_every_intent_has_heldout_examples_in_both_languages() -> None:
    heldout = load_heldout()
    # EXTERNAL_ intents are triggered by the app (e.g. a resolved ticket), never typed.
    intents = {i for i in training_examples().values() if not i.startswith("EXTERNAL_")}
    assert len(intents) >= 25
    for language in ("en", "zh"):
        covered = {e.intent for e in heldout if e.language == language}
        assert covered == intents, (language, intents - covered)


def test_heldout_chinese_examples_are_chinese_and_english_ones_are_not() -> None:
    cjk = re.compile(r"[\u4e00-\u9fff]")
    for example in load_heldout():
        assert bool(cjk.search(example.text)) == (example.language == "zh"), example


def test_annotations_are_stripped() -> None:
    assert strip_annotations("status of [DM-000123](ticket_reference)") == "status of DM-000123"


def test_macro_f1_averages_the_per_intent_f1() -> None:
    gold = ["a", "a", "b", "b"]
    predicted = ["a", "b", "b", "b"]
    # a: precision 1, recall 0.5 → 2/3; b: precision 2/3, recall 1 → 0.8
    assert abs(macro_f1(gold, predicted) - (2 / 3 + 0.8) / 2) < 1e-9
    assert macro_f1(gold, gold) == 1.0


def test_score_separates_languages_and_counts_out_of_scope_recall() -> None:
    examples = [
        Example("hi", "greet", "en"),
        Example("weather?", "out_of_scope", "en"),
        Example("你好", "greet", "zh"),
        Example("天气", "out_of_scope", "zh"),
    ]
    figures = score(examples, ["greet", "nlu_fallback", "greet", "out_of_scope"])
    by_language = {row["language"]: row for row in figures["languages"]}  # type: ignore[attr-defined]
    assert by_language["en"]["accuracy"] == 0.5
    assert by_language["zh"]["accuracy"] == 1.0
    assert figures["out_of_scope_recall"] == 0.5
