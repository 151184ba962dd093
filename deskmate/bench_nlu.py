"""``deskmate bench nlu``: intent accuracy and macro-F1 per language on the held-out examples.

The held-out examples (tests/nlu/heldout_<lang>.yml) were split off the training data before
any training, so these figures measure generalisation, not memory. The model parses them in the
Rasa environment (a child process: Rasa cannot be imported into the app's environment).
"""

from __future__ import annotations

import json
import re
import subprocess
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import yaml

from deskmate.rasa_model import rasa_env
from deskmate.settings import REPO_ROOT

HELDOUT_DIR = REPO_ROOT / "tests" / "nlu"
LANGUAGES = ("en", "zh")
OUT_OF_SCOPE = "out_of_scope"
_ANNOTATION = re.compile(r"\[([^\]]+)\]\([^)]+\)")

# Runs in .venv-rasa: reads {"model", "texts"} on stdin, prints one intent per text.
_MARK = "DESKMATE-PARSED "
_PARSER = f"""_MARK = {_MARK!r}
import asyncio, json, logging, sys
logging.disable(logging.WARNING)
from rasa.core.agent import Agent
request = json.load(sys.stdin)
agent = Agent.load(request["model"])
async def parse():
    return [await agent.parse_message(t) for t in request["texts"]]
results = asyncio.run(parse())
print(_MARK + json.dumps([[r["intent"]["name"], r["intent"]["confidence"]] for r in results]))
"""


@dataclass(frozen=True)
class Example:
    text: str
    intent: str
    language: str


def strip_annotations(text: str) -> str:
    """The plain text of a training example: `[DM-000123](ticket_reference)` → `DM-000123`."""
    return _ANNOTATION.sub(r"\1", text)


def load_heldout(directory: Path = HELDOUT_DIR) -> list[Example]:
    examples: list[Example] = []
    for language in LANGUAGES:
        path = directory / f"heldout_{language}.yml"
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
        for item in document["nlu"]:
            for line in item["examples"].splitlines():
                if line.startswith("- "):
                    examples.append(
                        Example(strip_annotations(line[2:]).strip(), item["intent"], language)
                    )
    return examples


def macro_f1(gold: list[str], predicted: list[str]) -> float:
    """Unweighted mean F1 over the intents in the gold labels."""
    scores = []
    for label in sorted(set(gold)):
        tp = sum(1 for g, p in zip(gold, predicted, strict=True) if g == p == label)
        fp = sum(1 for g, p in zip(gold, predicted, strict=True) if p == label and g != label)
        fn = sum(1 for g, p in zip(gold, predicted, strict=True) if g == label and p != label)
        precision = tp / (tp + fp) if tp + fp else 0.0
        recall = tp / (tp + fn) if tp + fn else 0.0
        scores.append(2 * precision * recall / (precision + recall) if precision + recall else 0.0)
    return sum(scores) / len(scores) if scores else 0.0


def score(examples: list[Example], predicted: list[str]) -> dict[str, object]:
    """Accuracy and macro-F1 per language, out-of-scope recall, and the commonest confusions."""
    rows: list[dict[str, object]] = []
    for language in LANGUAGES:
        pairs = [
            (e.intent, p)
            for e, p in zip(examples, predicted, strict=True)
            if e.language == language
        ]
        gold = [g for g, _ in pairs]
        guess = [p for _, p in pairs]
        rows.append(
            {
                "language": language,
                "n": len(pairs),
                "accuracy": sum(g == p for g, p in pairs) / len(pairs) if pairs else 0.0,
                "macro_f1": macro_f1(gold, guess),
            }
        )
    oos = [p for e, p in zip(examples, predicted, strict=True) if e.intent == OUT_OF_SCOPE]
    confusions = Counter(
        f"{e.language}: {e.intent} → {p}"
        for e, p in zip(examples, predicted, strict=True)
        if e.intent != p
    )
    return {
        "languages": rows,
        "out_of_scope_recall": oos.count(OUT_OF_SCOPE) / len(oos) if oos else 0.0,
        "out_of_scope_n": len(oos),
        "confusions": confusions.most_common(10),
    }


def parse_with_rasa(model: Path, texts: list[str]) -> list[str]:
    """The intent Rasa's model gives each text (after the fallback classifier)."""
    result = subprocess.run(
        [str(REPO_ROOT / ".venv-rasa" / "bin" / "python"), "-c", _PARSER],
        input=json.dumps({"model": str(model), "texts": texts}),
        capture_output=True,
        text=True,
        env=rasa_env(),
        cwd=REPO_ROOT,
        check=False,
    )
    if result.returncode != 0:
        raise RuntimeError(f"parsing with {model.name} failed: {result.stderr[-1500:]}")
    # Rasa prints to stdout too; the answer is the marked line.
    marked = [line for line in result.stdout.splitlines() if line.startswith(_MARK)]
    if not marked:
        raise RuntimeError(f"no answer from the parser: {result.stdout[-500:]}")
    return [name for name, _confidence in json.loads(marked[-1].removeprefix(_MARK))]


def run_nlu_bench(model: Path) -> dict[str, object]:
    examples = load_heldout()
    predicted = parse_with_rasa(model, [e.text for e in examples])
    return score(examples, predicted)
